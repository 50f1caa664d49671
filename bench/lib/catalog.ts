// Catalogues for benchmarks that talk to the engine's store directly (no YAML): a
// warehouse and some channel connections, N SKUs listed on every channel. Bulk: one
// syncCatalog call (unnest inserts), then stock seeded with set-based SQL.
import type { Db } from '../../src/store/db.js';

const BASE = { credentialsEncrypted: null, pollIntervalMs: 3_600_000, reconcileCron: '0 3 * * *', options: {}, bufferPolicy: {} };

export function benchCatalog(o: { skus: number; channels: { id: string; platform: string }[]; skuName?: (i: number) => string }) {
  const name = o.skuName ?? ((i: number) => `SKU-${i}`);
  return {
    connections: [
      {
        ...BASE,
        id: 'wh',
        kind: 'warehouse' as const,
        platform: 'shipbob',
        baseUrl: 'http://127.0.0.1:1',
        fulfilledBy: null,
        locations: [{ code: 'main', sellable: true }],
      },
      ...o.channels.map((c) => ({ ...BASE, id: c.id, kind: 'channel' as const, platform: c.platform, baseUrl: 'http://127.0.0.1:1', fulfilledBy: 'wh' })),
    ],
    skus: Array.from({ length: o.skus }, (_, s) => ({ sku: name(s), listings: Object.fromEntries(o.channels.map((c) => [c.id, {}])) })),
  };
}

/**
 * Gives every SKU `quantity` units at the warehouse's location and every listing that
 * target and pushed count (in step: nothing dirty), in a few set-based statements. A
 * benchmark seed, not an engine path: the engine would get there through its ledger.
 */
export async function seedStock(db: Db, quantity: number | ((skuColumn: string) => string)): Promise<void> {
  const q = typeof quantity === 'number' ? String(quantity) : quantity('s.sku');
  await db.query(`INSERT INTO stock_levels (location_id, sku, on_hand, allocated, available, observed_at)
                  SELECT l.id, s.sku, ${q}, 0, ${q}, now() FROM skus s CROSS JOIN locations l
                  ON CONFLICT (location_id, sku) DO UPDATE SET on_hand = EXCLUDED.on_hand, available = EXCLUDED.available, observed_at = EXCLUDED.observed_at`);
  await db.query(`UPDATE sku_stock s SET available = ${q}`);
  const lq = typeof quantity === 'number' ? String(quantity) : quantity('l.sku');
  await db.query(`UPDATE listings l SET target = ${lq}, pushed = ${lq}`);
}
