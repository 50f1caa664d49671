// Engine operation: a channel cancelled an order; its open claims stop counting.
import { invalidInput } from '../errors.js';
import { openClaimSkusOfOrder, releaseClaimsOfOrder } from '../store/claims.js';
import { withTx, type Db } from '../store/db.js';
import { appendLedger } from '../store/ledger.js';
import { findOrderId, markOrderCancelled } from '../store/orders.js';
import { loadSkuGraph } from '../store/skus.js';
import { addToSkuStock, lockSkuStock } from '../store/stock.js';
import { affectedSkus, recomputeTargets, skusToLock } from './targets.js';

export type CancelOrderResult =
  | { outcome: 'cancelled'; orderId: number; releasedUnits: number; dirtied: number }
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
    if (!(await markOrderCancelled(tx, orderId))) return { outcome: 'already_cancelled', orderId };
    const released = await releaseClaimsOfOrder(tx, orderId);
    await appendLedger(
      tx,
      released.map((c) => ({
        key: `release:${c.id}`,
        sku: c.sku,
        kind: 'release' as const,
        availableDelta: 0,
        claimedDelta: -c.quantity,
        orderId,
        source: `cancel:${p.connectionId}:${p.externalId}`,
      })),
    );
    const after = await addToSkuStock(tx, released.map((c) => ({ sku: c.sku, available: 0, claimed: -c.quantity })));
    for (const row of after) stock.set(row.sku, row);
    const dirtied = await recomputeTargets(tx, affectedSkus(claimSkus, graph.bundles), stock, graph.bundles);
    return { outcome: 'cancelled', orderId, releasedUnits: released.reduce((n, c) => n + c.quantity, 0), dirtied };
  });
}
