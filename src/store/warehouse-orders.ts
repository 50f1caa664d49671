// Aggregate: the parts of orders waiting to be pushed to their warehouses (layer 2). An
// order goes to each warehouse its claims were routed to, as its own warehouse order: the
// order's own warehouse (columns of `orders`) and every other one (`order_warehouse_parts`),
// read together through the view `warehouse_order_parts` (migration 026).
import type { Queryable } from './db.js';

/** One warehouse's part of an order. */
export interface OrderPart {
  orderId: number;
  warehouseConnectionId: string;
}

export interface OrderToPush extends OrderPart {
  connectionId: string;
  externalId: string;
  /** The order's own warehouse (most of its units; its unlocated claims ship from there). */
  main: boolean;
  /** Units per component SKU this warehouse must ship (bundles already expanded). */
  lines: { sku: string; quantity: number }[];
}

/**
 * The warehouse a claim ships from: its location's, or, unlocated, the order's own
 * (SQL over `c` claims and `o` orders). Every query below matches claims to parts by it.
 */
export const CLAIM_WAREHOUSE = `COALESCE((SELECT lw.connection_id FROM locations lw WHERE lw.id = c.location_id), o.warehouse_connection_id)`;

/** The warehouse's unacknowledged parts of open orders, with the lines routed to its locations. */
export async function ordersToPush(q: Queryable, warehouseConnectionId: string, limit: number): Promise<OrderToPush[]> {
  const { rows } = await q.query<OrderToPush>({
    name: 'wh_orders_to_push',
    text: `SELECT o.id AS "orderId", p.warehouse_connection_id AS "warehouseConnectionId", p.main,
                  o.connection_id AS "connectionId", o.external_id AS "externalId",
                  COALESCE((SELECT json_agg(json_build_object('sku', x.sku, 'quantity', x.q) ORDER BY x.sku)
                              FROM (SELECT c.sku, sum(c.quantity)::int AS q FROM claims c
                                     WHERE c.order_id = o.id AND c.state = 'open' AND ${CLAIM_WAREHOUSE} = $1 GROUP BY c.sku) x),
                           '[]') AS lines
             FROM warehouse_order_parts p JOIN orders o ON o.id = p.order_id
            WHERE p.warehouse_connection_id = $1 AND p.ack_at IS NULL AND p.status = 'open' AND p.error IS NULL
              AND (p.retry_at IS NULL OR p.retry_at < now())
            ORDER BY o.id LIMIT $2`,
    values: [warehouseConnectionId, limit],
  });
  return rows;
}

export async function markWarehouseError(q: Queryable, part: OrderPart, reason: string): Promise<void> {
  await q.query({
    name: 'wh_part_error',
    text: `WITH own AS (UPDATE orders SET warehouse_error = $3, updated_at = now() WHERE id = $1 AND warehouse_connection_id = $2)
           UPDATE order_warehouse_parts SET error = $3 WHERE order_id = $1 AND warehouse_connection_id = $2`,
    values: [part.orderId, part.warehouseConnectionId, reason],
  });
}

/** A retryable failure: try this part again later, backing off exponentially (at most a minute). */
export async function deferWarehousePush(q: Queryable, part: OrderPart, retryAfterMs: number | undefined): Promise<void> {
  const delay = (attempts: string) => `now() + GREATEST(COALESCE($3, 0), LEAST(60000, 500 * 2 ^ LEAST(${attempts}, 7))) * interval '1 millisecond'`;
  await q.query({
    name: 'wh_part_defer',
    text: `WITH own AS (UPDATE orders SET warehouse_attempts = warehouse_attempts + 1, warehouse_retry_at = ${delay('warehouse_attempts')}
                         WHERE id = $1 AND warehouse_connection_id = $2)
           UPDATE order_warehouse_parts SET attempts = attempts + 1, retry_at = ${delay('attempts')}
            WHERE order_id = $1 AND warehouse_connection_id = $2`,
    values: [part.orderId, part.warehouseConnectionId, retryAfterMs ?? null],
  });
}

/**
 * Records that the warehouse accepted its part (its unique reference id). The first
 * acknowledgement wins: a repeat keeps the original time, so claims settle against it. A
 * cancellation that arrived while the push was in flight goes to the warehouse now. An
 * order without a warehouse takes this one as its own. Null: the order has no part there.
 */
