// The metrics counted in the process as events happen (Prometheus counters and a
// histogram, prom-client). One set per process: several engines in one process (the tests,
// the demo) add to the same counters, as one process does in production. What the
// database already holds (backlogs, ages, owners) is read at scrape time instead
// (src/server/metrics.ts): nothing here costs a query. Each helper is one increment.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const PREFIX = 'stocksync_';

/** Counters, the histogram and Node's default process metrics of this process. */
export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry, prefix: PREFIX });

/**
 * What became of a webhook at the door: stored, duplicate, or the class of its refusal
 * (the classes of store/webhook-counts.ts), or not stored for a database failure (503).
 * A bounded set: an attacker's made-up connection ids are all `unknown_connection`
 * under connection="unknown", so they cannot grow the label space.
 */
export type WebhookResult =
  'stored' | 'duplicate' | 'conflicting_duplicate' | 'ping' | 'unknown_connection' | 'bad_signature' | 'unreadable' | 'too_large' | 'unstorable' | 'not_stored';

const webhooks = new Counter({
  name: `${PREFIX}webhooks_received_total`,
  help: 'Webhooks received, by connection and result (stored, duplicate, or the class of refusal)',
  labelNames: ['connection', 'result'] as const,
  registers: [processRegistry],
});

const orders = new Counter({
  name: `${PREFIX}orders_recorded_total`,
  help: 'Orders recorded (new, not duplicates), by channel connection',
  labelNames: ['connection'] as const,
  registers: [processRegistry],
});

const oversells = new Counter({
  name: `${PREFIX}oversell_incidents_total`,
  help: 'Oversell incidents opened by this process, by channel connection',
  labelNames: ['connection'] as const,
  registers: [processRegistry],
});

/** A listing's push outcome: applied, accepted (applied later), stale (compare-and-set lost), failed. */
export type PushResult = 'applied' | 'accepted' | 'stale' | 'failed_retryable' | 'failed_permanent';

const pushes = new Counter({
  name: `${PREFIX}pushes_total`,
  help: 'Listings pushed to channels, by connection and outcome',
  labelNames: ['connection', 'outcome'] as const,
  registers: [processRegistry],
});

const throttled = new Counter({
  name: `${PREFIX}throttled_calls_total`,
  help: 'Platform calls answered with a rate limit (429, THROTTLED), by connection',
  labelNames: ['connection'] as const,
  registers: [processRegistry],
});

const lowering = new Histogram({
  name: `${PREFIX}lowering_latency_seconds`,
  help: 'Target lowered -> the channel shows it (acknowledged, plus the apply delay of a platform that applies later), by connection',
  labelNames: ['connection'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
  registers: [processRegistry],
});

export function countWebhook(connectionId: string | null, result: WebhookResult): void {
  webhooks.inc({ connection: result === 'unknown_connection' || connectionId === null ? 'unknown' : connectionId, result });
}

export function countOrdersRecorded(connectionId: string, n = 1): void {
  if (n > 0) orders.inc({ connection: connectionId }, n);
}

export function countOversells(connectionId: string, n = 1): void {
  if (n > 0) oversells.inc({ connection: connectionId }, n);
}

export function countPushOutcomes(connectionId: string, outcome: PushResult, n = 1): void {
  if (n > 0) pushes.inc({ connection: connectionId, outcome }, n);
}

export function countThrottled(connectionId: string): void {
  throttled.inc({ connection: connectionId });
}

export function observeLowerings(connectionId: string, ms: readonly number[]): void {
  for (const m of ms) lowering.observe({ connection: connectionId }, m / 1000);
}
