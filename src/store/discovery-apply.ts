// Applies matched discovered items to the catalogue: SKUs (names: config, then warehouse,
// then channel), and the listings the engine pushes. Only unambiguous matched channel
// items become listings; a listing a run no longer backs is retired (deleted), as the
// config sync retires what the file no longer holds. Listings the config owns are left
// to it (source = 'config').
import type { Queryable } from './db.js';

export interface AppliedDiscovery {
  skusCreated: number;
  listingsCreated: number;
  listingsRetired: number;
  /** The first few retired listings, for the report. */
  retiredSample: { connectionId: string; sku: string }[];
}

/**
 * The SKUs first (in the matching's transaction: it uses its temporary table of the
 * config's names), so that the warehouses' stock can be recorded for new ones before any
 * listing of theirs exists to be pushed. Returns how many SKUs are new.
 */
export async function applyDiscoveredSkus(tx: Queryable): Promise<number> {
  // SKUs: every product the warehouses hold and every SKU a channel item matched
  const skus = await tx.query<{ n: number }>(`WITH up AS (
                               INSERT INTO skus (sku, name)
                               SELECT DISTINCT ON (d.matched_sku) d.matched_sku, COALESCE(c.name, d.name)
                                 FROM discovered_items d LEFT JOIN discovery_config_skus c ON c.sku = d.matched_sku
                                WHERE d.matched_sku IS NOT NULL AND (d.status = 'matched' OR d.side = 'warehouse')
                                ORDER BY d.matched_sku, (d.side = 'warehouse') DESC, d.name IS NULL, d.connection_id
                               ON CONFLICT (sku) DO UPDATE SET name = COALESCE(EXCLUDED.name, skus.name)
                               RETURNING (xmax = 0) AS inserted)
                               SELECT count(*) FILTER (WHERE inserted)::int AS n FROM up`);
  await tx.query(`INSERT INTO sku_stock (sku)
                  SELECT DISTINCT matched_sku FROM discovered_items
                   WHERE matched_sku IS NOT NULL AND (status = 'matched' OR side = 'warehouse')
                  ON CONFLICT DO NOTHING`);
  await applyWarehouseBundles(tx);
  return skus.rows[0]!.n;
}

/**
 * A warehouse product with components is a bundle of them (components matched by SKU key
 * among the catalogue's SKUs), unless the config gives that SKU's components: then the
 * config's bundle stands.
 */
async function applyWarehouseBundles(tx: Queryable): Promise<void> {
  await tx.query(`CREATE TEMP TABLE discovery_bundles ON COMMIT DROP AS
                  SELECT DISTINCT ON (d.matched_sku) d.matched_sku AS bundle, d.components
                    FROM discovered_items d
                   WHERE d.side = 'warehouse' AND d.components IS NOT NULL AND d.matched_sku IS NOT NULL AND d.status <> 'ambiguous'
                     AND NOT EXISTS (SELECT 1 FROM discovery_config_skus c WHERE c.sku = d.matched_sku AND c.bundle)
                   ORDER BY d.matched_sku, d.connection_id`);
  await tx.query(`DELETE FROM bundle_components WHERE bundle_sku IN (SELECT bundle FROM discovery_bundles)`);
  await tx.query(`INSERT INTO bundle_components (bundle_sku, component_sku, quantity)
                  SELECT b.bundle, c.sku, sum((x->>'quantity')::int)
                    FROM discovery_bundles b CROSS JOIN LATERAL jsonb_array_elements(b.components) x
                    JOIN discovery_canon c ON c.sku_key = x->>'key'
                    JOIN skus s ON s.sku = c.sku AND NOT s.is_bundle
                   WHERE c.sku <> b.bundle
                   GROUP BY b.bundle, c.sku`);
  await tx.query(`UPDATE skus s SET is_bundle = EXISTS (SELECT 1 FROM bundle_components bc WHERE bc.bundle_sku = s.sku)
                   WHERE s.sku IN (SELECT bundle FROM discovery_bundles)`);
}

/** The listings: matched channel items become listings, listings no item backs any more are retired. */
export async function applyDiscoveredListings(tx: Queryable, sampleSize = 20): Promise<Omit<AppliedDiscovery, 'skusCreated'>> {
  const { rows } = await tx.query<{ count: number; sample: AppliedDiscovery['retiredSample'] | null }>(
    `WITH gone AS (
       DELETE FROM listings l
        WHERE l.source = 'discovery'
          AND NOT EXISTS (SELECT 1 FROM discovered_items d
                           WHERE d.connection_id = l.connection_id AND d.item_key = l.external_key
                             AND d.side = 'channel' AND d.status = 'matched' AND d.matched_sku = l.sku)
       RETURNING l.connection_id, l.sku)
     SELECT count(*)::int AS count,
            (SELECT json_agg(json_build_object('connectionId', connection_id, 'sku', sku))
               FROM (SELECT * FROM gone ORDER BY connection_id, sku LIMIT $1) s) AS sample
       FROM gone`,
    [sampleSize],
  );
  // A conflict is a listing already there: ours from an earlier run, or the config's. A
  // channel with a count per location (migration 024) gets its listings from the config only:
  // one listing for the connection would be pushed beside its locations' listings.
  const created = await tx.query(
    `INSERT INTO listings (connection_id, sku, external_key, platform_ids, source, quarantined_reason, quarantined_at)
     SELECT connection_id, matched_sku, item_key, platform_ids, 'discovery', $1, now()
       FROM discovered_items d
      WHERE side = 'channel' AND status = 'matched' AND match_kind <> 'config'
        AND NOT EXISTS (SELECT 1 FROM channel_locations cl WHERE cl.connection_id = d.connection_id AND cl.external_id <> '')
     ON CONFLICT DO NOTHING`,
    [DISCOVERY_HOLD],
  );
  return {
    listingsCreated: created.rowCount ?? 0,
    listingsRetired: rows[0]!.count,
    retiredSample: rows[0]!.sample ?? [],
  };
}

/**
 * New listings wait out of the dispatchers' reach (the quarantine they skip) until their
 * targets are computed: created with target 0, they would push 0 meanwhile.
 */
export const DISCOVERY_HOLD = 'catalogue discovery: targets being computed';

/** Lets the dispatchers push the held listings (a crashed run's too). */
export async function releaseDiscoveryHold(q: Queryable): Promise<number> {
  const { rowCount } = await q.query({
    name: 'discovery_release_hold',
    text: `UPDATE listings SET quarantined_reason = NULL, quarantined_at = NULL WHERE quarantined_reason = $1`,
    values: [DISCOVERY_HOLD],
  });
  return rowCount ?? 0;
}

/** SKUs in order after `after`, a page at a time (targets are recomputed page by page). */
export async function skuPage(q: Queryable, after: string | null, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ sku: string }>({
    name: 'discovery_sku_page',
    text: `SELECT sku FROM skus WHERE $1::text IS NULL OR sku > $1 ORDER BY sku LIMIT $2`,
    values: [after, limit],
  });
  return rows.map((r) => r.sku);
}
