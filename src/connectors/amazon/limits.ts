// SP-API usage plans per operation: the one table to change when Amazon changes them.
// Each operation has its own token bucket on Amazon's side; we keep one per operation
// on ours and pace below it, so throttling is the exception, not the feedback loop.
import { createRateLimiter, type RateLimiter } from '../rate-limit.js';

export type AmazonOperation =
  | 'patchListingsItem'
  | 'getListingsItem'
  | 'searchListingsItems'
  | 'getOrders'
  | 'getOrderItems'
  | 'createReport'
  | 'getReport'
  | 'getReportDocument'
  | 'getInventorySummaries';

export const AMAZON_USAGE_PLANS: Readonly<Record<AmazonOperation, { rate: number; burst: number }>> = {
  patchListingsItem: { rate: 5, burst: 5 },
  // The operation's reference page says burst 10, the newer rate-limits page burst 5;
  // pacing to the smaller is safe either way (a burst of 10 against a bucket of 5 would
  // earn five 429s).
  getListingsItem: { rate: 5, burst: 5 },
  // Its reference page: rate 5, burst 5; up to 20 SKUs a call, so 20x getListingsItem's reads.
  searchListingsItems: { rate: 5, burst: 5 },
  getOrders: { rate: 0.0167, burst: 20 },
  getOrderItems: { rate: 0.5, burst: 30 },
  // Reports API 2021-06-30 reference pages: a full read costs one createReport and one
  // getReportDocument (a minute's worth of each), and getReport polls at most 2/s.
  createReport: { rate: 0.0167, burst: 15 },
  getReport: { rate: 2, burst: 15 },
  getReportDocument: { rate: 0.0167, burst: 15 },
  // FBA Inventory API v1, the operation's usage plan (official models): rate 2, burst 2.
  getInventorySummaries: { rate: 2, burst: 2 },
};

/**
 * Headroom: pace a little under the plan and keep one token of the burst unspent.
 * Requests leave evenly spaced but arrive jittered (event loop, connection pool,
 * network), so two can land closer together than the rate allows; the spare token
 * absorbs that instead of earning a 429.
 */
const SAFETY = 0.95;
const SPARE_TOKENS = 1;

export interface AmazonLimiters {
  get(op: AmazonOperation): RateLimiter;
  /** Tokens per second we allow ourselves (for the declared capability and tests). */
  rate(op: AmazonOperation): number;
  burst(op: AmazonOperation): number;
}

/** `rateScale` multiplies every rate (not the bursts), as the simulator's option does. */
export function createLimiters(rateScale: number): AmazonLimiters {
  const limiters = new Map<AmazonOperation, RateLimiter>();
  const rate = (op: AmazonOperation) => AMAZON_USAGE_PLANS[op].rate * rateScale * SAFETY;
  const burst = (op: AmazonOperation) => Math.max(1, AMAZON_USAGE_PLANS[op].burst - SPARE_TOKENS);
  return {
    rate,
    burst,
    get(op) {
      let l = limiters.get(op);
      if (!l) {
        const model = { kind: 'token-bucket', ratePerSecond: rate(op), burst: burst(op) } as const;
        // performance.now: sub-millisecond, so spacing is not rounded to Date.now's ms.
        limiters.set(op, (l = createRateLimiter(model, () => performance.now())));
      }
      return l;
    },
  };
}
