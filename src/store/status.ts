// Read models for `stocksync status` and `stocksync sku`: what an operator looks at.
import type { Queryable } from './db.js';

export interface ConnectionStatus {
  id: string;
  kind: 'channel' | 'warehouse';
  platform: string;
  listings: number;
  dirtyListings: number;
  quarantinedListings: number;
}

export interface StatusReport {
  connections: ConnectionStatus[];
  skus: number;
  bundles: number;
  listings: number;
  dirtyListings: number;
  openClaims: { count: number; units: number };
  orders: number;
  ordersWithUnknownSku: number;
  incidents: { oversell: number; unknownSku: number; oversoldUnits: number };
}

export async function statusReport(q: Queryable): Promise<StatusReport> {
  const { rows: connections } = await q.query<ConnectionStatus>(
    `SELECT c.id, c.kind, c.platform,
            count(l.id)::int AS listings,
            count(l.id) FILTER (WHERE l.dirty AND l.quarantined_reason IS NULL)::int AS "dirtyListings",
            count(l.id) FILTER (WHERE l.quarantined_reason IS NOT NULL)::int AS "quarantinedListings"
       FROM connections c LEFT JOIN listings l ON l.connection_id = c.id
      GROUP BY c.id ORDER BY c.kind, c.id`,
  );
  const { rows } = await q.query(
    `SELECT (SELECT count(*)::int FROM skus) AS skus,
            (SELECT count(*)::int FROM skus WHERE is_bundle) AS bundles,
            (SELECT count(*)::int FROM listings) AS listings,
            (SELECT count(*)::int FROM listings WHERE dirty AND quarantined_reason IS NULL) AS dirty,
            (SELECT count(*)::int FROM claims WHERE state = 'open') AS open_claims,
            (SELECT COALESCE(sum(quantity), 0)::int FROM claims WHERE state = 'open') AS open_units,
            (SELECT count(*)::int FROM orders) AS orders,
            (SELECT count(*)::int FROM orders WHERE has_unknown_sku) AS unknown_orders,
            (SELECT count(*)::int FROM incidents WHERE kind = 'oversell' AND resolved_at IS NULL) AS oversell,
            (SELECT COALESCE(sum(units_short), 0)::int FROM incidents WHERE kind = 'oversell' AND resolved_at IS NULL) AS oversold_units,
            (SELECT count(*)::int FROM incidents WHERE kind = 'unknown_sku' AND resolved_at IS NULL) AS unknown_sku`,
  );
  const r = rows[0];
  return {
    connections,
    skus: r.skus,
    bundles: r.bundles,
    listings: r.listings,
    dirtyListings: r.dirty,
    openClaims: { count: r.open_claims, units: r.open_units },
    orders: r.orders,
    ordersWithUnknownSku: r.unknown_orders,
    incidents: { oversell: r.oversell, unknownSku: r.unknown_sku, oversoldUnits: r.oversold_units },
  };
}

export interface SkuDetail {
  sku: string;
  name: string | null;
  components: { sku: string; quantity: number }[];
  available: number;
  claimed: number;
  levels: { warehouse: string; location: string; sellable: boolean; onHand: number; allocated: number; available: number; observedAt: Date }[];
}

export async function skuDetail(q: Queryable, sku: string): Promise<SkuDetail | null> {
  const { rows } = await q.query(
    `SELECT s.sku, s.name, st.available, st.claimed,
            COALESCE((SELECT json_agg(json_build_object('sku', component_sku, 'quantity', quantity) ORDER BY component_sku)
                        FROM bundle_components WHERE bundle_sku = s.sku), '[]') AS components,
            COALESCE((SELECT json_agg(json_build_object('warehouse', lo.connection_id, 'location', lo.code, 'sellable', lo.sellable,
                                                        'onHand', sl.on_hand, 'allocated', sl.allocated, 'available', sl.available,
                                                        'observedAt', sl.observed_at) ORDER BY lo.connection_id, lo.code)
                        FROM stock_levels sl JOIN locations lo ON lo.id = sl.location_id WHERE sl.sku = s.sku), '[]') AS levels
       FROM skus s JOIN sku_stock st USING (sku) WHERE s.sku = $1`,
    [sku],
  );
  return (rows[0] as SkuDetail | undefined) ?? null;
}
