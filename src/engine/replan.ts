// Re-plans the SKUs whose targets can change with time alone: partitioned ones (adaptive
// leaves partitioned mode as velocity decays) and those holding a raise back until other
// channels' lowerings land (granted once those are acknowledged, or an asynchronous
// platform has applied them). Everything else is re-planned by the operation that changes it.
import { withTx, type Db } from '../store/db.js';
import { skusToReplan } from '../store/listings.js';
import { loadSkuGraph } from '../store/skus.js';
import { lockSkuStock } from '../store/stock.js';
import { recomputeTargets, skusToLock } from './targets.js';

const REPLAN_LIMIT = 2_000;
const REPLAN_CHUNK = 100;

/** One round; returns how many listings changed target or state. */
export async function replanOnce(db: Db): Promise<number> {
  const skus = await skusToReplan(db, REPLAN_LIMIT);
  let changed = 0;
  for (let i = 0; i < skus.length; i += REPLAN_CHUNK) {
    const chunk = skus.slice(i, i + REPLAN_CHUNK);
    changed += await withTx(db, async (tx) => {
      const graph = await loadSkuGraph(tx, chunk);
      const stock = await lockSkuStock(
        tx,
        skusToLock(
          chunk.filter((s) => !graph.bundles.has(s)),
          graph.bundles,
        ),
      );
      return recomputeTargets(tx, new Set(chunk), stock, graph.bundles);
    });
  }
  return changed;
}
