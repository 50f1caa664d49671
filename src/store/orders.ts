// Aggregate: channel orders and their lines.
import type { Queryable } from './db.js';

/** Inserts the order unless (connection, external id) exists; null means it already did. */
export async function insertOrder(
  tx: Queryable,
  o: { connectionId: string; externalId: string; placedAt: Date; warehouseConnectionId: string | null; raw: unknown },
): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO orders (connection_id, external_id, placed_at, warehouse_connection_id, raw)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (connection_id, external_id) DO NOTHING
     RETURNING id`,
    [o.connectionId, o.externalId, o.placedAt, o.warehouseConnectionId, o.raw === undefined ? null : JSON.stringify(o.raw)],
  );
  return rows[0]?.id ?? null;
}

export async function findOrderId(tx: Queryable, connectionId: string, externalId: string): Promise<number | null> {
  const { rows } = await tx.query<{ id: number }>(
    `SELECT id FROM orders WHERE connection_id = $1 AND external_id = $2`,
    [connectionId, externalId],
  );
  return rows[0]?.id ?? null;
}

export async function insertOrderLines(
  tx: Queryable,
  orderId: number,
  lines: readonly { sku: string; quantity: number; known: boolean }[],
): Promise<void> {
  await tx.query(
    `INSERT INTO order_lines (order_id, line_no, sku, quantity, known)
     SELECT $1, u.ord - 1, u.sku, u.quantity, u.known
       FROM unnest($2::text[], $3::int[], $4::bool[]) WITH ORDINALITY AS u(sku, quantity, known, ord)`,
    [orderId, lines.map((l) => l.sku), lines.map((l) => l.quantity), lines.map((l) => l.known)],
  );
  if (lines.some((l) => !l.known)) {
    await tx.query(`UPDATE orders SET has_unknown_sku = true WHERE id = $1`, [orderId]);
  }
}

/** Marks an open order cancelled; false when it was not open (already cancelled). */
export async function markOrderCancelled(tx: Queryable, orderId: number): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = $1 AND status = 'open'`,
    [orderId],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Records that the warehouse accepted the order (unique reference id). The first
 * acknowledgement wins: a repeat keeps the original time, so claims settle against it.
 */
export async function markWarehouseAck(
  tx: Queryable,
  p: { orderId: number; warehouseConnectionId: string; warehouseRef: string; ackAt: Date },
): Promise<{ ackAt: Date; changed: boolean } | null> {
  const { rows } = await tx.query<{ ackAt: Date; changed: boolean }>(
    `UPDATE orders o
        SET warehouse_connection_id = $2, warehouse_ref = COALESCE(o.warehouse_ref, $3),
            warehouse_ack_at = COALESCE(o.warehouse_ack_at, $4), updated_at = now()
       FROM (SELECT id, warehouse_ack_at FROM orders WHERE id = $1 FOR UPDATE) prev
      WHERE o.id = prev.id
  RETURNING o.warehouse_ack_at AS "ackAt", prev.warehouse_ack_at IS NULL AS changed`,
    [p.orderId, p.warehouseConnectionId, p.warehouseRef, p.ackAt],
  );
  return rows[0] ?? null;
}
