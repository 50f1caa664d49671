// Aggregate: channel orders and their lines.
import type { Queryable } from './db.js';

export interface NewOrder {
  connectionId: string;
  externalId: string;
  placedAt: Date;
  warehouseConnectionId: string | null;
  hasUnknownSku: boolean;
  /**
   * The platform ships it from its own stock (Amazon FBA): recorded with its lines, no
   * claims, no warehouse, and the channel's own count is not lowered by it.
   */
  external: boolean;
  raw: unknown;
  /** The channel location the order was taken from (a Shopify location id), when known: only that listing's count comes down. */
  outlet?: string;
  lines: readonly { sku: string; quantity: number; known: boolean }[];
  /** Units this order claims, per line and component SKU (a bundle line claims its components). */
  claims: readonly { lineNo: number; sku: string; quantity: number; /** null: unlocated */ locationId?: number | null }[];
}

/** Orders are inserted with their effects by store/order-batch.ts recordOrderBatch. */
export const orderKey = (connectionId: string, externalId: string): string => `${connectionId}\u0000${externalId}`;

export async function findOrderIds(tx: Queryable, keys: readonly { connectionId: string; externalId: string }[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const { rows } = await tx.query<{ id: number; connectionId: string; externalId: string }>({
    name: 'orders_find_ids',
    text: `SELECT o.id, o.connection_id AS "connectionId", o.external_id AS "externalId"
       FROM orders o JOIN unnest($1::text[], $2::text[]) AS k(c, e) ON o.connection_id = k.c AND o.external_id = k.e`,
    values: [keys.map((k) => k.connectionId), keys.map((k) => k.externalId)],
  });
  return new Map(rows.map((r) => [orderKey(r.connectionId, r.externalId), r.id]));
}

/** Which of these external ids the connection has recorded (a poll skips their line items). */
export async function recordedOrderIds(q: Queryable, connectionId: string, externalIds: readonly string[]): Promise<Set<string>> {
  const found = await findOrderIds(
    q,
    externalIds.map((externalId) => ({ connectionId, externalId })),
  );
  return new Set(externalIds.filter((e) => found.has(orderKey(connectionId, e))));
}

export async function findOrderId(tx: Queryable, connectionId: string, externalId: string): Promise<number | null> {
  return (await findOrderIds(tx, [{ connectionId, externalId }])).get(orderKey(connectionId, externalId)) ?? null;
}

/**
 * Marks an open order cancelled; null when it was not open (already cancelled). An order
 * the warehouse already acknowledged gets its cancellation queued for the warehouse.
 */
export async function markOrderCancelled(tx: Queryable, orderId: number): Promise<{ warehouseHasIt: boolean } | null> {
  const { rows } = await tx.query<{ warehouseHasIt: boolean }>({
    name: 'orders_mark_cancelled',
    text: `UPDATE orders SET status = 'cancelled', updated_at = now(),
                  warehouse_cancel = CASE WHEN warehouse_ack_at IS NOT NULL THEN 'pending' END
            WHERE id = $1 AND status = 'open'
        RETURNING warehouse_ack_at IS NOT NULL AS "warehouseHasIt"`,
    values: [orderId],
  });
  return rows[0] ?? null;
}

/**
 * Records that the warehouse accepted the order (unique reference id). The first
 * acknowledgement wins: a repeat keeps the original time, so claims settle against it.
 */
export async function markWarehouseAck(
  tx: Queryable,
  p: { orderId: number; warehouseConnectionId: string; warehouseRef: string; ackAt: Date },
): Promise<{ ackAt: Date; changed: boolean } | null> {
  // A cancellation that arrived while the push was in flight goes to the warehouse now.
  const { rows } = await tx.query<{ ackAt: Date; changed: boolean }>({
    name: 'orders_mark_ack',
    text: `UPDATE orders o
        SET warehouse_connection_id = $2, warehouse_ref = COALESCE(o.warehouse_ref, $3),
            warehouse_ack_at = COALESCE(o.warehouse_ack_at, $4), updated_at = now(),
            warehouse_cancel = CASE WHEN o.status = 'cancelled' AND o.warehouse_cancel IS NULL THEN 'pending' ELSE o.warehouse_cancel END
       FROM (SELECT id, warehouse_ack_at FROM orders WHERE id = $1 FOR UPDATE) prev
      WHERE o.id = prev.id
  RETURNING o.warehouse_ack_at AS "ackAt", prev.warehouse_ack_at IS NULL AS changed`,
    values: [p.orderId, p.warehouseConnectionId, p.warehouseRef, p.ackAt],
  });
  return rows[0] ?? null;
}

/** Orders with an id above `afterId`, in id order: who placed them where. */
export async function ordersAfter(q: Queryable, afterId: number): Promise<{ id: number; connectionId: string; externalId: string }[]> {
  const { rows } = await q.query<{ id: number; connectionId: string; externalId: string }>({
    name: 'orders_after',
    text: `SELECT id, connection_id AS "connectionId", external_id AS "externalId" FROM orders WHERE id > $1 ORDER BY id`,
    values: [afterId],
  });
  return rows;
}

export interface OrderState {
  id: number;
  status: string;
  warehouseRef: string | null;
  warehouseAckAt: Date | null;
  createdAt: Date;
}

/** The connection's order recorded under any of these external ids, or null. */
export async function findOrderState(q: Queryable, connectionId: string, externalIds: readonly string[]): Promise<OrderState | null> {
  const { rows } = await q.query<OrderState>({
    name: 'orders_find_state',
    text: `SELECT id, status, warehouse_ref AS "warehouseRef", warehouse_ack_at AS "warehouseAckAt", created_at AS "createdAt"
             FROM orders WHERE connection_id = $1 AND external_id = ANY($2::text[]) ORDER BY id LIMIT 1`,
    values: [connectionId, externalIds],
  });
  return rows[0] ?? null;
}

export async function orderTotals(q: Queryable): Promise<{ orders: number; cancelled: number }> {
  const { rows } = await q.query<{ orders: number; cancelled: number }>({
    name: 'orders_totals',
    text: `SELECT count(*)::int AS orders, count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled FROM orders`,
    values: [],
  });
  return rows[0]!;
}
