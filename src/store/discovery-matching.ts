// Matching of discovered items, in SQL over the staged rows (no whole catalogue in the
// process's memory). Runs inside the apply transaction (discovery-apply.ts), in order:
//   1. warehouse products: no SKU -> unmatched; one SKU twice on one warehouse -> ambiguous
//   2. the catalogue's SKUs: the config's, then the warehouses' products (or, with no
//      warehouse discovered, the channels' SKUs); config spelling first
//   3. channel items by normalised SKU, then by barcode (a barcode of two SKUs: ambiguous)
//   4. config pins: a config listing's ids name the item it is; the config wins
//   5. one SKU on two items of one channel -> every one of them ambiguous
//   6. warehouse products: matched when a channel sells them, else unmatched
import type { Queryable } from './db.js';

export interface ConfigSku {
  sku: string;
  /** Normalised as discovered SKUs are. */
  key: string;
  name: string | null;
  /** The config gives its components: the config's bundle, whatever a warehouse says. */
  bundle: boolean;
}

export async function matchDiscoveredItems(tx: Queryable, configSkus: readonly ConfigSku[]): Promise<void> {
  // The rows were just staged: without fresh statistics the planner takes the table for
  // empty and joins it with itself by nested loops (20,000 SKUs on 3 channels: one of the
  // statements below ran for minutes). ANALYZE is allowed inside a transaction.
  await tx.query(`ANALYZE discovered_items`);
  await tx.query(`UPDATE discovered_items
                     SET prev_status = status, prev_matched_sku = matched_sku,
                         status = 'pending', matched_sku = NULL, match_kind = NULL, reason = NULL`);
  await tx.query(`CREATE TEMP TABLE discovery_config_skus (sku_key text PRIMARY KEY, sku text NOT NULL, name text, bundle boolean NOT NULL) ON COMMIT DROP`);
  await tx.query(`INSERT INTO discovery_config_skus SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[]) ON CONFLICT DO NOTHING`, [
    configSkus.map((s) => s.key),
    configSkus.map((s) => s.sku),
    configSkus.map((s) => s.name),
    configSkus.map((s) => s.bundle),
  ]);
  await tx.query(`CREATE TEMP TABLE discovery_canon (sku_key text PRIMARY KEY, sku text NOT NULL) ON COMMIT DROP`);

  // 1. warehouse products
  await tx.query(`UPDATE discovered_items SET status = 'unmatched', reason = 'the product has no SKU'
                   WHERE side = 'warehouse' AND sku_key IS NULL`);
  await tx.query(`UPDATE discovered_items d
                     SET status = 'ambiguous', reason = format('%s products on %s carry SKU %s', g.n, d.connection_id, d.sku_trimmed)
                    FROM (SELECT connection_id, sku_key, count(*) AS n FROM discovered_items
                           WHERE side = 'warehouse' AND sku_key IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) g
                   WHERE d.side = 'warehouse' AND d.connection_id = g.connection_id AND d.sku_key = g.sku_key`);

  // 2. the catalogue's SKUs
  await tx.query(`INSERT INTO discovery_canon SELECT sku_key, sku FROM discovery_config_skus`);
  await tx.query(`INSERT INTO discovery_canon (sku_key, sku)
                  SELECT sku_key, min(sku_trimmed) FROM discovered_items
                   WHERE sku_key IS NOT NULL AND status = 'pending'
                     AND side = CASE WHEN EXISTS (SELECT 1 FROM discovered_items WHERE side = 'warehouse') THEN 'warehouse' ELSE 'channel' END
                   GROUP BY sku_key
                  ON CONFLICT (sku_key) DO NOTHING`);
  await tx.query(`ANALYZE discovery_canon`); // a temporary table: autovacuum never sees it

  // 3. channel items by SKU, then by barcode
  await tx.query(`UPDATE discovered_items d SET status = 'matched', matched_sku = c.sku, match_kind = 'sku'
                    FROM discovery_canon c
                   WHERE d.side = 'channel' AND d.status = 'pending' AND d.sku_key = c.sku_key`);
  await tx.query(`ANALYZE discovered_items`); // most channel rows are matched now
  await tx.query(`CREATE TEMP TABLE discovery_barcodes ON COMMIT DROP AS
                  SELECT barcode, array_agg(DISTINCT sku ORDER BY sku) AS skus FROM (
                    SELECT d.barcode, c.sku FROM discovered_items d JOIN discovery_canon c ON c.sku_key = d.sku_key
                     WHERE d.side = 'warehouse' AND d.status = 'pending' AND d.barcode IS NOT NULL
                    UNION ALL
                    SELECT barcode, matched_sku FROM discovered_items
                     WHERE side = 'channel' AND status = 'matched' AND barcode IS NOT NULL) x
                  GROUP BY barcode`);
  await tx.query(`ANALYZE discovery_barcodes`);
  await tx.query(`UPDATE discovered_items d
                     SET status = CASE WHEN cardinality(b.skus) = 1 THEN 'matched' ELSE 'ambiguous' END,
                         matched_sku = CASE WHEN cardinality(b.skus) = 1 THEN b.skus[1] END,
                         match_kind = CASE WHEN cardinality(b.skus) = 1 THEN 'barcode' END,
                         reason = CASE WHEN cardinality(b.skus) > 1
                                       THEN format('barcode %s belongs to SKUs %s', d.barcode, array_to_string(b.skus, ', ')) END
                    FROM discovery_barcodes b
                   WHERE d.side = 'channel' AND d.status = 'pending' AND d.barcode = b.barcode`);
  await tx.query(`UPDATE discovered_items
                     SET status = 'unmatched',
                         reason = CASE WHEN sku_key IS NULL AND barcode IS NULL THEN 'no SKU and no barcode'
                                       WHEN sku_key IS NULL THEN format('no SKU, and barcode %s is no known product''s', barcode)
                                       ELSE format('SKU %s is not a warehouse product', sku_trimmed) END
                   WHERE side = 'channel' AND status = 'pending'`);

  // 4. config pins: every id the config gives for a listing equals the item's
  await tx.query(`ANALYZE discovered_items`);
  await tx.query(`UPDATE discovered_items d SET status = 'matched', matched_sku = l.sku, match_kind = 'config', reason = NULL
                    FROM listings l
                   WHERE l.source = 'config' AND l.connection_id = d.connection_id AND d.side = 'channel'
                     AND l.platform_ids <> '{}'::jsonb AND d.platform_ids @> l.platform_ids`);
  await tx.query(`UPDATE discovered_items d
                     SET status = 'overridden', reason = format('the config pins SKU %s on %s to other ids', d.matched_sku, d.connection_id)
                    FROM listings l
                   WHERE l.source = 'config' AND l.connection_id = d.connection_id AND l.sku = d.matched_sku
                     AND d.side = 'channel' AND d.status = 'matched' AND d.match_kind <> 'config'
                     AND l.platform_ids <> '{}'::jsonb AND NOT d.platform_ids @> l.platform_ids`);

  // 5. one SKU on several items of one channel: none of them can be pushed
  await tx.query(`ANALYZE discovered_items`);
  await tx.query(`UPDATE discovered_items d
                     SET status = 'ambiguous', reason = format('%s listings on %s carry SKU %s', g.n, d.connection_id, d.matched_sku)
                    FROM (SELECT connection_id, matched_sku, count(*) AS n FROM discovered_items
                           WHERE side = 'channel' AND status = 'matched' GROUP BY 1, 2 HAVING count(*) > 1) g
                   WHERE d.side = 'channel' AND d.status = 'matched' AND d.connection_id = g.connection_id AND d.matched_sku = g.matched_sku`);

  // 6. warehouse products
  await tx.query(`UPDATE discovered_items d
                     SET matched_sku = c.sku, match_kind = 'sku',
                         status = CASE WHEN m.sku IS NULL THEN 'unmatched' ELSE 'matched' END,
                         reason = CASE WHEN m.sku IS NULL THEN 'listed on no channel' END
                    FROM discovery_canon c
                    LEFT JOIN LATERAL (SELECT x.matched_sku AS sku FROM discovered_items x
                                        WHERE x.side = 'channel' AND x.status = 'matched' AND x.matched_sku = c.sku LIMIT 1) m ON true
                   WHERE d.side = 'warehouse' AND d.status = 'pending' AND d.sku_key = c.sku_key`);
}
