// The sandbox's SQS, spoken to by the real AWS SDK (JSON protocol, SigV4) on loopback.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../sandbox/amazon/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createSqsQueue } from '../../sandbox/amazon/sqs-queue.js';
import { createRng } from '../../sandbox/core/rng.js';

const KEY = { accessKeyId: 'AKIATESTSQS000000001', secretAccessKey: 'test-secret' };
let sb: RunningSandbox;
let endpoint: string;
let queueUrl: string;

const client = (over: Partial<typeof KEY> = {}, region = 'us-east-1') => new SQSClient({ region, endpoint, credentials: { ...KEY, ...over }, maxAttempts: 1 });

async function drain(c: SQSClient): Promise<void> {
  for (;;) {
    const r = await c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (!r.Messages?.length) return;
    await c.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: r.Messages.map((m, i) => ({ Id: `m${i}`, ReceiptHandle: m.ReceiptHandle! })) }));
  }
}

beforeAll(async () => {
  sb = await startSandbox({
    port: 0,
    seed: 3,
    instances: [
      {
        platform: 'amazon',
        name: 'seller',
        skus: [{ sku: 'MUG', quantity: 5 }],
        options: { sellerId: 'ASELLER1', sqs: { ...KEY, accountId: '111122223333', queueName: 'notes', visibilityTimeoutSeconds: 0.3 } },
      },
    ],
  });
  endpoint = `${sb.url}/amazon/seller/sqs`;
  queueUrl = `${endpoint}/111122223333/notes`;
});
afterAll(async () => sb?.close());

describe('sandbox SQS through the AWS SDK', () => {
  it('enqueues Amazon notifications and hands them out with their MD5 (checked by the SDK)', async () => {
    const c = client();
    sb.instances.get('amazon/seller')!.control.setStock('MUG', 7);
    const r = await c.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    expect(r.Messages).toHaveLength(1);
    const body = JSON.parse(r.Messages![0]!.Body!);
    expect(body.NotificationType).toBe('LISTINGS_ITEM_MFN_QUANTITY_CHANGE');
    expect(body.Payload).toMatchObject({ Sku: 'MUG', Quantity: 7, SellerId: 'ASELLER1' });
    expect(r.Messages![0]!.Attributes).toEqual({ ApproximateReceiveCount: '1' });
    await c.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: r.Messages![0]!.ReceiptHandle! }));
    const after = await c.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    expect(after.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('a long poll waits for a message and answers as soon as one is sent', async () => {
    const c = client();
    const started = Date.now();
    const polling = c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5 }));
    setTimeout(() => void client().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'late' })), 300);
    const r = await polling;
    expect(r.Messages?.[0]?.Body).toBe('late');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(3_000);
    await drain(c);
    await new Promise((res) => setTimeout(res, 400));
    await drain(c);
  });

  it('an empty long poll ends after WaitTimeSeconds with no messages', async () => {
    const started = Date.now();
    const r = await client().send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(r.Messages ?? []).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('an undeleted message comes back after its visibility timeout with a new receipt handle; the stale handle does not delete it', async () => {
    const c = client();
    await c.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'again' }));
    const first = await c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(first.Messages).toHaveLength(1);
    const hidden = await c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(hidden.Messages ?? []).toEqual([]); // invisible while in flight
    const second = await c.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    const [a, b] = [first.Messages![0]!, second.Messages![0]!];
    expect(b.MessageId).toBe(a.MessageId);
    expect(b.ReceiptHandle).not.toBe(a.ReceiptHandle);
    expect(b.Attributes?.ApproximateReceiveCount).toBe('2');
    await c.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: a.ReceiptHandle! })); // succeeds, deletes nothing
    const third = await c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2 }));
    expect(third.Messages?.[0]?.MessageId).toBe(a.MessageId);
    await c.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: third.Messages![0]!.ReceiptHandle! }));
    const gone = await c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(gone.Messages ?? []).toEqual([]);
  });

  it('ChangeMessageVisibility hides a message longer, or gives it back at 0; MessageNotInflight once it is visible', async () => {
    const c = client();
    await c.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'vis' }));
    const r = await c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    const handle = r.Messages![0]!.ReceiptHandle!;
    await c.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }));
    const back = await c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(back.Messages?.[0]?.Body).toBe('vis');
    await expect(c.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: handle, VisibilityTimeout: 5 }))).rejects.toMatchObject({
      name: 'MessageNotInflight',
    });
    await c.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: back.Messages![0]!.ReceiptHandle!, VisibilityTimeout: 1 }));
    await new Promise((res) => setTimeout(res, 500)); // past the queue's 0.3 s default
    expect((await c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages ?? []).toEqual([]);
    await c.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: back.Messages![0]!.ReceiptHandle! }));
  });

  it('answers errors in the JSON protocol shape that the SDK maps to its exceptions', async () => {
    const c = client();
    await expect(c.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'made-up' }))).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
    await expect(c.send(new ReceiveMessageCommand({ QueueUrl: `${endpoint}/111122223333/other` }))).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    await expect(c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 11 }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
    });
    await expect(c.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: [] }))).rejects.toMatchObject({ name: 'EmptyBatchRequest' });
    const batch = await c.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: 'a', ReceiptHandle: 'nope' }] }));
    expect(batch.Failed).toEqual([expect.objectContaining({ Id: 'a', Code: 'ReceiptHandleIsInvalid', SenderFault: true })]);
    const raw = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ReceiveMessage' },
      body: '{}',
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await raw.json()).toMatchObject({ __type: 'com.amazon.coral.service#MissingAuthenticationTokenException', message: expect.any(String) });
  });

  it('checks SigV4: an unknown key id, a wrong secret or another region are refused', async () => {
    await expect(client({ accessKeyId: 'AKIAOTHER' }).send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
      message: expect.stringContaining('security token'),
    });
    await expect(client({ secretAccessKey: 'wrong' }).send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
      message: expect.stringContaining('signature'),
    });
    await expect(client({}, 'eu-west-1').send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });

  it('an aborted long poll takes no message: the next receive gets it', async () => {
    const c = client();
    const abort = new AbortController();
    const polling = c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 10 }), { abortSignal: abort.signal });
    await new Promise((res) => setTimeout(res, 100));
    const started = Date.now();
    abort.abort();
    await expect(polling).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(500);
    await new Promise((res) => setTimeout(res, 50));
    await c.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'after-abort' }));
    const r = await c.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(r.Messages?.[0]?.Body).toBe('after-abort');
    await c.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: r.Messages![0]!.ReceiptHandle! }));
  });
});

