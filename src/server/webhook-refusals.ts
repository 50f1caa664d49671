// What the webhook route does with a request it refuses (issue 14, defect 5: 2,000
// unsigned 1 MB POSTs grew the quarantine by 2 GB in 41 s). Every refusal is counted;
// a bounded sample per connection, outcome and hour is kept in the quarantine with a
// bounded body (store/webhook-counts.ts); a source address refused too often gets 429
// and is counted in memory only, the counts written once a second, so a flood costs
// neither disk nor a database write per request.
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';
import { addWebhookCounts, recordWebhookRefusal, type SampleLimits, type WebhookCount, type WebhookRefusal } from '../store/webhook-counts.js';

export interface WebhookRefusalOptions {
  /** Refused requests kept in the quarantine per connection, outcome and hour (default 100). */
  samplesPerHour?: number;
  /** Bytes of a refused body kept (default 64 KiB). */
  maxSampleBytes?: number;
  /** Refusals one source address may cause at once (default 30) ... */
  sourceBurst?: number;
  /** ... and per minute after that (default 30); beyond, its refusals are answered 429. */
  sourcePerMinute?: number;
  /** Source addresses tracked at most; the oldest is forgotten first (default 10,000). */
  maxSources?: number;
  /** How often counts gathered in memory are written (default 1 s). */
  flushMs?: number;
}

export interface WebhookRefusals {
  /**
   * Counts the refusal; stores it within the sample. 'rate_limited' when its source
   * address is over its limit (null: not held against its source).
   */
  refuse(source: string | null, r: WebhookRefusal): Promise<'refused' | 'rate_limited'>;
  /** Counts a request answered without a write of its own (a WooCommerce ping). */
  count(c: Omit<WebhookCount, 'requests'>): void;
  /** Writes the counts gathered in memory. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createWebhookRefusals(db: Db, log: Logger, opts: WebhookRefusalOptions = {}): WebhookRefusals {
  const limits: SampleLimits = { perHour: opts.samplesPerHour ?? 100, maxBodyBytes: opts.maxSampleBytes ?? 64 * 1024 };
  const limiter = createSourceLimiter(opts.sourceBurst ?? 30, (opts.sourcePerMinute ?? 30) / 60_000, opts.maxSources ?? 10_000);
  const pending = new Map<string, WebhookCount>();
  const merge = (c: WebhookCount): void => {
    const key = `${c.countedUnder}\u0000${c.outcome}`;
    const sum = pending.get(key);
    if (sum) {
      sum.requests += c.requests;
      sum.bodyBytes += c.bodyBytes;
    } else pending.set(key, { ...c });
  };
  const add = (c: Omit<WebhookCount, 'requests'>): void => merge({ ...c, requests: 1 });
  const flush = async (): Promise<void> => {
    if (pending.size === 0) return;
    const counts = [...pending.values()];
    pending.clear();
    try {
      await addWebhookCounts(db, counts);
    } catch (e) {
      // Kept for the next flush rather than lost.
      for (const c of counts) merge(c);
      log.warn({ err: (e as Error).message }, 'could not write webhook counts; will retry');
    }
  };
  const timer = setInterval(() => void flush(), opts.flushMs ?? 1000);
  timer.unref();

  return {
    async refuse(source, r) {
      if (source !== null && !limiter.take(source)) {
        add({ countedUnder: r.countedUnder, outcome: r.outcome, bodyBytes: r.bodyLength });
        return 'rate_limited';
      }
      try {
        await recordWebhookRefusal(db, r, limits);
      } catch (e) {
        log.error({ err: (e as Error).message, reason: r.reason }, 'could not record a refused webhook');
        add({ countedUnder: r.countedUnder, outcome: r.outcome, bodyBytes: r.bodyLength });
      }
      log.warn({ connection: r.connectionId?.slice(0, 200), outcome: r.outcome, reason: r.reason.slice(0, 300) }, 'webhook refused');
      return 'refused';
    },
    count: add,
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

/** A token bucket per source address, in memory: refusals are cheap to send and must stay cheap to answer. */
function createSourceLimiter(burst: number, perMs: number, maxSources: number): { take(source: string): boolean } {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(source) {
      const now = Date.now();
      let b = buckets.get(source);
      if (b) {
        b.tokens = Math.min(burst, b.tokens + (now - b.at) * perMs);
        b.at = now;
      } else {
        if (buckets.size >= maxSources) buckets.delete(buckets.keys().next().value!);
        b = { tokens: burst, at: now };
        buckets.set(source, b);
      }
      if (b.tokens < 1) return false;
      b.tokens--;
      return true;
    },
  };
}
