// Which dirty listings the dispatcher takes first (src/store/dispatch.ts dirtyListings),
// against real PostgreSQL: lowerings (those to 0 first), then raises, verifications last;
// and the lowerings alone for the slot a raise must not hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordObservation } from '../../src/engine/record-observation.js';
import { dirtyListings } from '../../src/store/dispatch.js';
import { channelId, loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe('dirtyListings order', () => {
  it('lowerings to 0, other lowerings, raises, verifications; oldest change first within each', async () => {
    const skus = ['RAISE', 'LOW_OLD', 'VERIFY', 'ZERO', 'LOW_NEW', 'CLEAN'];
    await loadFixture(t.db, { channels: 1, skus: skus.map((sku) => ({ sku })) });
    const stock: Record<string, number> = { RAISE: 8, LOW_OLD: 3, VERIFY: 5, ZERO: 0, LOW_NEW: 2, CLEAN: 5 };
    for (const sku of skus) {
      await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku, kind: 'absolute', available: stock[sku]!, observedAt: new Date() });
    }
    // What each channel shows now; the targets' changes in a known order.
    const shown: Record<string, number> = { RAISE: 5, LOW_OLD: 5, VERIFY: 5, ZERO: 5, LOW_NEW: 5, CLEAN: 5 };
    for (const [i, sku] of skus.entries()) {
      await t.db.query(
        `UPDATE listings SET pushed = $2, verify = $3, target_changed_at = now() - ($4::int * interval '1 second')
          WHERE connection_id = $5 AND sku = $1`,
        [sku, shown[sku], sku === 'VERIFY', 100 - i, channelId(0)],
      );
    }
    const order = async (lowerOnly = false) => (await dirtyListings(t.db, channelId(0), 10, [], lowerOnly)).map((l) => l.sku);
    expect(await order()).toEqual(['ZERO', 'LOW_OLD', 'LOW_NEW', 'RAISE', 'VERIFY']);
    expect(await order(true)).toEqual(['ZERO', 'LOW_OLD', 'LOW_NEW']);
  });
});
