// Layer 1 for Amazon: SP-API notifications arrive in the seller's SQS queue, never at our
// HTTP endpoint. This worker long-polls the queue and puts each message into the inbox
// exactly as the webhook route does (parse within the limits, store durably, dedupe on
// NotificationMetadata.NotificationId); the inbox processor takes it from there.
//
// A message is deleted only after its fate is durable: stored (or found stored already),
// or kept in the quarantine (bounded, as refused webhooks are) because it cannot be
// parsed or stored. When the database cannot take it, it is not deleted: its visibility
// is stretched with backoff (ApproximateReceiveCount drives it) and SQS delivers it again.
// A crash between the store and the delete does the same, and the redelivery is a
// duplicate in the inbox.
//
// No lease: SQS itself hands each message to one receiver at a time (the visibility
// timeout), so every engine process may poll the queue; several consumers share the
// messages, a dead one loses nothing (its in-flight messages come back), and the inbox
// key absorbs the at-least-once duplicates. A lease would only add a failover delay.
import type { Logger } from 'pino';
import type { NotificationQueue, QueueMessage } from '../../connectors/amazon/sqs-queue.js';
import { ConnectorError } from '../../connectors/errors.js';
import type { Connector, ParsedWebhook } from '../../connectors/types.js';
import { parseWebhookWithinLimits } from '../../connectors/webhook-limits.js';
import { countWebhook } from '../../metrics/counters.js';
import { touchActivity } from '../../store/activity.js';
import type { Db } from '../../store/db.js';
import { StoreError } from '../../store/errors.js';
import type { InboxWriter } from '../../store/inbox-writer.js';
import { recordWebhookRefusal, type SampleLimits, type WebhookOutcome } from '../../store/webhook-counts.js';

export interface SqsConsumerDeps {
  db: Db;
  log: Logger;
  connectionId: string;
  connector: Pick<Connector, 'parseWebhook'>;
  queue: NotificationQueue;
  inbox: InboxWriter;
  /** The quarantine's sample per connection, outcome and hour (the webhook route's defaults). */
  samples?: SampleLimits;
  /** Visibility given to a message the database could not take: base x 2^(receives-1), at most max; seconds. */
  retry?: { baseSeconds: number; maxSeconds: number };
  random?: () => number;
}

export interface ConsumeResult {
  received: number;
  stored: number;
  duplicates: number;
  quarantined: number;
  /** Not stored: left on the queue to come back. */
  retried: number;
  deleted: number;
}

type Fate = { kind: 'delete'; result: 'stored' | 'duplicate' | 'quarantined' } | { kind: 'retry' };

export const DEFAULT_SQS_RETRY = { baseSeconds: 10, maxSeconds: 900 };
const DEFAULT_SAMPLES: SampleLimits = { perHour: 100, maxBodyBytes: 64 * 1024 };

/** One long poll and what follows it. Resolves with nothing received when `signal` aborts the poll. */
export async function consumeOnce(d: SqsConsumerDeps, signal: AbortSignal): Promise<ConsumeResult> {
  const messages = await d.queue.receive(signal);
  const fates = await Promise.all(messages.map((m) => fateOf(d, m)));
  const result: ConsumeResult = { received: messages.length, stored: 0, duplicates: 0, quarantined: 0, retried: 0, deleted: 0 };
  const done: string[] = [];
  fates.forEach((f, i) => {
    if (f.kind === 'retry') result.retried++;
    else {
      done.push(messages[i]!.receiptHandle);
      if (f.result === 'stored') result.stored++;
      else if (f.result === 'duplicate') result.duplicates++;
      else result.quarantined++;
    }
  });
  if (done.length > 0) {
    // A delete that fails only means the message comes back: a duplicate for the inbox.
    try {
      const failed = await d.queue.deleteMessages(done);
      result.deleted = done.length - failed.length;
      for (const f of failed) d.log.warn({ connection: d.connectionId, code: f.code, err: f.message }, 'SQS message not deleted; it will come back');
    } catch (e) {
      d.log.warn({ connection: d.connectionId, err: (e as Error).message }, 'SQS delete failed; the messages will come back');
    }
  }
  await Promise.all(messages.map((m, i) => (fates[i]!.kind === 'retry' ? backOff(d, m) : undefined)));
  if (result.stored > 0) {
    touchActivity(d.db, d.connectionId, 'webhook').catch((e: unknown) => d.log.warn({ err: (e as Error).message }, 'could not record notification activity'));
  }
  return result;
}

