// Delivers the alert outbox (store/alert-deliveries.ts): claims due rows, POSTs each to
// its target, and records the result. Retries only what a retry can fix (429, 5xx, a
// network error or timeout), with exponential backoff and full jitter, never sooner than
// the receiver's Retry-After; anything else is kept as failed with the reason.
import type { Logger } from 'pino';
import { backoffMs, parseRetryAfter, type RetryPolicy } from '../../connectors/retry.js';
import { StocksyncError } from '../../errors.js';
import { claimDeliveries, markDelivered, markFailed, markRetry, type ClaimedDelivery } from '../../store/alert-deliveries.js';
import type { Db } from '../../store/db.js';
import { payloadOf, signatureHeaders, slackMessage } from './messages.js';

export type AlertTarget = { name: string; kind: 'webhook'; url: string; secret: string } | { name: string; kind: 'slack'; url: string };

export interface DeliverDeps {
  db: Db;
  log: Logger;
  targets: readonly AlertTarget[];
  /** Tries in all, the first included, before a delivery is kept as failed. */
  maxAttempts: number;
  /** Backoff between tries (defaults: 1 s doubling to 10 minutes, full jitter). */
  backoff?: Pick<RetryPolicy, 'baseMs' | 'maxMs' | 'random'>;
  timeoutMs?: number;
}

const BATCH = 20;
/** Longer than a delivery can take (the timeout): a claim outliving it means its process died. */
const CLAIM_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;

/** One failed try, classified. */
export class AlertDeliveryError extends StocksyncError {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(retryable ? 'PLATFORM_RETRYABLE' : 'PLATFORM_PERMANENT', message);
    this.name = 'AlertDeliveryError';
  }
}

/** Delivers one batch of due deliveries; true when a full batch was taken (more may wait). */
export async function deliverAlertsOnce(d: DeliverDeps): Promise<boolean> {
  const claimed = await claimDeliveries(d.db, BATCH, CLAIM_MS);
  await Promise.all(claimed.map((c) => deliverOne(d, c)));
  return claimed.length === BATCH;
}

async function deliverOne(d: DeliverDeps, c: ClaimedDelivery): Promise<void> {
  const target = d.targets.find((t) => t.name === c.target);
  if (!target) return markFailed(d.db, c.id, `no alert target named ${c.target} in the config`);
  try {
    await post(target, c, d.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    await markDelivered(d.db, c.id);
  } catch (e) {
    const err = e instanceof AlertDeliveryError ? e : new AlertDeliveryError((e as Error).message, true);
    // Never the URL: a Slack URL is a credential.
    const where = { delivery: c.id, target: c.target, rule: c.rule, subject: c.subject, attempt: c.attempts };
    if (!err.retryable || c.attempts >= d.maxAttempts) {
      d.log.error({ ...where, err: err.message }, 'alert delivery failed for good');
      return markFailed(d.db, c.id, err.message);
    }
    const policy = { attempts: d.maxAttempts, baseMs: 1_000, maxMs: 600_000, ...d.backoff };
    const wait = backoffMs(c.attempts - 1, policy, err.retryAfterMs);
    d.log.warn({ ...where, err: err.message, retryInMs: wait }, 'alert delivery failed; will retry');
    await markRetry(d.db, c.id, wait, err.message);
  }
}

async function post(target: AlertTarget, c: ClaimedDelivery, timeoutMs: number): Promise<void> {
  // A Slack URL comes from the environment: a malformed one is not worth retrying.
  if (!/^https?:\/\/[^\s]+$/.test(target.url)) throw new AlertDeliveryError(`target ${target.name}: url is not an http(s) URL`, false);
  const body = JSON.stringify(target.kind === 'slack' ? slackMessage(c) : payloadOf(c));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'stocksync-alerts',
    ...(target.kind === 'webhook' && signatureHeaders(target.secret, body)),
  };
  let res: Response;
  try {
    res = await fetch(target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    await res.arrayBuffer(); // read to the end: the connection goes back to the pool
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e as Error).message;
    throw new AlertDeliveryError(`target ${target.name}: ${why}`, true);
  }
  if (res.status >= 200 && res.status < 300) return;
  const retryable = res.status === 429 || res.status >= 500;
  throw new AlertDeliveryError(`target ${target.name} answered ${res.status}`, retryable, parseRetryAfter(res.headers.get('retry-after')));
}
