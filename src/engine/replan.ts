// Re-plans the SKUs whose targets can change with time alone: partitioned ones (adaptive
// leaves partitioned mode as velocity decays) and those holding a raise back until other
// channels' lowerings land (granted once those are acknowledged, or an asynchronous
// platform has applied them). Everything else is re-planned by the operation that changes it.
import type { Db } from '../store/db.js';
import { skusToReplan } from '../store/listings.js';
import { recomputeSkuTargets } from './recompute-skus.js';

const REPLAN_LIMIT = 2_000;
const REPLAN_CHUNK = 100;

/** One round; returns how many listings changed target or state. */
export async function replanOnce(db: Db): Promise<number> {
  return recomputeSkuTargets(db, await skusToReplan(db, REPLAN_LIMIT), REPLAN_CHUNK);
}