describe('sandbox SQS queue bounds', () => {
  it('keeps at most its limit of messages (the oldest go), and a late delete of a gone message succeeds', async () => {
    const q = createSqsQueue({ defaultVisibilityMs: 1000, rng: createRng(1, 'q'), limit: 3 });
    const signal = new AbortController().signal;
    q.send('a');
    const [a] = await q.receive({ max: 1, waitMs: 0, signal });
    expect(q.delete(a!.ReceiptHandle)).toBe('ok');
    expect(q.delete(a!.ReceiptHandle)).toBe('ok'); // already deleted: SQS answers success
    for (const b of ['1', '2', '3', '4']) q.send(b);
    const got = await q.receive({ max: 10, waitMs: 0, signal });
    expect(got.map((m) => m.Body)).toEqual(['2', '3', '4']);
    expect(q.stats()).toMatchObject({ sent: 5, expired: 1, deleted: 1 });
    expect(q.delete('made-up')).toBe('ReceiptHandleIsInvalid');
    q.close();
  });
});

describe('sandbox SQS faults', () => {
  it('duplicates and reorders notifications as Amazon publishes them', async () => {
    const noisy = await startSandbox({
      port: 0,
      seed: 5,
      faults: { default: { ...(await import('../../sandbox/core/faults.js')).FAULT_PROFILES.none, webhookDuplicate: 0.5, webhookReorder: 0.4 } },
      timeScale: 1, // the reordering hold-back is 100-200 platform ms
      instances: [{ platform: 'amazon', name: 's', skus: [{ sku: 'A', quantity: 0 }], options: { sqs: { ...KEY } } }],
    });
    try {
      const control = noisy.instances.get('amazon/s')!.control;
      for (let q = 1; q <= 20; q++) control.setStock('A', q);
      const c = new SQSClient({ region: 'us-east-1', endpoint: `${noisy.url}/amazon/s/sqs`, credentials: KEY });
      const url = `${noisy.url}/amazon/s/sqs/123456789012/sp-api-notifications-s`;
      const seen: { id: string; q: number }[] = [];
      const until = Date.now() + 5_000;
      while (Date.now() < until && new Set(seen.map((s) => s.id)).size < 20) {
        const r = await c.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const m of r.Messages ?? []) {
          const b = JSON.parse(m.Body!);
          seen.push({ id: b.NotificationMetadata.NotificationId, q: b.Payload.Quantity });
          await c.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
        }
      }
      expect(new Set(seen.map((s) => s.id)).size).toBe(20);
      expect(seen.length).toBeGreaterThan(20); // duplicates, same NotificationId
      const order = seen.map((s) => s.q);
      expect(order).not.toEqual([...order].sort((a, b) => a - b)); // reordered
      c.destroy();
    } finally {
      await noisy.close();
    }
  });
});
