// Recomputes the targets of a list of SKUs (bundles included) from their current stock, in
// chunks, each its own transaction so the stock rows stay locked only briefly. Used where
// targets change without a stock operation: a catalogue sync (policies), a re-plan (time).
import { withTx, type Db } from '../store/db.js';
import { loadSkuGraph } from '../store/skus.js';
import { lockSkuStock } from '../store/stock.js';
import { recomputeTargets, skusToLock } from './targets.js';

/** Returns how many listings changed target or planner state. */
export async function recomputeSkuTargets(db: Db, skus: readonly string[], chunkSize: number): Promise<number> {
  let changed = 0;
  for (let i = 0; i < skus.length; i += chunkSize) {
    const chunk = skus.slice(i, i + chunkSize);
    changed += await withTx(db, async (tx) => {
      const graph = await loadSkuGraph(tx, chunk);
      const plain = chunk.filter((s) => !graph.bundles.has(s));
      const stock = await lockSkuStock(tx, skusToLock(plain, graph.bundles));
      return recomputeTargets(tx, new Set(chunk), stock, graph.bundles);
    });
  }
  return changed;
}
