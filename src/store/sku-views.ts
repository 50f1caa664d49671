// Read models of SKUs for the admin API: a page of SKUs with their stock and every channel's
// listing, and one SKU's ledger, claims and incidents. ATS as in docs/architecture.md: a
// plain SKU's available minus claimed; a bundle's, the whole bundles its components make.
import type { Queryable } from './db.js';

export interface SkuListingView {
  listingId: number;
  connectionId: string;
  target: number;
  /** What the channel last confirmed showing (null: never pushed). */
  shown: number | null;
  dirty: boolean;
  lastPushAt: Date | null;
  quarantinedReason: string | null;
}

export interface SkuRow {
  sku: string;
  name: string | null;
  isBundle: boolean;
  ats: number;
  /** Sum of on_hand over the sellable, non-external locations (warehouses' own count, claims not subtracted). */
  onHand: number;
  available: number;
  claimed: number;
  listings: SkuListingView[];
}

export interface SkuPageQuery {
  /** Case-insensitive substring of the SKU or its name. */
  search: string | null;
  /** Only SKUs whose ATS is at or below this. */
  atsAtMost: number | null;
  orderBy: 'sku' | 'ats';
  /** Resume after this row (its sort key). */
  after: { sku: string; ats: number } | null;
  limit: number;
  /** Only this SKU. */
  exact?: string;
}

const LISTINGS_JSON = `COALESCE((SELECT json_agg(json_build_object('listingId', l.id, 'connectionId', l.connection_id, 'target', l.target,
                        'shown', l.pushed, 'dirty', l.dirty, 'lastPushAt', l.pushed_at, 'quarantinedReason', l.quarantined_reason)
                        ORDER BY l.connection_id) FROM listings l WHERE l.sku = s.sku), '[]')`;

export async function skuPage(q: Queryable, p: SkuPageQuery): Promise<SkuRow[]> {
  const { rows } = await q.query<SkuRow>({
    name: `sku_views_page_${p.orderBy}`,
    text: `WITH base AS (
             SELECT s.sku, s.name, s.is_bundle, st.available, st.claimed,
                    CASE WHEN s.is_bundle
                         THEN COALESCE((SELECT min(floor((cs.available - cs.claimed)::numeric / bc.quantity))::int
                                          FROM bundle_components bc JOIN sku_stock cs ON cs.sku = bc.component_sku
                                         WHERE bc.bundle_sku = s.sku), 0)
                         ELSE st.available - st.claimed END AS ats
               FROM skus s JOIN sku_stock st USING (sku)
              WHERE ($1::text IS NULL OR s.sku ILIKE '%' || $1 || '%' OR s.name ILIKE '%' || $1 || '%')
                AND ($6::text IS NULL OR s.sku = $6))
           SELECT s.sku, s.name, s.is_bundle AS "isBundle", s.ats, s.available, s.claimed,
                  COALESCE((SELECT sum(sl.on_hand) FROM stock_levels sl JOIN locations lo ON lo.id = sl.location_id
                             WHERE sl.sku = s.sku AND lo.sellable AND NOT lo.external), 0)::int AS "onHand",
                  ${LISTINGS_JSON} AS listings
             FROM base s
            WHERE ($2::int IS NULL OR s.ats <= $2)
              -- Keyset paging: after the cursor's (ats, sku) when sorted by ATS, else after its sku (ats is 0 then).
              AND ($3::text IS NULL OR (${p.orderBy === 'ats' ? 's.ats' : '0'}, s.sku) > ($4::int, $3::text))
            ORDER BY ${p.orderBy === 'ats' ? 's.ats, s.sku' : 's.sku'}
            LIMIT $5`,
    values: [p.search, p.atsAtMost, p.after?.sku ?? null, p.orderBy === 'ats' ? (p.after?.ats ?? 0) : 0, p.limit, p.exact ?? null],
  });
  return rows;
}

export async function skuRow(q: Queryable, sku: string): Promise<SkuRow | null> {
  const rows = await skuPage(q, { search: null, atsAtMost: null, orderBy: 'sku', after: null, limit: 1, exact: sku });
  return rows[0] ?? null;
}

export interface LedgerEntryView {
  id: number;
  key: string;
  kind: string;
  availableDelta: number;
  claimedDelta: number;
  warehouse: string | null;
  location: string | null;
  orderId: number | null;
  source: string | null;
  note: string | null;
  createdAt: Date;
}

/** A SKU's ledger, newest first, from before entry `beforeId` (null: the newest). */
export async function ledgerPage(q: Queryable, sku: string, beforeId: number | null, limit: number): Promise<LedgerEntryView[]> {
  const { rows } = await q.query<LedgerEntryView>({
    name: 'sku_views_ledger_page',
    text: `SELECT g.id, g.idempotency_key AS key, g.kind, g.available_delta AS "availableDelta", g.claimed_delta AS "claimedDelta",
                  lo.connection_id AS warehouse, lo.code AS location, g.order_id AS "orderId", g.source, g.note, g.created_at AS "createdAt"
             FROM ledger g LEFT JOIN locations lo ON lo.id = g.location_id
            WHERE g.sku = $1 AND ($2::bigint IS NULL OR g.id < $2)
            ORDER BY g.id DESC LIMIT $3`,
    values: [sku, beforeId, limit],
  });
  return rows;
}

export interface ClaimView {
  id: number;
  orderId: number;
  connectionId: string;
  externalId: string;
  quantity: number;
  state: 'open' | 'settled' | 'released';
  /** `warehouse/code` where the claim was taken; null: unlocated (docs/locations.md). */
  location: string | null;
  createdAt: Date;
  closedAt: Date | null;
}

/** A SKU's claims: every open one, then the latest closed ones. */
export async function claimsOfSku(q: Queryable, sku: string, limit: number): Promise<ClaimView[]> {
  const { rows } = await q.query<ClaimView>({
    name: 'sku_views_claims',
    text: `SELECT c.id, c.order_id AS "orderId", o.connection_id AS "connectionId", o.external_id AS "externalId", c.quantity, c.state,
                  lo.connection_id || '/' || lo.code AS location, c.created_at AS "createdAt", c.closed_at AS "closedAt"
             FROM claims c JOIN orders o ON o.id = c.order_id LEFT JOIN locations lo ON lo.id = c.location_id
            WHERE c.sku = $1
            ORDER BY (c.state = 'open') DESC, c.id DESC LIMIT $2`,
    values: [sku, limit],
  });
  return rows;
}

export interface ExternalOrderView {
  orderId: number;
  connectionId: string;
  externalId: string;
  /** Units of the SKU on the order's lines. */
  quantity: number;
  status: string;
  placedAt: Date;
}

/**
 * A SKU's latest orders shipped by the platform from its own stock (Amazon AFN): recorded,
 * claiming nothing, so they are listed here rather than among the claims.
 */
export async function externalOrdersOfSku(q: Queryable, sku: string, limit: number): Promise<ExternalOrderView[]> {
  const { rows } = await q.query<ExternalOrderView>({
    name: 'sku_views_external_orders',
    text: `SELECT o.id AS "orderId", o.connection_id AS "connectionId", o.external_id AS "externalId",
                  sum(l.quantity)::int AS quantity, o.status, o.placed_at AS "placedAt"
             FROM orders o JOIN order_lines l ON l.order_id = o.id
            WHERE o.external AND l.sku = $1
            GROUP BY o.id ORDER BY o.id DESC LIMIT $2`,
    values: [sku, limit],
  });
  return rows;
}
