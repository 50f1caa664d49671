// The SQS subset a notification consumer uses, in the AWS JSON 1.0 protocol that the
// AWS SDK v3 speaks to SQS since 2023: POST to the endpoint, `X-Amz-Target:
// AmazonSQS.<Operation>`, `Content-Type: application/x-amz-json-1.0`, JSON in and out;
// errors are `{__type, message}` with the query-protocol code in `x-amzn-query-error`.
// Operations: ReceiveMessage (long polling), DeleteMessage, DeleteMessageBatch,
// ChangeMessageVisibility, GetQueueAttributes, and SendMessage (how a test, or another
// producer with access, puts a message of its own on the queue).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { withRequestFaults, type FaultErrorShapes, type Faults } from '../core/faults.js';
import type { Rng } from '../core/rng.js';
import { uuid } from './notifications.js';
import { md5Hex, type SqsQueue } from './sqs-queue.js';
import { checkSigV4, type SigV4Key } from './sqs-sigv4.js';

export interface SqsEndpoint {
  queue: SqsQueue;
  accountId: string;
  queueName: string;
  key: SigV4Key;
  faults: Faults;
  rng: Rng;
  /** Counts a call per operation, and the errors it answered. */
  onCall(op: string): void;
}

const JSON_10 = 'application/x-amz-json-1.0';
const MAX_WAIT_SECONDS = 20;
const MAX_VISIBILITY_SECONDS = 43_200;

class SqsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string): SqsError => new SqsError(400, 'com.amazon.coral.validate#ValidationException', 'InvalidParameterValue;Sender', message);

function send(reply: FastifyReply, status: number, body: unknown, rng: Rng): FastifyReply {
  return reply
    .code(status)
    .header('content-type', JSON_10)
    .header('x-amzn-requestid', uuid(rng))
    .send(Buffer.from(JSON.stringify(body)));
}

function sendError(reply: FastifyReply, e: SqsError, rng: Rng): FastifyReply {
  reply.header('x-amzn-query-error', e.queryCode);
  return send(reply, e.status, { __type: e.type, message: e.message }, rng);
}

export const sqsFaultShapes = (rng: Rng): FaultErrorShapes => ({
  rateLimited: (reply) => sendError(reply, new SqsError(400, 'com.amazonaws.sqs#RequestThrottled', 'RequestThrottled;Sender', 'Rate exceeded'), rng),
  serverError: (reply) => sendError(reply, new SqsError(500, 'com.amazon.coral.service#InternalFailure', 'InternalFailure;Receiver', 'Internal failure.'), rng),
});

type Operation = (input: Record<string, unknown>, e: SqsEndpoint, signal: AbortSignal) => Promise<unknown> | unknown;

const OPERATIONS: Record<string, Operation> = {
  async ReceiveMessage(input, e, signal) {
    const max = intParam(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
    const wait = intParam(input, 'WaitTimeSeconds', 0, MAX_WAIT_SECONDS) ?? 0;
    const visibility = intParam(input, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS);
    const messages = await e.queue.receive({ max, waitMs: wait * 1000, ...(visibility !== undefined && { visibilityMs: visibility * 1000 }), signal });
    // Attributes only when asked for, as SQS does.
    const wanted = [...stringList(input['MessageSystemAttributeNames']), ...stringList(input['AttributeNames'])];
    const all = wanted.includes('All');
    return messages.length === 0
      ? {}
      : { Messages: messages.map((m) => ({ ...m, Attributes: Object.fromEntries(Object.entries(m.Attributes).filter(([k]) => all || wanted.includes(k))) })) };
  },
  DeleteMessage(input, e) {
    const outcome = e.queue.delete(handleParam(input));
    if (outcome !== 'ok') throw handleError(outcome, handleParam(input));
    return {};
  },
  DeleteMessageBatch(input, e) {
    const entries = batchEntries(input);
    const Successful: { Id: string }[] = [];
    const Failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const entry of entries) {
      const outcome = e.queue.delete(entry.ReceiptHandle);
      if (outcome === 'ok') Successful.push({ Id: entry.Id });
      else Failed.push({ Id: entry.Id, SenderFault: true, Code: outcome, Message: handleError(outcome, entry.ReceiptHandle).message });
    }
    return { Successful, Failed };
  },
  ChangeMessageVisibility(input, e) {
    const seconds = intParam(input, 'VisibilityTimeout', 0, MAX_VISIBILITY_SECONDS);
    if (seconds === undefined) throw invalid('The request must contain the parameter VisibilityTimeout.');
    const outcome = e.queue.changeVisibility(handleParam(input), seconds * 1000);
    if (outcome !== 'ok') throw handleError(outcome, handleParam(input));
    return {};
  },
  GetQueueAttributes(_input, e) {
    const c = e.queue.counts();
    return {
      Attributes: {
        ApproximateNumberOfMessages: String(c.visible),
        ApproximateNumberOfMessagesNotVisible: String(c.inFlight),
        ApproximateNumberOfMessagesDelayed: String(c.delayed),
        VisibilityTimeout: String(Math.round(e.queue.defaultVisibilityMs / 1000)),
        ReceiveMessageWaitTimeSeconds: '0',
      },
    };
  },
  SendMessage(input, e) {
    const body = input['MessageBody'];
    if (typeof body !== 'string' || body.length === 0) throw invalid('The request must contain the parameter MessageBody.');
    const delay = intParam(input, 'DelaySeconds', 0, 900) ?? 0;
    return { MessageId: e.queue.send(body, delay * 1000), MD5OfMessageBody: md5Hex(body) };
  },
};

