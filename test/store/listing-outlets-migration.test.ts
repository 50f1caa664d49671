// Migration 024 on a database from before it: every listing is kept as it was, as the
// connection as a whole (outlet ''), and one SKU may then have a listing per location.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrate } from '../../src/store/migrate.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  await migrate(t.db, { upTo: 23 });
});
afterAll(async () => t.drop());

const LISTINGS = `SELECT id, connection_id, sku, external_key, platform_ids, target, pushed, dirty, verify FROM listings ORDER BY id`;

describe('migration 024 on a database from before it', () => {
  it('keeps every listing as it was, for the connection as a whole', async () => {
    await t.db.query(`
      INSERT INTO connections (id, kind, platform, base_url) VALUES ('shop', 'channel', 'shopify', 'http://shop');
      INSERT INTO skus (sku) VALUES ('MUG'), ('CUP');
      INSERT INTO listings (connection_id, sku, external_key, platform_ids, target, pushed) VALUES
        ('shop', 'MUG', 'sku:MUG', '{"inventoryItemId": "gid://shopify/InventoryItem/1"}', 5, 4),
        ('shop', 'CUP', 'sku:CUP', '{}', 2, NULL);`);
    const before = (await t.db.query(LISTINGS)).rows;
    await migrate(t.db, { upTo: 24 });
    expect((await t.db.query(LISTINGS)).rows).toEqual(before);
    expect((await t.db.query(`SELECT DISTINCT outlet FROM listings`)).rows).toEqual([{ outlet: '' }]);

    // a listing per Shopify location beside it; still one per connection, SKU and location
    await t.db.query(`INSERT INTO listings (connection_id, sku, external_key, outlet) VALUES ('shop', 'MUG', 'sku:MUG@L1', 'gid://shopify/Location/1')`);
    await expect(
      t.db.query(`INSERT INTO listings (connection_id, sku, external_key, outlet) VALUES ('shop', 'MUG', 'sku:MUG@L1b', 'gid://shopify/Location/1')`),
    ).rejects.toMatchObject({ code: '23505' });
    await expect(t.db.query(`INSERT INTO listings (connection_id, sku, external_key) VALUES ('shop', 'MUG', 'sku:MUG-again')`)).rejects.toMatchObject({
      code: '23505',
    });
  });
});
