// Engine operation: a buffer policy changed at run time (admin API). The change and the
// catalogue version bump commit together (every process's cached policies become stale at
// once, store/catalog-version.ts), then the targets of the SKUs it affects are recomputed
// through the same path a catalogue sync takes; changed listings turn dirty and their
// dispatchers are woken by the database trigger, so the channels see it within seconds.
import type { BufferPolicy } from '../domain/types.js';
import { StocksyncError } from '../errors.js';
import { bumpCatalogVersion } from '../store/catalog-version.js';
import { withTx, type Db } from '../store/db.js';
import { removeRuntimeOverride, setRuntimeOverride, setRuntimePolicy, skusListedOn } from '../store/runtime-buffers.js';
import { forgetCatalog } from './catalog-cache.js';
import { channelConnection } from './connections.js';
import { recomputeSkuTargets } from './recompute-skus.js';

const RECOMPUTE_CHUNK = 1000;

/** Sets a channel's runtime policy (null: back to the YAML's); returns how many listings changed. */
export async function changeChannelPolicy(db: Db, connectionId: string, policy: BufferPolicy | null): Promise<{ listingsChanged: number }> {
  await withTx(db, async (tx) => {
    await channelConnection(tx, connectionId);
    await setRuntimePolicy(tx, connectionId, policy);
    await bumpCatalogVersion(tx);
  });
  return recompute(db, await skusListedOn(db, connectionId));
}

/**
 * Sets a SKU's runtime override on a channel (null: removes it, the YAML's applies again).
 * NOT_FOUND when the channel does not list the SKU, or there is no override to remove.
 */
export async function changeSkuOverride(db: Db, connectionId: string, sku: string, policy: BufferPolicy | null): Promise<{ listingsChanged: number }> {
  await withTx(db, async (tx) => {
    await channelConnection(tx, connectionId);
    if (policy === null) {
      if (!(await removeRuntimeOverride(tx, connectionId, sku))) {
        throw new StocksyncError('NOT_FOUND', `no runtime override of ${sku} on ${connectionId}`, { connectionId, sku });
      }
    } else {
      if (!(await skusListedOn(tx, connectionId)).includes(sku)) {
        throw new StocksyncError('NOT_FOUND', `${connectionId} does not list ${sku}`, { connectionId, sku });
      }
      await setRuntimeOverride(tx, connectionId, sku, policy);
    }
    await bumpCatalogVersion(tx);
  });
  return recompute(db, [sku]);
}

async function recompute(db: Db, skus: readonly string[]): Promise<{ listingsChanged: number }> {
  forgetCatalog(db);
  return { listingsChanged: await recomputeSkuTargets(db, skus, RECOMPUTE_CHUNK) };
}
