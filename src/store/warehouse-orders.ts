// Aggregate: orders waiting to be pushed to their warehouse (layer 2).
import type { Queryable } from './db.js';

export interface OrderToPush {
  id: number;
  connectionId: string;
  externalId: string;
  /** Units per component SKU the warehouse must ship (bundles already expanded). */
  lines: { sku: string; quantity: number }[];
}

export async function ordersToPush(q: Queryable, warehouseConnectionId: string, limit: number): Promise<OrderToPush[]> {
  const { rows } = await q.query<OrderToPush>({
    name: 'wh_orders_to_push',
    text: `SELECT o.id, o.connection_id AS "connectionId", o.external_id AS "externalId",
                  COALESCE((SELECT json_agg(json_build_object('sku', c.sku, 'quantity', c.q) ORDER BY c.sku)
                              FROM (SELECT sku, sum(quantity)::int AS q FROM claims WHERE order_id = o.id AND state = 'open' GROUP BY sku) c),
                           '[]') AS lines
             FROM orders o
            WHERE o.warehouse_connection_id = $1 AND o.warehouse_ack_at IS NULL AND o.status = 'open' AND o.warehouse_error IS NULL
              AND (o.warehouse_retry_at IS NULL OR o.warehouse_retry_at < now())
            ORDER BY o.id LIMIT $2`,
    values: [warehouseConnectionId, limit],
  });
  return rows;
}

export async function markWarehouseError(q: Queryable, orderId: number, reason: string): Promise<void> {
  await q.query(`UPDATE orders SET warehouse_error = $2, updated_at = now() WHERE id = $1`, [orderId, reason]);
}

/** A retryable failure: try this order again later, backing off exponentially (at most a minute). */
export async function deferWarehousePush(q: Queryable, orderId: number, retryAfterMs: number | undefined): Promise<void> {
  await q.query(
    `UPDATE orders SET warehouse_attempts = warehouse_attempts + 1,
            warehouse_retry_at = now() + GREATEST(COALESCE($2, 0), LEAST(60000, 500 * 2 ^ LEAST(warehouse_attempts, 7))) * interval '1 millisecond'
      WHERE id = $1`,
    [orderId, retryAfterMs ?? null],
  );
}

export interface CancelToSend {
  id: number;
  warehouseRef: string | null;
}

export async function cancelsToSend(q: Queryable, warehouseConnectionId: string, limit: number): Promise<CancelToSend[]> {
  const { rows } = await q.query<CancelToSend>(
    `SELECT id, warehouse_ref AS "warehouseRef" FROM orders
      WHERE warehouse_connection_id = $1 AND warehouse_cancel = 'pending'
        AND (warehouse_retry_at IS NULL OR warehouse_retry_at < now())
      ORDER BY id LIMIT $2`,
    [warehouseConnectionId, limit],
  );
  return rows;
}

export async function markWarehouseCancel(q: Queryable, orderId: number, state: 'done' | 'refused'): Promise<void> {
  await q.query(`UPDATE orders SET warehouse_cancel = $2, updated_at = now() WHERE id = $1`, [orderId, state]);
}

/** Which of these orders their warehouse has acknowledged (accepted). */
export async function warehouseAcknowledged(q: Queryable, orderIds: readonly number[]): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>({
    name: 'wh_orders_acknowledged',
    text: `SELECT id FROM orders WHERE id = ANY($1::bigint[]) AND warehouse_ack_at IS NOT NULL`,
    values: [orderIds],
  });
  return rows.map((r) => r.id);
}
