// Client-side pacing so we stay inside a platform's documented limit instead of learning
// it from 429s. One limiter per connection (per operation for Amazon).
import type { RateLimitModel } from './types.js';

export interface RateLimiter {
  /** Waits until `cost` units may be spent, then spends them. */
  acquire(cost?: number): Promise<void>;
  /** The platform told us where its bucket stands (Shopify throttleStatus). */
  observe?(available: number): void;
  /** The platform throttled us anyway: stop spending for this long. */
  pause(ms: number): void;
}

export function createRateLimiter(model: RateLimitModel, now: () => number = Date.now): RateLimiter {
  switch (model.kind) {
    case 'none':
      return { acquire: async () => {}, pause: () => {} };
    case 'cost-bucket':
      return bucket(model.bucketSize, model.restorePerSecond, now);
    case 'token-bucket':
      return bucket(model.burst, model.ratePerSecond, now);
    case 'sliding-window':
      return slidingWindow(model.requests, model.windowMs, now);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function bucket(capacity: number, perSecond: number, now: () => number): RateLimiter {
  let level = capacity;
  let at = now();
  let pausedUntil = 0;
  let queue = Promise.resolve();
  const refill = () => {
    const t = now();
    level = Math.min(capacity, level + ((t - at) / 1000) * perSecond);
    at = t;
  };
  return {
    acquire(cost = 1) {
      const need = Math.min(cost, capacity);
      // Serialise waiters so a big request is not starved by small ones.
      const turn = queue.then(async () => {
        for (;;) {
          const t = now();
          if (t < pausedUntil) {
            await sleep(pausedUntil - t);
            continue;
          }
          refill();
          if (level >= need) {
            level -= need;
            return;
          }
          await sleep(Math.ceil(((need - level) / perSecond) * 1000));
        }
      });
      queue = turn.catch(() => {});
      return turn;
    },
    observe(available) {
      refill();
      level = Math.min(capacity, available);
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
    },
  };
}

function slidingWindow(requests: number, windowMs: number, now: () => number): RateLimiter {
  const sent: number[] = [];
  let pausedUntil = 0;
  let queue = Promise.resolve();
  return {
    acquire() {
      const turn = queue.then(async () => {
        for (;;) {
          const t = now();
          if (t < pausedUntil) {
            await sleep(pausedUntil - t);
            continue;
          }
          while (sent.length > 0 && sent[0]! <= t - windowMs) sent.shift();
          if (sent.length < requests) {
            sent.push(t);
            return;
          }
          await sleep(sent[0]! + windowMs - t + 1);
        }
      });
      queue = turn.catch(() => {});
      return turn;
    },
    pause(ms) {
      pausedUntil = Math.max(pausedUntil, now() + ms);
    },
  };
}
