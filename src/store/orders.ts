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
