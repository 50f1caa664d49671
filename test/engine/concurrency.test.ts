// Concurrency on real PostgreSQL: parallel transactions on the same SKUs.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { channelId, loadFixture } from '../helpers/catalog.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { recordOrder } from '../../src/engine/record-orders.js';
import { cancelOrder } from '../../src/engine/cancel-order.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 24 });
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.query(`TRUNCATE ledger, incidents, claims, order_lines, orders, stock_levels, listings, buffer_overrides,
                    bundle_components, sku_stock, skus, locations, connections RESTART IDENTITY CASCADE`);
  await loadFixture(t.db, {
    channels: 3,
    skus: [
      { sku: 'A' },
      { sku: 'B' },
      {
        sku: 'AB',
        components: [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
        ],
      },
    ],
  });
});

const at = (ms: number) => new Date(Date.UTC(2026, 10, 28) + ms);

async function ledgerMatchesStock(): Promise<void> {
  const { rows } = await t.db.query(`
    SELECT s.sku, s.available, s.claimed,
           COALESCE(sum(l.available_delta), 0)::int AS ledger_available,
           COALESCE(sum(l.claimed_delta), 0)::int AS ledger_claimed,
           (SELECT COALESCE(sum(quantity), 0)::int FROM claims c WHERE c.sku = s.sku AND c.state = 'open') AS open_claims,
           (SELECT COALESCE(sum(available), 0)::int FROM stock_levels sl JOIN locations lo ON lo.id = sl.location_id
             WHERE sl.sku = s.sku AND lo.sellable) AS levels
      FROM sku_stock s LEFT JOIN ledger l ON l.sku = s.sku GROUP BY s.sku`);
  for (const r of rows) {
    expect(r.ledger_available, `ledger available of ${r.sku}`).toBe(r.available);
    expect(r.ledger_claimed, `ledger claimed of ${r.sku}`).toBe(r.claimed);
    expect(r.open_claims, `open claims of ${r.sku}`).toBe(r.claimed);
    expect(r.levels, `levels of ${r.sku}`).toBe(r.available);
  }
}

describe('concurrency', () => {
  it('50 parallel orders from 3 channels on 10 units: 10 covered, 40 oversell incidents', async () => {
    await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'A', kind: 'absolute', available: 10, observedAt: at(0) });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => recordOrder(t.db, { connectionId: channelId(i % 3), externalId: `o${i}`, lines: [{ sku: 'A', quantity: 1 }] })),
    );
    const oversold = results.filter((r) => r.outcome === 'recorded' && r.oversold.length > 0);
    expect(oversold).toHaveLength(40);
    const { rows: claims } = await t.db.query(`SELECT count(*)::int AS n, sum(quantity)::int AS units FROM claims WHERE state = 'open'`);
    expect(claims[0]).toEqual({ n: 50, units: 50 });
    const { rows: inc } = await t.db.query(`SELECT count(*)::int AS n, sum(units_short)::int AS short FROM incidents WHERE kind = 'oversell'`);
    expect(inc[0]).toEqual({ n: 40, short: 40 });
    const { rows: st } = await t.db.query(`SELECT available, claimed FROM sku_stock WHERE sku = 'A'`);
    expect(st[0]).toEqual({ available: 10, claimed: 50 });
    const { rows: tg } = await t.db.query(`SELECT DISTINCT target FROM listings WHERE sku IN ('A', 'AB')`);
    expect(tg).toEqual([{ target: 0 }]);
    await ledgerMatchesStock();
  });

  it('one order delivered 5 times in parallel is one order', async () => {
    await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'A', kind: 'absolute', available: 10, observedAt: at(0) });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => recordOrder(t.db, { connectionId: 'ch1', externalId: 'same', lines: [{ sku: 'A', quantity: 2 }] })),
    );
    expect(results.filter((r) => r.outcome === 'recorded')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(4);
    expect(new Set(results.map((r) => (r as { orderId: number }).orderId)).size).toBe(1);
    const { rows } = await t.db.query(`SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT sum(quantity)::int FROM claims) AS claimed`);
    expect(rows[0]).toEqual({ orders: 1, claimed: 2 });
    await ledgerMatchesStock();
  });

  it('the same observation delivered 5 times in parallel applies once', async () => {
    const obs = { connectionId: 'wh', location: 'main', sku: 'A', kind: 'delta' as const, delta: 7, observedAt: at(0), key: 'evt-1' };
    const results = await Promise.all(Array.from({ length: 5 }, () => recordObservation(t.db, obs)));
    expect(results.filter((r) => r.outcome === 'applied')).toHaveLength(1);
    const { rows } = await t.db.query(`SELECT available FROM sku_stock WHERE sku = 'A'`);
    expect(rows[0].available).toBe(7);
    await ledgerMatchesStock();
  });

  it('observations, orders, bundle orders and cancels interleaved: the ledger sums to the final levels', async () => {
    await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'A', kind: 'absolute', available: 50, observedAt: at(0) });
    await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'B', kind: 'absolute', available: 50, observedAt: at(0) });
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 120; i++) {
      const sku = ['A', 'B', 'AB'][i % 3]!;
      if (i % 4 === 0) {
        const obsSku = i % 8 === 0 ? 'A' : 'B';
        ops.push(
          i % 3 === 0
            ? recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: obsSku, kind: 'absolute', available: 40 + (i % 13), observedAt: at(i + 1) })
            : recordObservation(t.db, {
                connectionId: 'wh',
                location: 'main',
                sku: obsSku,
                kind: 'delta',
                delta: (i % 5) - 2 || 1,
                observedAt: at(i + 1),
                key: `d${i}`,
              }),
        );
      } else {
        ops.push(recordOrder(t.db, { connectionId: channelId(i % 3), externalId: `o${i}`, lines: [{ sku, quantity: 1 + (i % 2) }] }));
      }
      if (i % 10 === 5) ops.push(cancelOrder(t.db, { connectionId: channelId((i - 4) % 3), externalId: `o${i - 4}` }));
    }
    await Promise.all(ops);
    await ledgerMatchesStock();
    // Targets equal the policy applied to the final ATS (no policy here: max(ATS, 0)).
    const { rows } = await t.db.query(`
      SELECT l.sku, l.target, s.available - s.claimed AS ats FROM listings l JOIN sku_stock s USING (sku) WHERE l.sku IN ('A', 'B')`);
    for (const r of rows) expect(r.target).toBe(Math.max(r.ats, 0));
    const { rows: ab } = await t.db.query(`
      SELECT l.target, LEAST(GREATEST(a.available - a.claimed, 0), GREATEST(b.available - b.claimed, 0)) AS expected
        FROM listings l, sku_stock a, sku_stock b WHERE l.sku = 'AB' AND a.sku = 'A' AND b.sku = 'B'`);
    for (const r of ab) expect(r.target).toBe(r.expected);
  });
});
