// Retention run: batches of each prune step until none has more waiting (store/retention.ts).
import type { Queryable } from '../store/db.js';
import { PRUNE_STEPS, pruneBatch, type PruneCounts, type RetentionPolicy } from '../store/retention.js';

export interface PruneOptions {
  /** Rows per statement; small batches keep each transaction short. */
  batch?: number;
  /** The clock retention measures ages against (a benchmark simulates days); the database's by default. */
  now?: Date;
  /** Called after each round with the totals so far. */
  onProgress?: (totals: PruneCounts) => void;
}

export async function pruneExpired(q: Queryable, policy: RetentionPolicy, opts: PruneOptions = {}): Promise<PruneCounts> {
  const batch = opts.batch ?? 5_000;
  const totals = Object.fromEntries(PRUNE_STEPS.map((s) => [s, 0])) as PruneCounts;
  for (;;) {
    const round = await pruneBatch(q, policy, batch, opts.now);
    for (const s of PRUNE_STEPS) totals[s] += round[s];
    opts.onProgress?.(totals);
    if (!PRUNE_STEPS.some((s) => round[s] >= batch)) return totals;
  }
}
