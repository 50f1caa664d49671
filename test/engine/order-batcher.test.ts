// The coalescing order batcher: whatever the batches it forms (one at a time, or a
// second beside it under a backlog), every order is recorded once and answered its own result.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { channelId, loadFixture } from '../helpers/catalog.js';
import { createOrderBatcher } from '../../src/engine/order-batcher.js';
import { recordObservation } from '../../src/engine/record-observation.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 8 });
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.query(`TRUNCATE ledger, incidents, claims, order_lines, orders, stock_levels, listings, buffer_overrides,
                    bundle_components, sku_stock, skus, locations, connections RESTART IDENTITY CASCADE`);
  await loadFixture(t.db, { channels: 3, skus: [{ sku: 'A' }, { sku: 'B' }] });
  await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'A', kind: 'absolute', available: 1000, observedAt: new Date() });
});

describe('order batcher', () => {
  it('a backlog of 300 orders, repeats included: each recorded once, each answered its own outcome', async () => {
    const batcher = createOrderBatcher(t.db, { maxBatch: 40, concurrency: 2 });
    const inputs = Array.from({ length: 300 }, (_, i) => ({
      connectionId: channelId((i % 250) % 3),
      externalId: `o${i % 250}`, // the last 50 repeat earlier ones
      lines: [{ sku: (i % 250) % 2 === 0 ? 'A' : 'B', quantity: 1 }],
    }));
    const results = await Promise.all(inputs.map((input) => batcher.record(input)));
    await batcher.drain();
    expect(results.filter((r) => r.outcome === 'recorded')).toHaveLength(250);
    expect(results.slice(250).every((r) => r.outcome === 'duplicate')).toBe(true);
    const ids = new Map(results.slice(0, 250).map((r, i) => [inputs[i]!.externalId, (r as { orderId: number }).orderId]));
    results.slice(250).forEach((r, k) => expect((r as { orderId: number }).orderId).toBe(ids.get(inputs[250 + k]!.externalId)));
    const { rows } = await t.db.query(`SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT claimed FROM sku_stock WHERE sku = 'A') AS a`);
    expect(rows[0]).toEqual({ orders: 250, a: 125 });
    // B has no stock: its 125 orders are oversells, A covered all of its own.
    const { rows: inc } = await t.db.query(`SELECT sku, count(*)::int AS n FROM incidents GROUP BY sku`);
    expect(inc).toEqual([{ sku: 'B', n: 125 }]);
  });

  it('8 writers each waiting for its order: all recorded, targets follow the stock', async () => {
    const batcher = createOrderBatcher(t.db);
    let seq = 0;
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let k = 0; k < 25; k++) {
          const r = await batcher.record({ connectionId: channelId(w % 3), externalId: `w${w}-${seq++}`, lines: [{ sku: 'A', quantity: 1 }] });
          expect(r.outcome).toBe('recorded');
        }
      }),
    );
    const { rows } = await t.db.query(`SELECT DISTINCT target FROM listings WHERE sku = 'A'`);
    expect(rows).toEqual([{ target: 800 }]);
  });
});
