// The SQS consumer against the sandbox's queue (the real AWS SDK) and a real PostgreSQL:
// a message is deleted only once its fate is stored; what is not stored comes back.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../sandbox/amazon/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { create as createAmazon } from '../../src/connectors/amazon/index.js';
import { createNotificationQueue, type NotificationQueue } from '../../src/connectors/amazon/sqs-queue.js';
import { consumeOnce, retryVisibilitySeconds, type SqsConsumerDeps } from '../../src/engine/workers/sqs-consumer.js';
import { startSqsLoop } from '../../src/engine/workers/sqs-loop.js';
import { createPool } from '../../src/store/db.js';
import { createInboxWriter } from '../../src/store/inbox-writer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const KEY = { accessKeyId: 'AKIACONSUMERTEST0001', secretAccessKey: 'consumer-secret' };
const log = pino({ level: 'silent' });
let t: TestDatabase;
let sb: RunningSandbox;
let queueUrl: string;
let endpoint: string;
const opened: NotificationQueue[] = [];

function queue(over: { waitTimeSeconds?: number; visibilityTimeoutSeconds?: number } = {}): NotificationQueue {
  const q = createNotificationQueue({ queueUrl, region: 'us-east-1', endpoint, ...KEY, waitTimeSeconds: 1, ...over });
  opened.push(q);
  return q;
}

function deps(q: NotificationQueue, over: Partial<SqsConsumerDeps> = {}): SqsConsumerDeps {
  return {
    db: t.db,
    log,
    connectionId: 'amz',
    connector: createAmazon({
      connectionId: 'amz',
      baseUrl: `${sb.url}/amazon/seller`,
      credentials: { accessToken: 'Atza|x' },
      options: { sellerId: 'ASELLER1', marketplaceId: 'ATVPDKIKX0DER' },
    }),
    queue: q,
    inbox: createInboxWriter(t.db),
    random: () => 1,
    ...over,
  };
}

const control = () => sb.instances.get('amazon/seller')!.control;
const sqsTruth = () =>
  (control().truth() as { notifications: { sqs: { counts: { visible: number; inFlight: number; delayed: number }; stats: Record<string, number> } } })
    .notifications.sqs;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inboxRows(): Promise<{ event_id: string; topic: string; headers: Record<string, string> }[]> {
  return (await t.db.query(`SELECT event_id, topic, headers FROM inbox WHERE connection_id = 'amz' ORDER BY id`)).rows;
}

async function send(body: string): Promise<void> {
  const { SendMessageCommand, SQSClient } = await import('@aws-sdk/client-sqs');
  const c = new SQSClient({ region: 'us-east-1', endpoint, credentials: KEY });
  await c.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  c.destroy();
}

/** Consumes until the queue holds nothing (visible, in flight or delayed). */
async function consumeAll(d: SqsConsumerDeps) {
  const total = { received: 0, stored: 0, duplicates: 0, quarantined: 0, retried: 0, deleted: 0 };
  const until = Date.now() + 5_000;
  while (Date.now() < until) {
    const c = sqsTruth().counts;
    if (c.visible + c.inFlight + c.delayed === 0) break;
    const r = await consumeOnce(d, new AbortController().signal);
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += r[k];
  }
  return total;
}

beforeAll(async () => {
  t = await createTestDatabase();
  sb = await startSandbox({
    port: 0,
    seed: 9,
    instances: [
      {
        platform: 'amazon',
        name: 'seller',
        skus: [{ sku: 'MUG', quantity: 5 }],
        options: { sellerId: 'ASELLER1', sqs: { ...KEY, visibilityTimeoutSeconds: 0.3 } },
      },
    ],
  });
  endpoint = `${sb.url}/amazon/seller/sqs`;
  queueUrl = `${endpoint}/123456789012/sp-api-notifications-seller`;
});
afterAll(async () => {
  for (const q of opened) q.close();
  await sb?.close();
  await t?.drop();
});

