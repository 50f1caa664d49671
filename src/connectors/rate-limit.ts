// Client-side pacing so we stay inside a platform's documented limit instead of learning
// it from 429s. One limiter per connection (per operation for Amazon).
import type { RateLimitModel } from './types.js';

/**
 * `background` work (an incremental poll, a full reconciliation) yields to the rest (pushes
 * and their reads): on Shopify an orders page asks for ~400 points at once, and waiting
 * for them in line stopped every push behind it for seconds (bench/results/propagation.md).
 * Honoured by the bucket limiters; a sliding window serves everyone in arrival order.
 */
export type Lane = 'normal' | 'background';

/** A background request that has waited this long goes first: polls must not starve. */
export const BACKGROUND_MAX_WAIT_MS = 30_000;

export interface RateLimiter {
  /** Waits until `cost` units may be spent, then spends them. */
  acquire(cost?: number, lane?: Lane): Promise<void>;
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

interface Waiter {
  need: number;
  lane: Lane;
  since: number;
  grant: () => void;
}

function bucket(capacity: number, perSecond: number, now: () => number): RateLimiter {
  let level = capacity;
  let at = now();
  let pausedUntil = 0;
  // In arrival order. The first normal waiter is served first (never overtaken by smaller
  // ones, so a big request is not starved); background waiters when no normal one waits,
  // or once overdue.
  const waiting: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;
  const refill = () => {
    const t = now();
    level = Math.min(capacity, level + ((t - at) / 1000) * perSecond);
    at = t;
  };
  const next = (t: number): Waiter | undefined =>
    waiting.find((w) => w.lane === 'background' && t - w.since >= BACKGROUND_MAX_WAIT_MS) ?? waiting.find((w) => w.lane === 'normal') ?? waiting[0];
  const wakeIn = (ms: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(pump, Math.max(1, Math.ceil(ms)));
  };
  function pump(): void {
    timer = undefined;
    for (let w = next(now()); w; w = next(now())) {
      const t = now();
      if (t < pausedUntil) return wakeIn(pausedUntil - t);
      refill();
      if (level < w.need) {
        // Also wake when the first background waiter falls due, which may go first then.
        const bg = waiting.find((x) => x.lane === 'background');
        const due = bg && w.lane === 'normal' ? bg.since + BACKGROUND_MAX_WAIT_MS - t : Infinity;
        return wakeIn(Math.min(((w.need - level) / perSecond) * 1000, due));
      }
      level -= w.need;
      waiting.splice(waiting.indexOf(w), 1);
      w.grant();
    }
  }
  return {
    acquire(cost = 1, lane = 'normal') {
      return new Promise<void>((grant) => {
        waiting.push({ need: Math.min(cost, capacity), lane, since: now(), grant });
        pump();
      });
    },
    observe(available) {
      refill();
      level = Math.min(capacity, available);
      if (waiting.length > 0) pump(); // a refund (Shopify charges what a query used) may let one go
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
