// Retries only what is retryable, with exponential backoff and full jitter, honouring a
// platform's Retry-After when it gives one.
import { ConnectorError } from './errors.js';

export interface RetryPolicy {
  attempts: number; // total tries, including the first
  baseMs: number;
  maxMs: number;
  random?: () => number; // injectable for deterministic tests
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 200, maxMs: 20_000 };

export function backoffMs(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
  const random = policy.random ?? Math.random;
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** attempt);
  const jittered = Math.floor(random() * exp);
  // The platform knows better than our guess: never retry before its Retry-After.
  return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
}

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (e: ConnectorError, waitMs: number, attempt: number) => void,
): Promise<T> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!(e instanceof ConnectorError) || !e.retryable || attempt + 1 >= policy.attempts) throw e;
      const wait = backoffMs(attempt, policy, e.info.retryAfterMs);
      onRetry?.(e, wait, attempt);
      await sleep(wait);
    }
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
