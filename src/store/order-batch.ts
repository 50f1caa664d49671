// The hottest statement of the engine, spanning aggregates on purpose: an order batch
// inserts its orders with their lines, claims and the claims' ledger entries, locks and
// updates the stock totals, and records the channels' own decrements, in one round trip
// (bench/results/orders.md). The listings' targets follow with the COMMIT (updateTargets
// behind store/catalog-version.ts), computed from the totals this returns.
import type { Queryable } from './db.js';
import { orderKey, type NewOrder } from './orders.js';
import type { SkuStockRow } from './stock.js';

export interface OrderBatchEffects {
  /** Key (orderKey) of each order inserted here -> its id; an existing key is skipped with all it claims. */
  ids: Map<string, number>;
  /** Every locked SKU's totals after the change. */
  stock: Map<string, SkuStockRow>;
}

/**
 * Order of locks, the same in every batch so that concurrent batches queue instead of
 * deadlocking: orders in key order (a repeated key waits for the first to commit), then
 * the stock rows of `lockSkus` in SKU order (`locked` waits, through its InitPlan, until
 * every order is in), then the selling channels' listings (an unreferenced data-modifying
 * CTE runs after the main query). A claim never exists without its order or its ledger
 * entry (kind `claim`, key `claim:<claim id>`), which carries the claim's location (a
 * line routed to several locations has one claim per location; docs/locations.md), and
 * a claim at another warehouse than the order's own makes that warehouse a part of the
 * order (order_warehouse_parts), pushed to it separately. When claims are routed, the caller has locked the same stock rows before (route-orders.ts).
 */
