// Aggregate: channel orders and their lines.
import type { Queryable } from './db.js';

export interface NewOrder {
  connectionId: string;
  externalId: string;
  placedAt: Date;
  warehouseConnectionId: string | null;
  hasUnknownSku: boolean;
  raw: unknown;
  lines: readonly { sku: string; quantity: number; known: boolean }[];
  /** Units this order claims, per line and component SKU (a bundle line claims its components). */
  claims: readonly { lineNo: number; sku: string; quantity: number }[];
}

export const orderKey = (connectionId: string, externalId: string): string => `${connectionId}\u0000${externalId}`;

/**
 * Inserts orders with their lines, their claims and the claims' ledger entries (kind
 * `claim`, key `claim:<claim id>`) in one statement, so a claim never exists without its
 * order or its ledger entry. An order whose (connection, external id) exists is skipped
 * with everything it would claim; the result maps the key of each order inserted here to
 * its id.
 * Rows go in key order so that two transactions inserting overlapping batches wait on
 * each other instead of deadlocking.
 */
export async function insertOrders(
  tx: Queryable,
  orders: readonly NewOrder[],
): Promise<{ ids: Map<string, number>; catalogVersion: number | null }> {
  if (orders.length === 0) return { ids: new Map(), catalogVersion: null };
  const sorted = [...orders].sort((a, b) => cmp(orderKey(a.connectionId, a.externalId), orderKey(b.connectionId, b.externalId)));
  const lines = sorted.flatMap((o, i) => o.lines.map((l, lineNo) => ({ i, lineNo, ...l })));
  const claims = sorted.flatMap((o, i) => o.claims.map((c) => ({ i, ...c })));
  const { rows } = await tx.query<{ id: number; connectionId: string; externalId: string; catalogVersion: string }>({
    name: 'orders_insert',
    text: `WITH input AS (
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::bool[], $7::jsonb[])
                  AS u(i, connection_id, external_id, placed_at, warehouse_connection_id, has_unknown_sku, raw)),
     ins AS (
       INSERT INTO orders (connection_id, external_id, placed_at, warehouse_connection_id, has_unknown_sku, raw)
       SELECT connection_id, external_id, placed_at, warehouse_connection_id, has_unknown_sku, raw FROM input ORDER BY i
       ON CONFLICT (connection_id, external_id) DO NOTHING
       RETURNING id, connection_id, external_id),
     lines AS (
       INSERT INTO order_lines (order_id, line_no, sku, quantity, known)
       SELECT ins.id, l.line_no, l.sku, l.quantity, l.known
         FROM unnest($8::int[], $9::int[], $10::text[], $11::int[], $12::bool[]) AS l(i, line_no, sku, quantity, known)
         JOIN input ON input.i = l.i
         JOIN ins ON ins.connection_id = input.connection_id AND ins.external_id = input.external_id),
     new_claims AS (
       INSERT INTO claims (order_id, line_no, sku, quantity)
       SELECT ins.id, c.line_no, c.sku, c.quantity
         FROM unnest($13::int[], $14::int[], $15::text[], $16::int[]) AS c(i, line_no, sku, quantity)
         JOIN input ON input.i = c.i
         JOIN ins ON ins.connection_id = input.connection_id AND ins.external_id = input.external_id
       RETURNING id, order_id, sku, quantity),
     claim_entries AS (
       INSERT INTO ledger (idempotency_key, sku, kind, claimed_delta, order_id, source)
       SELECT 'claim:' || c.id, c.sku, 'claim', c.quantity, c.order_id, 'order:' || ins.connection_id || ':' || ins.external_id
         FROM new_claims c JOIN ins ON ins.id = c.order_id)
     SELECT id, connection_id AS "connectionId", external_id AS "externalId",
            (SELECT version FROM catalog_version) AS "catalogVersion" FROM ins`,
    values: [
      sorted.map((_, i) => i),
      sorted.map((o) => o.connectionId),
      sorted.map((o) => o.externalId),
      sorted.map((o) => o.placedAt),
      sorted.map((o) => o.warehouseConnectionId),
      sorted.map((o) => o.hasUnknownSku),
      sorted.map((o) => (o.raw === undefined ? null : JSON.stringify(o.raw))),
      lines.map((l) => l.i),
      lines.map((l) => l.lineNo),
      lines.map((l) => l.sku),
      lines.map((l) => l.quantity),
      lines.map((l) => l.known),
      claims.map((c) => c.i),
      claims.map((c) => c.lineNo),
      claims.map((c) => c.sku),
      claims.map((c) => c.quantity),
    ],
  });
  return {
    ids: new Map(rows.map((r) => [orderKey(r.connectionId, r.externalId), r.id])),
    catalogVersion: rows[0] ? Number(rows[0].catalogVersion) : null,
  };
}

export async function findOrderIds(
  tx: Queryable,
  keys: readonly { connectionId: string; externalId: string }[],
): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const { rows } = await tx.query<{ id: number; connectionId: string; externalId: string }>({
    name: 'orders_find_ids',
    text: `SELECT o.id, o.connection_id AS "connectionId", o.external_id AS "externalId"
       FROM orders o JOIN unnest($1::text[], $2::text[]) AS k(c, e) ON o.connection_id = k.c AND o.external_id = k.e`,
    values: [keys.map((k) => k.connectionId), keys.map((k) => k.externalId)],
  });
  return new Map(rows.map((r) => [orderKey(r.connectionId, r.externalId), r.id]));
}

export async function findOrderId(tx: Queryable, connectionId: string, externalId: string): Promise<number | null> {
  return (await findOrderIds(tx, [{ connectionId, externalId }])).get(orderKey(connectionId, externalId)) ?? null;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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
