// Catalogue sync (every engine start applies the config): it retires what the config no
// longer holds (a listing removed from a SKU, or every listing of a removed connection; the
// SKU, its stock and its orders stay), keeps the ids the dispatcher resolved for listings
// the config finds by SKU, and two syncs at once neither deadlock nor interleave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { fixtureCatalog, loadFixture } from '../helpers/catalog.js';
import { syncCatalog } from '../../src/engine/catalog.js';
import { createPool } from '../../src/store/db.js';
import { storeResolvedIds } from '../../src/store/dispatch.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { recordOrder } from '../../src/engine/record-orders.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

async function listings() {
  const { rows } = await t.db.query(`SELECT connection_id AS c, sku FROM listings ORDER BY sku, connection_id`);
  return rows.map((r) => `${r.c}/${r.sku}`);
}

describe('catalogue sync retires listings', () => {
  it('deletes a listing removed from the config and every listing of a removed connection, nothing else', async () => {
    await loadFixture(t.db, { skus: [{ sku: 'A' }, { sku: 'B' }] });
    await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'A', kind: 'absolute', available: 9, observedAt: new Date() });
    await recordOrder(t.db, { connectionId: 'ch3', externalId: 'o1', lines: [{ sku: 'A', quantity: 1 }] });
    expect(await listings()).toEqual(['ch1/A', 'ch2/A', 'ch3/A', 'ch1/B', 'ch2/B', 'ch3/B']);

    // B is no longer sold on ch2
    const catalog = fixtureCatalog({ skus: [{ sku: 'A' }, { sku: 'B' }] });
    delete catalog.skus[1]!.listings!['ch2'];
    const first = await syncCatalog(t.db, catalog);
    expect(first.retired).toEqual([{ connectionId: 'ch2', sku: 'B' }]);
    expect(await listings()).toEqual(['ch1/A', 'ch2/A', 'ch3/A', 'ch1/B', 'ch3/B']);

    // ch3 removed from the config altogether (2 channels now)
    const second = await syncCatalog(t.db, fixtureCatalog({ channels: 2, skus: [{ sku: 'A' }, { sku: 'B' }] }));
    expect(second.retired.map((r) => `${r.connectionId}/${r.sku}`).sort()).toEqual(['ch3/A', 'ch3/B']);
    expect(await listings()).toEqual(['ch1/A', 'ch2/A', 'ch1/B', 'ch2/B']);

    // the SKU's stock and ch3's order are kept
    const { rows } = await t.db.query(`SELECT available, claimed FROM sku_stock WHERE sku = 'A'`);
    expect(rows[0]).toEqual({ available: 9, claimed: 1 });
    expect((await t.db.query(`SELECT count(*)::int AS n FROM orders WHERE connection_id = 'ch3'`)).rows[0].n).toBe(1);

    // a sync of the same config retires nothing more
    expect((await syncCatalog(t.db, fixtureCatalog({ channels: 2, skus: [{ sku: 'A' }, { sku: 'B' }] }))).retired).toEqual([]);
  });

  it('keeps ids resolved for a listing the config finds by SKU; replaces ids the config pins', async () => {
    const catalog = fixtureCatalog({ channels: 2, skus: [{ sku: 'A' }] });
    catalog.skus[0]!.listings = { ch1: {}, ch2: { inventoryItemId: 'gid://shopify/InventoryItem/7' } };
    await syncCatalog(t.db, catalog);
    const { rows } = await t.db.query(`SELECT id, connection_id AS c FROM listings WHERE sku = 'A' ORDER BY connection_id`);
    await storeResolvedIds(t.db, [{ id: rows[0].id, platformIds: { inventoryItemId: 'gid://shopify/InventoryItem/99' } }]);
    await syncCatalog(t.db, catalog); // another engine starts with the same config
    const ids = async () => (await t.db.query(`SELECT platform_ids AS p FROM listings WHERE sku = 'A' ORDER BY connection_id`)).rows.map((r) => r.p);
    expect(await ids()).toEqual([{ inventoryItemId: 'gid://shopify/InventoryItem/99' }, { inventoryItemId: 'gid://shopify/InventoryItem/7' }]);
    catalog.skus[0]!.listings = { ch1: { inventoryItemId: 'gid://shopify/InventoryItem/5' }, ch2: {} };
    await syncCatalog(t.db, catalog); // pinned in the config now, and ch2 unpinned
    expect(await ids()).toEqual([{ inventoryItemId: 'gid://shopify/InventoryItem/5' }, {}]);
  });

  it('applies the same config from four processes at once without a deadlock', async () => {
    const pools = Array.from({ length: 4 }, () => createPool(t.url, 2));
    try {
      const catalog = fixtureCatalog({ channels: 3, skus: Array.from({ length: 200 }, (_, i) => ({ sku: `S${i}` })) });
      const results = await Promise.allSettled(pools.map((p) => syncCatalog(p, catalog)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect((await t.db.query(`SELECT count(*)::int AS n FROM listings`)).rows[0].n).toBe(600);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });
});