export async function recordOrderBatch(
  tx: Queryable,
  orders: readonly NewOrder[],
  lockSkus: readonly string[], // sorted: every SKU a claim touches, and every component of the bundles involved
  velocityWindowMs: number, // time constant of the selling listings' sales velocity (src/domain/buffer-modes.ts)
): Promise<OrderBatchEffects> {
  if (orders.length === 0) return { ids: new Map(), stock: new Map() };
  const sorted = [...orders].sort((a, b) => cmp(orderKey(a.connectionId, a.externalId), orderKey(b.connectionId, b.externalId)));
  const lines = sorted.flatMap((o, i) => o.lines.map((l, lineNo) => ({ i, lineNo, ...l })));
  const claims = sorted.flatMap((o, i) => o.claims.map((c) => ({ i, ...c })));
  const { rows } = await tx.query<{ i: number | null; id: number | null; sku: string | null; available: number | null; claimed: number | null }>({
    name: 'order_batch',
    text: `WITH input AS (
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::bool[], $7::jsonb[], $20::bool[], $21::text[])
                  AS u(i, connection_id, external_id, placed_at, warehouse_connection_id, has_unknown_sku, raw, external, outlet)),
     ins AS (
       INSERT INTO orders (connection_id, external_id, placed_at, warehouse_connection_id, has_unknown_sku, raw, external)
       SELECT connection_id, external_id, placed_at, warehouse_connection_id, has_unknown_sku, raw, external FROM input ORDER BY i
       ON CONFLICT (connection_id, external_id) DO NOTHING
       RETURNING id, connection_id, external_id),
     fresh AS (
       SELECT input.i, ins.id, ins.connection_id, ins.external_id, input.placed_at, input.external, input.outlet FROM ins JOIN input USING (connection_id, external_id)),
     line AS (
       SELECT * FROM unnest($8::int[], $9::int[], $10::text[], $11::int[], $12::bool[]) AS l(i, line_no, sku, quantity, known)),
     lines AS (
       INSERT INTO order_lines (order_id, line_no, sku, quantity, known)
       SELECT fresh.id, line.line_no, line.sku, line.quantity, line.known FROM line JOIN fresh USING (i)),
     new_claims AS (
       INSERT INTO claims (order_id, line_no, sku, quantity, location_id)
       SELECT fresh.id, c.line_no, c.sku, c.quantity, c.location_id
         FROM unnest($13::int[], $14::int[], $15::text[], $16::int[], $19::bigint[]) AS c(i, line_no, sku, quantity, location_id) JOIN fresh USING (i)
       RETURNING id, order_id, sku, quantity, location_id),
     other_parts AS (
       -- A claim routed to another warehouse than the order's own makes that warehouse a
       -- part of the order, pushed to it on its own (store/warehouse-orders.ts).
       INSERT INTO order_warehouse_parts (order_id, warehouse_connection_id)
       SELECT DISTINCT c.order_id, lo.connection_id
         FROM new_claims c JOIN locations lo ON lo.id = c.location_id JOIN fresh ON fresh.id = c.order_id JOIN input ON input.i = fresh.i
        WHERE lo.connection_id IS DISTINCT FROM input.warehouse_connection_id AND input.warehouse_connection_id IS NOT NULL),
     claim_entries AS (
       INSERT INTO ledger (idempotency_key, sku, kind, claimed_delta, location_id, order_id, source)
       SELECT 'claim:' || c.id, c.sku, 'claim', c.quantity, c.location_id, c.order_id, 'order:' || fresh.connection_id || ':' || fresh.external_id
         FROM new_claims c JOIN fresh ON fresh.id = c.order_id),
     locked AS (
       SELECT sku, available, claimed FROM sku_stock
        WHERE sku = ANY($17::text[]) AND (SELECT count(*) FROM fresh) >= 0
        ORDER BY sku FOR UPDATE),
     change AS (
       SELECT sku, sum(quantity)::int AS quantity FROM new_claims GROUP BY sku),
     upd AS (
       UPDATE sku_stock s SET claimed = s.claimed + c.quantity, updated_at = now()
         FROM change c JOIN locked l ON l.sku = c.sku
        WHERE s.sku = c.sku
    RETURNING s.sku, s.available, s.claimed),
     sale AS (
       -- The channel's own decrement and the sale in its velocity (velocityAfterSale, in SQL).
       -- A sale made while an asynchronous push was applying (placed between its read and its
       -- apply) comes off the old count only: the platform's absolute count overwrote it, so
       -- pushed (what it shows since) stays. Sales a read already took off (unrecorded_sales)
       -- are not taken off again. GREATEST ignores NULLs: a count never pushed stays unknown.
       -- An external order (Amazon AFN) came out of the platform's own stock, not this count.
       UPDATE listings l SET pushed = CASE WHEN l.pushed IS NULL THEN NULL
                                           ELSE GREATEST(l.pushed - GREATEST(u.quantity - u.overwritten - l.unrecorded_sales, 0), 0) END,
              pending_from = CASE WHEN l.pending_from IS NOT NULL THEN GREATEST(l.pending_from - u.overwritten, 0) END,
              unrecorded_sales = GREATEST(l.unrecorded_sales - (u.quantity - u.overwritten), 0),
              verify = l.verify OR l.pushed IS NOT NULL,
              -- a full read begun before this sale was recorded must not overwrite it (020)
              pushed_changed_at = CASE WHEN l.pushed IS NOT NULL THEN now() ELSE l.pushed_changed_at END,
              velocity = l.velocity * exp(-LEAST(COALESCE(extract(epoch FROM now() - l.velocity_at) * 1000, 0) / $18::float8, 700))
                         + u.quantity / ($18::float8 / 1000),
              velocity_at = now()
         -- A channel with a count per location (migration 024): the sale comes off the count of
         -- the location the order names; a location's listing the order does not name is only
         -- verified (its count is read back by the next push's compare-and-set).
         FROM (SELECT li.id, COALESCE(sum(line.quantity) FILTER (WHERE li.outlet = '' OR li.outlet = fresh.outlet), 0)::int AS quantity,
                      COALESCE(sum(line.quantity) FILTER (
                        WHERE (li.outlet = '' OR li.outlet = fresh.outlet)
                          AND li.pending_from IS NOT NULL AND fresh.placed_at < li.push_pending_until
                          AND fresh.placed_at >= li.pushed_at - interval '30 seconds'), 0)::int AS overwritten
                 FROM line JOIN fresh USING (i)
                 JOIN listings li ON li.connection_id = fresh.connection_id AND li.sku = line.sku
                WHERE line.known AND NOT fresh.external GROUP BY li.id) u
        WHERE l.id = u.id)
     SELECT i, id, NULL::text AS sku, NULL::int AS available, NULL::int AS claimed FROM fresh
     UNION ALL SELECT NULL, NULL, sku, available, claimed FROM upd
     UNION ALL SELECT NULL, NULL, sku, available, claimed FROM locked WHERE sku NOT IN (SELECT sku FROM upd)`,
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
      lockSkus,
      Math.max(1, velocityWindowMs),
      claims.map((c) => c.locationId ?? null),
      sorted.map((o) => o.external),
      sorted.map((o) => o.outlet ?? null),
    ],
  });
  const ids = new Map<string, number>();
  const stock = new Map<string, SkuStockRow>();
  for (const r of rows) {
    if (r.sku === null) {
      const o = sorted[r.i!]!;
      ids.set(orderKey(o.connectionId, o.externalId), r.id!);
    } else {
      stock.set(r.sku, { sku: r.sku, available: r.available!, claimed: r.claimed! });
    }
  }
  return { ids, stock };
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
