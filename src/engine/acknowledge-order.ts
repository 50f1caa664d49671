// Engine operation: a warehouse accepted its part of an order we pushed (unique reference
// id). From the first snapshot of that warehouse taken at or after this moment, the claims
// it ships settle; a snapshot may already be stored (its webhook overtook our push's
// answer): settle now.
import { invalidInput } from '../errors.js';
import { openClaimSkusOfOrder } from '../store/claims.js';
import { withTx, type Db, type Tx } from '../store/db.js';
import { appendLedger } from '../store/ledger.js';
import { findOrderId } from '../store/orders.js';
import { markWarehouseAck } from '../store/warehouse-orders.js';
import { loadSkuGraph } from '../store/skus.js';
import { addToSkuStock, latestObservations, lockSkuStock } from '../store/stock.js';
import { warehouseConnection } from './connections.js';
import { settleClaims } from './settle-claims.js';
import { affectedSkus, recomputeTargets, skusToLock } from './targets.js';

export type AcknowledgeResult =
  | { outcome: 'acknowledged'; orderId: number; ackAt: Date; settledUnits: number }
  | { outcome: 'already_acknowledged'; orderId: number; ackAt: Date }
  | { outcome: 'unknown_order' };

export async function acknowledgeOrder(
  db: Db,
  p: { connectionId: string; externalId: string; warehouseConnectionId: string; warehouseRef: string; ackAt: Date },
): Promise<AcknowledgeResult> {
  if (!p.warehouseRef) throw invalidInput('warehouseRef', 'is required');
  if (!(p.ackAt instanceof Date) || Number.isNaN(p.ackAt.getTime())) throw invalidInput('ackAt', 'must be a valid date');
  return withTx(db, async (tx) => {
    await warehouseConnection(tx, p.warehouseConnectionId);
    const orderId = await findOrderId(tx, p.connectionId, p.externalId);
    if (orderId === null) return { outcome: 'unknown_order' };
    const claimSkus = await openClaimSkusOfOrder(tx, orderId);
    const graph = await loadSkuGraph(tx, claimSkus);
    // Same lock order as every stock-changing operation, before the claims move.
    const stock = await lockSkuStock(tx, skusToLock(claimSkus, graph.bundles));
    const ack = await markWarehouseAck(tx, { orderId, warehouseConnectionId: p.warehouseConnectionId, warehouseRef: p.warehouseRef, ackAt: p.ackAt });
    if (!ack) return { outcome: 'unknown_order' };
    if (!ack.changed) return { outcome: 'already_acknowledged', orderId, ackAt: ack.ackAt };
    const settledUnits = await settleOnStoredSnapshots(tx, p.warehouseConnectionId, claimSkus, ack.ackAt, stock, graph.bundles);
    return { outcome: 'acknowledged', orderId, ackAt: ack.ackAt, settledUnits };
  });
}

async function settleOnStoredSnapshots(
  tx: Tx,
  warehouseConnectionId: string,
  skus: readonly string[],
  ackAt: Date,
  stock: Awaited<ReturnType<typeof lockSkuStock>>,
  bundles: Awaited<ReturnType<typeof loadSkuGraph>>['bundles'],
): Promise<number> {
  const latest = await latestObservations(tx, warehouseConnectionId, skus);
  let units = 0;
  const changed: string[] = [];
  for (const [sku, observedAt] of latest) {
    if (observedAt.getTime() < ackAt.getTime()) continue;
    const s = await settleClaims(tx, { sku, warehouseConnectionId, observedAt, source: 'acknowledged after the snapshot' });
    if (s.entries.length === 0) continue;
    await appendLedger(tx, s.entries);
    for (const row of await addToSkuStock(tx, [{ sku, available: 0, claimed: s.claimedDelta }])) stock.set(row.sku, row);
    units -= s.claimedDelta;
    changed.push(sku);
  }
  if (changed.length > 0) await recomputeTargets(tx, affectedSkus(changed, bundles), stock, bundles);
  return units;
}
