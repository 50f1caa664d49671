// The hottest statement of the engine, spanning two aggregates on purpose: every order
// batch must lock and update stock totals, record the channels' own decrements, and read
// the listings whose targets move. One round trip instead of three is most of the write
// throughput (bench/results/orders.json).
import type { Queryable } from './db.js';
import type { ListingPolicyRow } from './listings.js';
import type { SkuStockRow } from './stock.js';

export interface OrderEffects {
  /** Every locked SKU's totals after the change. */
  stock: Map<string, SkuStockRow>;
  /** Listings of the affected SKUs with their policies, in pool order. */
  listings: ListingPolicyRow[];
}

export async function applyOrderEffects(
  tx: Queryable,
  p: {
    lockSkus: readonly string[]; // sorted; locked first so concurrent batches queue instead of deadlocking
    claims: readonly { sku: string; quantity: number }[];
    sales: readonly { connectionId: string; sku: string; quantity: number }[];
    listingSkus: readonly string[];
  },
): Promise<OrderEffects> {
  const { rows } = await tx.query<{ stock: SkuStockRow[] | null; listings: ListingPolicyRow[] | null }>({
    name: 'order_effects',
    text: `WITH locked AS (
       SELECT sku, available, claimed FROM sku_stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE),
     change AS (
       SELECT sku, sum(quantity)::int AS quantity FROM unnest($2::text[], $3::int[]) AS u(sku, quantity) GROUP BY sku),
     upd AS (
       UPDATE sku_stock s SET claimed = s.claimed + c.quantity, updated_at = now()
         FROM change c, locked l
        WHERE s.sku = c.sku AND l.sku = c.sku
    RETURNING s.sku, s.available, s.claimed),
     sale AS (
       UPDATE listings l SET pushed = GREATEST(l.pushed - u.quantity, 0), verify = true
         FROM (SELECT c, s, sum(q)::int AS quantity FROM unnest($4::text[], $5::text[], $6::int[]) AS x(c, s, q) GROUP BY c, s) u
        WHERE l.connection_id = u.c AND l.sku = u.s AND l.pushed IS NOT NULL)
     SELECT
       (SELECT json_agg(x) FROM (SELECT sku, available, claimed FROM upd
                                 UNION ALL
                                 SELECT sku, available, claimed FROM locked WHERE sku NOT IN (SELECT sku FROM upd)) x) AS stock,
       (SELECT json_agg(x ORDER BY x.sku, x."connectionId") FROM (
          SELECT l.id, l.sku, l.connection_id AS "connectionId", l.target, c.buffer_policy AS policy, o.policy AS override
            FROM listings l
            JOIN connections c ON c.id = l.connection_id
            LEFT JOIN buffer_overrides o ON o.connection_id = l.connection_id AND o.sku = l.sku
           WHERE l.sku = ANY($7::text[])) x) AS listings`,
    values: [
      p.lockSkus,
      p.claims.map((c) => c.sku),
      p.claims.map((c) => c.quantity),
      p.sales.map((s) => s.connectionId),
      p.sales.map((s) => s.sku),
      p.sales.map((s) => s.quantity),
      p.listingSkus,
    ],
  });
  const row = rows[0]!;
  return {
    stock: new Map((row.stock ?? []).map((r) => [r.sku, r])),
    listings: row.listings ?? [],
  };
}
