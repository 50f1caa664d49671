// Engine operation: the warehouse accepted an order we pushed (unique reference id).
// From the next warehouse snapshot taken after this moment, its claims settle.
import { invalidInput } from '../errors.js';
import { withTx, type Db } from '../store/db.js';
import { findOrderId, markWarehouseAck } from '../store/orders.js';
import { warehouseConnection } from './connections.js';

export type AcknowledgeResult =
  | { outcome: 'acknowledged'; orderId: number; ackAt: Date }
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
    const ack = await markWarehouseAck(tx, { orderId, warehouseConnectionId: p.warehouseConnectionId, warehouseRef: p.warehouseRef, ackAt: p.ackAt });
    if (!ack) return { outcome: 'unknown_order' };
    return { outcome: ack.changed ? 'acknowledged' : 'already_acknowledged', orderId, ackAt: ack.ackAt };
  });
}