export async function markWarehouseAck(tx: Queryable, p: OrderPart & { warehouseRef: string; ackAt: Date }): Promise<{ ackAt: Date; changed: boolean } | null> {
  const { rows } = await tx.query<{ ackAt: Date; changed: boolean }>({
    name: 'wh_part_ack',
    text: `WITH prev_own AS (
             SELECT id, warehouse_ack_at FROM orders WHERE id = $1 AND (warehouse_connection_id = $2 OR warehouse_connection_id IS NULL) FOR UPDATE),
           own AS (
             UPDATE orders o
                SET warehouse_connection_id = $2, warehouse_ref = COALESCE(o.warehouse_ref, $3),
                    warehouse_ack_at = COALESCE(o.warehouse_ack_at, $4), updated_at = now(),
                    warehouse_cancel = CASE WHEN o.status = 'cancelled' AND o.warehouse_cancel IS NULL THEN 'pending' ELSE o.warehouse_cancel END
               FROM prev_own prev WHERE o.id = prev.id
          RETURNING o.warehouse_ack_at AS "ackAt", prev.warehouse_ack_at IS NULL AS changed),
           prev_other AS (
             SELECT order_id, ack_at FROM order_warehouse_parts WHERE order_id = $1 AND warehouse_connection_id = $2 FOR UPDATE),
           other AS (
             UPDATE order_warehouse_parts w
                SET warehouse_ref = COALESCE(w.warehouse_ref, $3), ack_at = COALESCE(w.ack_at, $4),
                    cancel = CASE WHEN (SELECT status FROM orders WHERE id = $1) = 'cancelled' AND w.cancel IS NULL THEN 'pending' ELSE w.cancel END
               FROM prev_other prev WHERE w.order_id = prev.order_id AND w.warehouse_connection_id = $2
          RETURNING w.ack_at AS "ackAt", prev.ack_at IS NULL AS changed)
           SELECT * FROM own UNION ALL SELECT * FROM other`,
    values: [p.orderId, p.warehouseConnectionId, p.warehouseRef, p.ackAt],
  });
  return rows[0] ?? null;
}

/**
 * Marks an open order cancelled; null when it was not open (already cancelled). Each part
 * its warehouse already acknowledged gets its cancellation queued for that warehouse; the
 * others are never sent. Returns the warehouses that hold a part.
 */
export async function markOrderCancelled(tx: Queryable, orderId: number): Promise<{ warehousesWithIt: string[] } | null> {
  const { rows } = await tx.query<{ warehousesWithIt: string[] }>({
    name: 'orders_mark_cancelled',
    text: `WITH own AS (
             UPDATE orders SET status = 'cancelled', updated_at = now(),
                    warehouse_cancel = CASE WHEN warehouse_ack_at IS NOT NULL THEN 'pending' END
              WHERE id = $1 AND status = 'open'
          RETURNING CASE WHEN warehouse_ack_at IS NOT NULL THEN warehouse_connection_id END AS w),
           other AS (
             UPDATE order_warehouse_parts SET cancel = 'pending'
              WHERE order_id = $1 AND ack_at IS NOT NULL AND cancel IS NULL AND EXISTS (SELECT 1 FROM own)
          RETURNING warehouse_connection_id AS w)
           SELECT ARRAY(SELECT w FROM own WHERE w IS NOT NULL UNION ALL SELECT w FROM other) AS "warehousesWithIt" FROM own`,
    values: [orderId],
  });
  return rows[0] ?? null;
}

export interface CancelToSend extends OrderPart {
  main: boolean;
  warehouseRef: string | null;
}

export async function cancelsToSend(q: Queryable, warehouseConnectionId: string, limit: number): Promise<CancelToSend[]> {
  const { rows } = await q.query<CancelToSend>({
    name: 'wh_cancels_to_send',
    text: `SELECT order_id AS "orderId", warehouse_connection_id AS "warehouseConnectionId", main, warehouse_ref AS "warehouseRef"
             FROM warehouse_order_parts
            WHERE warehouse_connection_id = $1 AND cancel = 'pending' AND (retry_at IS NULL OR retry_at < now())
            ORDER BY order_id LIMIT $2`,
    values: [warehouseConnectionId, limit],
  });
  return rows;
}

export async function markWarehouseCancel(q: Queryable, part: OrderPart, state: 'done' | 'refused'): Promise<void> {
  await q.query({
    name: 'wh_part_cancel',
    text: `WITH own AS (UPDATE orders SET warehouse_cancel = $3, updated_at = now() WHERE id = $1 AND warehouse_connection_id = $2)
           UPDATE order_warehouse_parts SET cancel = $3 WHERE order_id = $1 AND warehouse_connection_id = $2`,
    values: [part.orderId, part.warehouseConnectionId, state],
  });
}

/** Which of these orders every warehouse they go to has acknowledged. */
export async function warehouseAcknowledged(q: Queryable, orderIds: readonly number[]): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>({
    name: 'wh_orders_acknowledged',
    text: `SELECT order_id AS id FROM warehouse_order_parts WHERE order_id = ANY($1::bigint[])
            GROUP BY order_id HAVING bool_and(ack_at IS NOT NULL)`,
    values: [orderIds],
  });
  return rows.map((r) => r.id);
}

/** Each part of an order: where it goes, under which reference, and how far it got. */
export interface OrderPartState extends OrderPart {
  main: boolean;
  warehouseRef: string | null;
  ackAt: Date | null;
  error: string | null;
  cancel: 'pending' | 'done' | 'refused' | null;
}

export async function partsOfOrder(q: Queryable, orderId: number): Promise<OrderPartState[]> {
  const { rows } = await q.query<OrderPartState>({
    name: 'wh_parts_of_order',
    text: `SELECT order_id AS "orderId", warehouse_connection_id AS "warehouseConnectionId", main, warehouse_ref AS "warehouseRef",
                  ack_at AS "ackAt", error, cancel
             FROM warehouse_order_parts WHERE order_id = $1 ORDER BY main DESC, warehouse_connection_id`,
    values: [orderId],
  });
  return rows;
}
