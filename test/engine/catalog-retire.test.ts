// Catalogue sync retires what the config no longer holds: a listing removed from a SKU, or
// every listing of a removed connection, is deleted (a kept listing would go on being
// pushed); the SKU, its stock and its orders stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { fixtureCatalog, loadFixture } from '../helpers/catalog.js';
import { syncCatalog } from '../../src/engine/catalog.js';
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
});