async function fateOf(d: SqsConsumerDeps, m: QueueMessage): Promise<Fate> {
  const body = Buffer.from(m.body, 'utf8');
  // Kept with the event: where it came from. SQS messages carry no signature (the queue's
  // access policy and our AWS credentials are the access control), so none is verified.
  const headers = { 'x-stocksync-source': 'sqs', 'x-amz-sqs-message-id': m.messageId, 'x-amz-sqs-queue-url': d.queue.queueUrl };
  let parsed: ParsedWebhook;
  try {
    parsed = parseWebhookWithinLimits(d.connector, { headers, query: {}, rawBody: body });
  } catch (e) {
    const why = e instanceof ConnectorError ? e.message : `unreadable: ${(e as Error).message}`;
    return quarantine(d, m, headers, body, 'unreadable', why);
  }
  let outcome;
  try {
    outcome = await d.inbox.write({ connectionId: d.connectionId, eventId: parsed.eventId, topic: parsed.topic, headers, body });
  } catch (e) {
    if (e instanceof StoreError && e.code === 'INPUT_INVALID') return quarantine(d, m, headers, body, 'unstorable', e.message);
    countWebhook(d.connectionId, 'not_stored');
    d.log.error({ connection: d.connectionId, message: m.messageId, err: (e as Error).message }, 'SQS notification not stored; it will come back');
    return { kind: 'retry' };
  }
  if (outcome === 'conflict') {
    const why = `conflicting duplicate: event id ${parsed.eventId} was already stored with a different body; this one was not processed`;
    return quarantine(d, m, headers, body, 'conflicting_duplicate', why);
  }
  countWebhook(d.connectionId, outcome);
  return { kind: 'delete', result: outcome };
}

/** Kept in the quarantine within the sample (counted beyond it), then deletable; if even that fails, it comes back. */
async function quarantine(
  d: SqsConsumerDeps,
  m: QueueMessage,
  headers: Record<string, string>,
  body: Buffer,
  outcome: WebhookOutcome,
  why: string,
): Promise<Fate> {
  const reason = `SQS message ${m.messageId}: ${why}`;
  try {
    await recordWebhookRefusal(
      d.db,
      { countedUnder: d.connectionId, connectionId: d.connectionId, outcome, reason, headers, body, bodyLength: body.length },
      d.samples ?? DEFAULT_SAMPLES,
    );
  } catch (e) {
    d.log.error(
      { connection: d.connectionId, message: m.messageId, err: (e as Error).message },
      'refused SQS notification could not be quarantined; it will come back',
    );
    return { kind: 'retry' };
  }
  countWebhook(d.connectionId, outcome === 'conflicting_duplicate' ? 'conflicting_duplicate' : outcome === 'unstorable' ? 'unstorable' : 'unreadable');
  d.log.warn({ connection: d.connectionId, reason: reason.slice(0, 300) }, 'SQS notification quarantined');
  return { kind: 'delete', result: 'quarantined' };
}

/** Seconds a message the database could not take stays hidden: exponential in its receives, with jitter. */
export function retryVisibilitySeconds(receiveCount: number, retry = DEFAULT_SQS_RETRY, random: () => number = Math.random): number {
  const exp = Math.min(retry.maxSeconds, retry.baseSeconds * 2 ** Math.max(0, Math.min(30, receiveCount - 1)));
  // Half fixed, half jitter: never back at once, and consumers sharing an outage spread out.
  return Math.min(43_200, Math.max(0, Math.round(exp / 2 + random() * (exp / 2))));
}

async function backOff(d: SqsConsumerDeps, m: QueueMessage): Promise<void> {
  try {
    await d.queue.changeVisibility(m.receiptHandle, retryVisibilitySeconds(m.receiveCount, d.retry, d.random));
  } catch (e) {
    // Then it comes back after the visibility it was received with.
    d.log.warn({ connection: d.connectionId, err: (e as Error).message }, 'could not extend an SQS message visibility');
  }
}