describe('SQS consumer', () => {
  it('stores a notification in the inbox under its NotificationId, then deletes it', async () => {
    control().setStock('MUG', 9);
    const r = await consumeOnce(deps(queue()), new AbortController().signal);
    expect(r).toMatchObject({ received: 1, stored: 1, deleted: 1 });
    const rows = await inboxRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.topic).toBe('LISTINGS_ITEM_MFN_QUANTITY_CHANGE');
    expect(rows[0]!.event_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0]!.headers['x-stocksync-source']).toBe('sqs');
    expect(sqsTruth().counts).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('a crash between store and delete: the message comes back after its visibility timeout and is a duplicate', async () => {
    control().setStock('MUG', 4);
    const real = queue({ visibilityTimeoutSeconds: 1 }); // not the queue's 0.3 s: a slow store must not see it back early
    const crashing: NotificationQueue = { ...real, deleteMessages: () => Promise.reject(new Error('process killed')) };
    const first = await consumeOnce(deps(crashing), new AbortController().signal);
    expect(first).toMatchObject({ received: 1, stored: 1, deleted: 0 });
    expect(sqsTruth().counts.inFlight).toBe(1);
    await sleep(1_050); // its visibility timeout
    const again = await consumeOnce(deps(real), new AbortController().signal);
    expect(again).toMatchObject({ received: 1, stored: 0, duplicates: 1, deleted: 1 });
    expect(await inboxRows()).toHaveLength(2); // one row per notification, not per delivery
    expect(sqsTruth().stats.redelivered).toBeGreaterThanOrEqual(1);
  });

  it('Amazon publishing one notification twice is stored once; both copies are deleted', async () => {
    const body = JSON.stringify({
      NotificationVersion: '1.0',
      NotificationType: 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE',
      PayloadVersion: '1.0',
      EventTime: new Date().toISOString(),
      Payload: { SellerId: 'ASELLER1', FulfillmentChannelCode: 'DEFAULT', Sku: 'MUG', Quantity: 3 },
      NotificationMetadata: { ApplicationId: 'a', SubscriptionId: 's', PublishTime: new Date().toISOString(), NotificationId: 'dup-0001' },
    });
    await send(body);
    await send(body);
    const r = await consumeAll(deps(queue()));
    expect(r).toMatchObject({ received: 2, stored: 1, duplicates: 1, deleted: 2 });
    expect((await inboxRows()).filter((row) => row.event_id === 'dup-0001')).toHaveLength(1);
  });

  it('a message that cannot be parsed is quarantined with its reason and deleted', async () => {
    await send('not json at all');
    await send(JSON.stringify({ NotificationType: 'ORDER_CHANGE', EventTime: new Date().toISOString(), Payload: {} }));
    const before = (await inboxRows()).length;
    const r = await consumeAll(deps(queue()));
    expect(r).toMatchObject({ received: 2, quarantined: 2, deleted: 2 });
    expect(await inboxRows()).toHaveLength(before);
    const { rows } = await t.db.query(`SELECT reason, body, headers FROM quarantine WHERE connection_id = 'amz' ORDER BY id`);
    expect(rows).toHaveLength(2);
    expect(rows[0].reason).toMatch(/^SQS message [0-9a-f-]+: .*notification is not JSON/);
    expect(rows[1].reason).toMatch(/NotificationMetadata\.NotificationId/);
    expect(rows[0].body.toString()).toBe('not json at all');
    expect(rows[0].headers['x-stocksync-source']).toBe('sqs');
    const { rows: counts } = await t.db.query(`SELECT sum(requests)::int AS n FROM webhook_counts WHERE connection_id = 'amz' AND outcome = 'unreadable'`);
    expect(counts[0].n).toBe(2);
  });

  it('a message the database cannot take is not deleted: it is hidden with backoff and stored when it comes back', async () => {
    const dead = createPool('postgres://stocksync:x@127.0.0.1:1/nowhere', 1);
    try {
      control().setStock('MUG', 2);
      const q = queue();
      const retry = { baseSeconds: 2, maxSeconds: 60 };
      const failed = await consumeOnce(deps(q, { inbox: createInboxWriter(dead), retry }), new AbortController().signal);
      expect(failed).toMatchObject({ received: 1, stored: 0, retried: 1, deleted: 0 });
      // Hidden for the backoff (2 s), not the queue's 0.3 s.
      await sleep(800);
      expect(sqsTruth().counts).toMatchObject({ visible: 0, inFlight: 1 });
      const until = Date.now() + 4_000;
      let r = await consumeOnce(deps(q), new AbortController().signal);
      while (r.received === 0 && Date.now() < until) r = await consumeOnce(deps(q), new AbortController().signal);
      expect(r).toMatchObject({ received: 1, stored: 1, deleted: 1 });
    } finally {
      await dead.end();
    }
  });

  it('backoff grows with the receive count, with jitter, within SQS limits', () => {
    const retry = { baseSeconds: 10, maxSeconds: 900 };
    expect(retryVisibilitySeconds(1, retry, () => 1)).toBe(10);
    expect(retryVisibilitySeconds(1, retry, () => 0)).toBe(5);
    expect(retryVisibilitySeconds(4, retry, () => 1)).toBe(80);
    expect(retryVisibilitySeconds(50, retry, () => 1)).toBe(900);
    expect(retryVisibilitySeconds(50, { baseSeconds: 40_000, maxSeconds: 90_000 }, () => 1)).toBe(43_200);
  });

  it('two consumers (two engine processes) share the queue: every notification stored once, every message deleted', async () => {
    const before = (await inboxRows()).length;
    const rounds: number[][] = [[], []];
    const loops = [0, 1].map((i) => startSqsLoop(deps(queue({ visibilityTimeoutSeconds: 10 })), { onRound: (r) => rounds[i]!.push(r.received) }));
    for (let q = 10; q < 40; q++) control().setStock('MUG', q);
    const until = Date.now() + 5_000;
    while ((await inboxRows()).length < before + 30 && Date.now() < until) await sleep(50);
    await Promise.all(loops.map((l) => l.stop()));
    const rows = await inboxRows();
    expect(rows).toHaveLength(before + 30);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(rows.length);
    expect(sqsTruth().counts).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(rounds.flat().reduce((a, b) => a + b, 0)).toBe(30);
  });

  it('stop() ends a long poll at once', async () => {
    const q = queue({ waitTimeSeconds: 20 });
    const rounds: number[] = [];
    const loop = startSqsLoop(deps(q), { onRound: (r) => rounds.push(r.received) });
    await sleep(300); // the loop is inside its 20 s ReceiveMessage
    const started = Date.now();
    await loop.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(rounds).toEqual([]);
    // Nothing was taken by the abandoned poll: the next notification is there for others.
    control().setStock('MUG', 1);
    const r = await consumeOnce(deps(queue()), new AbortController().signal);
    expect(r).toMatchObject({ received: 1, stored: 1, deleted: 1 });
  });
});
