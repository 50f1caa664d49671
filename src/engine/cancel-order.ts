// Engine operation: a channel cancelled an order. Its open claims stop counting at once
// where no warehouse has the order (a part never acknowledged will not be sent now); each
// warehouse that has its part is told, and that part's claims end when it confirms
// (engine/workers/warehouse-pusher.ts).
import { invalidInput } from '../errors.js';
import { openClaimSkusOfOrder, releaseClaimsOfOrder } from '../store/claims.js';
import { withTx, type Db, type Tx } from '../store/db.js';
import { appendLedger } from '../store/ledger.js';
import { findOrderId } from '../store/orders.js';
import { markOrderCancelled } from '../store/warehouse-orders.js';
import { loadSkuGraph, type SkuGraph } from '../store/skus.js';
import { addToSkuStock, lockSkuStock, type SkuStockRow } from '../store/stock.js';
import { affectedSkus, recomputeTargets, skusToLock } from './targets.js';

export type CancelOrderResult =
  | { outcome: 'cancelled'; orderId: number; releasedUnits: number; dirtied: number; warehouseCancel: boolean }
  | { outcome: 'already_cancelled'; orderId: number }
  | { outcome: 'unknown_order' };

export async function cancelOrder(db: Db, p: { connectionId: string; externalId: string }): Promise<CancelOrderResult> {
  if (!p.connectionId) throw invalidInput('connectionId', 'is required');
  if (!p.externalId) throw invalidInput('externalId', 'is required');
  return withTx(db, async (tx) => {
    const orderId = await findOrderId(tx, p.connectionId, p.externalId);
    if (orderId === null) return { outcome: 'unknown_order' };
    // Lock the stock rows before touching claims, in the same order every operation uses.
    const claimSkus = await openClaimSkusOfOrder(tx, orderId);
    const graph = await loadSkuGraph(tx, claimSkus);
    const stock = await lockSkuStock(tx, skusToLock(claimSkus, graph.bundles));
    const cancelled = await markOrderCancelled(tx, orderId);
    if (!cancelled) return { outcome: 'already_cancelled', orderId };
    // A warehouse holding its part keeps those units claimed until it confirms the
    // cancellation (it may have shipped them); the order pusher sends it.
    const { released, dirtied } = await releaseOpenClaims(tx, orderId, `cancel:${p.connectionId}:${p.externalId}`, null, claimSkus, stock, graph.bundles);
    return { outcome: 'cancelled', orderId, releasedUnits: released, dirtied, warehouseCancel: cancelled.warehousesWithIt.length > 0 };
  });
}

/**
 * Ends an order's open claims that no warehouse holds, and those of `cancelledAt`, which
 * confirmed its cancellation (store/claims.ts releaseClaimsOfOrder; stock rows already
 * locked by the caller).
 */
export async function releaseOpenClaims(
  tx: Tx,
  orderId: number,
  source: string,
  cancelledAt: string | null,
  claimSkus: readonly string[],
  stock: Map<string, SkuStockRow>,
  bundles: SkuGraph['bundles'],
): Promise<{ released: number; dirtied: number }> {
  const released = await releaseClaimsOfOrder(tx, orderId, cancelledAt);
  if (released.length === 0) return { released: 0, dirtied: 0 }; // every part is held by its warehouse
  await appendLedger(
    tx,
    released.map((c) => ({
      key: `release:${c.id}`,
      sku: c.sku,
      kind: 'release' as const,
      availableDelta: 0,
      claimedDelta: -c.quantity,
      locationId: c.locationId,
      orderId,
      source,
    })),
  );
  const after = await addToSkuStock(
    tx,
    released.map((c) => ({ sku: c.sku, available: 0, claimed: -c.quantity })),
  );
  for (const row of after) stock.set(row.sku, row);
  const dirtied = await recomputeTargets(tx, affectedSkus(claimSkus, bundles), stock, bundles);
  return { released: released.reduce((n, c) => n + c.quantity, 0), dirtied };
}