export function registerSqsRoutes(app: FastifyInstance, e: SqsEndpoint): void {
  void app.register(async (scope) => {
    // The signature covers the exact bytes: keep them.
    scope.addContentTypeParser(JSON_10, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const handler = withRequestFaults(e.faults, sqsFaultShapes(e.rng), (request: FastifyRequest, reply: FastifyReply) => handle(request, reply, e));
    scope.post('/sqs', handler);
    scope.post('/sqs/', handler);
  });
}

async function handle(request: FastifyRequest, reply: FastifyReply, e: SqsEndpoint): Promise<FastifyReply> {
  const target = String(request.headers['x-amz-target'] ?? '');
  const op = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
  e.onCall(op || 'unknown');
  try {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const [path, query = ''] = request.url.split('?') as [string, string?];
    const auth = checkSigV4({ method: request.method, path, query, headers: request.headers, body: raw }, e.key);
    if (!auth.ok)
      throw new SqsError(
        auth.type === 'MissingAuthenticationTokenException' ? 400 : 403,
        `com.amazon.coral.service#${auth.type}`,
        `${authQueryCode(auth.type)};Sender`,
        auth.message,
      );
    const operation = Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op] : undefined;
    if (!operation)
      throw new SqsError(
        400,
        'com.amazon.coral.service#UnknownOperationException',
        'UnknownOperation;Sender',
        `Operation ${target.slice(0, 100)} is not supported here.`,
      );
    if (!String(request.headers['content-type'] ?? '').startsWith(JSON_10)) {
      throw new SqsError(400, 'com.amazon.coral.service#SerializationException', 'SerializationException;Sender', `Content-Type must be ${JSON_10}.`);
    }
    let input: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      input = parsed as Record<string, unknown>;
    } catch {
      throw new SqsError(400, 'com.amazon.coral.service#SerializationException', 'SerializationException;Sender', 'The request body is not a JSON object.');
    }
    checkQueueUrl(input, e);
    // The client's long poll ends when it goes away (a consumer shutting down).
    const abort = new AbortController();
    // (the response's close: the request's fires as soon as its body has been read)
    reply.raw.once('close', () => abort.abort());
    return send(reply, 200, await operation(input, e, abort.signal), e.rng);
  } catch (err) {
    if (err instanceof SqsError) return sendError(reply, err, e.rng);
    throw err;
  }
}

function authQueryCode(type: string): string {
  return type === 'UnrecognizedClientException'
    ? 'InvalidClientTokenId'
    : type === 'MissingAuthenticationTokenException'
      ? 'MissingAuthenticationToken'
      : 'SignatureDoesNotMatch';
}

function checkQueueUrl(input: Record<string, unknown>, e: SqsEndpoint): void {
  const url = input['QueueUrl'];
  if (typeof url !== 'string') throw invalid('The request must contain the parameter QueueUrl.');
  let segments: string[];
  try {
    segments = new URL(url).pathname.split('/').filter(Boolean);
  } catch {
    throw new SqsError(400, 'com.amazonaws.sqs#InvalidAddress', 'InvalidAddress;Sender', 'The address is not valid for this endpoint.');
  }
  if (segments.at(-2) !== e.accountId || segments.at(-1) !== e.queueName) {
    throw new SqsError(400, 'com.amazonaws.sqs#QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue;Sender', 'The specified queue does not exist.');
  }
}

function intParam(input: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = input[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalid(`Value ${JSON.stringify(v)?.slice(0, 40)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`);
  }
  return v;
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function handleParam(input: Record<string, unknown>): string {
  const h = input['ReceiptHandle'];
  if (typeof h !== 'string' || h.length === 0) throw invalid('The request must contain the parameter ReceiptHandle.');
  return h;
}

function handleError(outcome: 'ReceiptHandleIsInvalid' | 'MessageNotInflight', handle: string): SqsError {
  return outcome === 'ReceiptHandleIsInvalid'
    ? new SqsError(
        400,
        'com.amazonaws.sqs#ReceiptHandleIsInvalid',
        'ReceiptHandleIsInvalid;Sender',
        `The input receipt handle "${handle.slice(0, 100)}" is not a valid receipt handle.`,
      )
    : new SqsError(
        400,
        'com.amazonaws.sqs#MessageNotInflight',
        'AWS.SimpleQueueService.MessageNotInflight;Sender',
        'The message referred to is not in flight.',
      );
}

const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

function batchEntries(input: Record<string, unknown>): { Id: string; ReceiptHandle: string }[] {
  const entries = input['Entries'];
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new SqsError(
      400,
      'com.amazonaws.sqs#EmptyBatchRequest',
      'AWS.SimpleQueueService.EmptyBatchRequest;Sender',
      'There should be at least one DeleteMessageBatchRequestEntry in the request.',
    );
  }
  if (entries.length > 10) {
    throw new SqsError(
      400,
      'com.amazonaws.sqs#TooManyEntriesInBatchRequest',
      'AWS.SimpleQueueService.TooManyEntriesInBatchRequest;Sender',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  return entries.map((raw: unknown) => {
    const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const id = entry['Id'];
    if (typeof id !== 'string' || !BATCH_ID.test(id)) {
      throw new SqsError(
        400,
        'com.amazonaws.sqs#InvalidBatchEntryId',
        'AWS.SimpleQueueService.InvalidBatchEntryId;Sender',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(id))
      throw new SqsError(400, 'com.amazonaws.sqs#BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct;Sender', `Id ${id} repeated.`);
    seen.add(id);
    return { Id: id, ReceiptHandle: handleParam(entry) };
  });
}
