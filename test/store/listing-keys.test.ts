// A full reconciliation reads a connection's catalogue in chunks (listingKeysAfter): every
// listing once, in id order, only that connection's, each as id, SKU and platform ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listingKeysAfter, type ListingKey } from '../../src/store/dispatch.js';
import { channelId, loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
const SKUS = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];
beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 2, skus: SKUS.map((sku) => ({ sku })) });
});
afterAll(async () => t.drop());

describe('listingKeysAfter', () => {
  it('walks a connection in chunks of at most the limit, each listing once, nothing else in it', async () => {
    const ch = channelId(1);
    const chunks: ListingKey[][] = [];
    for (let after = 0; ;) {
      const chunk = await listingKeysAfter(t.db, ch, after, 3);
      chunks.push(chunk);
      if (chunk.length < 3) break;
      after = chunk.at(-1)!.listingId;
    }
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 1]);
    const all = chunks.flat();
    const { rows } = await t.db.query<{ id: number; sku: string }>(`SELECT id, sku FROM listings WHERE connection_id = $1 ORDER BY id`, [ch]);
    expect(all.map((l) => l.listingId)).toEqual(rows.map((r) => r.id));
    // exactly these three fields: the caller keeps 100,000 of them
    expect(all[0]).toEqual({ listingId: rows[0]!.id, sku: rows[0]!.sku, platformIds: { inventoryItemId: `gid://shopify/InventoryItem/${rows[0]!.sku}-1` } });
    expect(new Set(all.map((l) => l.sku))).toEqual(new Set(SKUS));
    expect(await listingKeysAfter(t.db, ch, all.at(-1)!.listingId, 3)).toEqual([]);
  });
});
