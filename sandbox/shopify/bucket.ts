/**
 * Shopify's leaky bucket of query-cost points, per app and shop: it refills
 * continuously at restoreRate points/s up to maximumAvailable. A query runs only if
 * its requested cost is available; afterwards the unused part is refunded.
 */
export interface CostBucket {
  available(): number;
  /** Takes cost points if there are enough; false = throttled. */
  tryTake(cost: number): boolean;
  refund(points: number): void;
  readonly maximumAvailable: number;
  readonly restoreRate: number;
}

export function createCostBucket(restoreRate: number, maximumAvailable: number, nowMs: () => number = () => performance.now()): CostBucket {
  let level = maximumAvailable;
  let at = nowMs();
  const refill = () => {
    const now = nowMs();
    level = Math.min(maximumAvailable, level + ((now - at) / 1000) * restoreRate);
    at = now;
  };
  return {
    maximumAvailable,
    restoreRate,
    available() {
      refill();
      return level;
    },
    tryTake(cost) {
      refill();
      if (level < cost) return false;
      level -= cost;
      return true;
    },
    refund(points) {
      level = Math.min(maximumAvailable, level + points);
    },
  };
}
