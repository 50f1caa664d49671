// Claims routed to the locations that ship them, on real PostgreSQL (docs/locations.md,
// "Routing a claim"): channel A sells only from east, B from east then west. A sale goes
// where it leaves every channel's count servable; a line no location can give whole is
// split, one claim per location; units missing at the seller's sources are an oversell
// there; cancelling releases each part; concurrent sales of the last units never leave a
// location oversold; the order goes to the warehouse that ships it and settles there.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { twoLocationShop } from '../helpers/locations.js';
import { cancelOrder } from '../../src/engine/cancel-order.js';
import { acknowledgeOrder } from '../../src/engine/acknowledge-order.js';
import { recordOrders } from '../../src/engine/record-orders.js';
import { splitClaims, stockByLocation } from '../../src/store/locations.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 16 });
});
afterAll(async () => t.drop());

const { at, reset: shop, observe, sell, lastOrder, pushAll } = twoLocationShop(() => t.db);
async function claimsOf(orderId: number) {
  const { rows } = await t.db.query(
    `SELECT lo.connection_id || '/' || lo.code AS location, c.quantity, c.state FROM claims c LEFT JOIN locations lo ON lo.id = c.location_id
      WHERE c.order_id = $1 ORDER BY lo.connection_id`,
    [orderId],
  );
  return rows;
}
async function atsByLocation(): Promise<Record<string, number>> {
  const levels = (await stockByLocation(t.db, ['A1'])).get('A1')!.levels;
  return Object.fromEntries(levels.map((l) => [`${l.warehouse}/${l.code}`, l.ats]));
}
const orderIdOf = (r: Awaited<ReturnType<typeof sell>>) => r.orderId;

describe('claims routed to locations', () => {
  it("takes B's sale at west when A shows east's only unit", async () => {
    await shop({ policy: { mode: 'partitioned' } });
    await observe('east', 1);
    await observe('west', 1);
    await pushAll(); // A shows 1 (east), B 1
    const o = await sell('chB', 1);
    expect(await claimsOf(orderIdOf(o))).toEqual([{ location: 'west/main', quantity: 1, state: 'open' }]);
    expect(await atsByLocation()).toEqual({ 'east/main': 1, 'west/main': 0 });
    const { rows } = await t.db.query(`SELECT warehouse_connection_id AS w FROM orders WHERE id = $1`, [o.orderId]);
    expect(rows[0].w).toBe('west'); // the warehouse that ships it
    const ledger = await t.db.query(`SELECT location_id FROM ledger WHERE kind = 'claim'`);
    expect(ledger.rows.map((r) => r.location_id)).toEqual([expect.anything()]);
  });

  it('splits a line no location can give whole, records both parts, and releases both on cancel', async () => {
    await shop();
    await observe('east', 2);
    await observe('west', 2);
    const o = await sell('chB', 3); // nobody pushed: plain source order
    expect(await claimsOf(orderIdOf(o))).toEqual([
      { location: 'east/main', quantity: 2, state: 'open' },
      { location: 'west/main', quantity: 1, state: 'open' },
    ]);
    expect((await splitClaims(t.db, [o.orderId])).map((s) => s.parts.map((p) => p.quantity))).toEqual([[2, 1]]);
    expect(await atsByLocation()).toEqual({ 'east/main': 0, 'west/main': 1 });
    await cancelOrder(t.db, { connectionId: 'chB', externalId: lastOrder() });
    expect((await claimsOf(o.orderId)).map((c) => c.state)).toEqual(['released', 'released']);
    expect(await atsByLocation()).toEqual({ 'east/main': 2, 'west/main': 2 });
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM ledger WHERE kind = 'release' AND location_id IS NOT NULL`);
    expect(rows[0].n).toBe(2);
  });

  it("reports an oversell when A's only source lacks the units, though west has them", async () => {
    await shop();
    await observe('east', 1);
    await observe('west', 5);
    const o = await sell('chA', 2);
    expect(o.outcome === 'recorded' && o.oversold).toEqual([{ sku: 'A1', lineNo: 0, unitsShort: 1 }]);
    expect(await claimsOf(o.orderId)).toEqual([{ location: 'east/main', quantity: 2, state: 'open' }]);
  });

  it('without sources, claims stay unlocated as before', async () => {
    await shop({ sourcesA: undefined, sourcesB: undefined });
    await observe('east', 2);
    const o = await sell('chA', 1);
    expect(await claimsOf(o.orderId)).toEqual([{ location: null, quantity: 1, state: 'open' }]);
  });

  it('settles a claim at west with west, once west acknowledged the order', async () => {
    await shop({ sourcesA: ['west/main'] });
    await observe('west', 3);
    const o = await sell('chA', 1);
    expect(await claimsOf(o.orderId)).toEqual([{ location: 'west/main', quantity: 1, state: 'open' }]);
    await acknowledgeOrder(t.db, { connectionId: 'chA', externalId: lastOrder(), warehouseConnectionId: 'west', warehouseRef: 'W1', ackAt: at() });
    await observe('east', 4); // east's snapshot cannot include it
    expect((await claimsOf(o.orderId))[0].state).toBe('open');
    await observe('west', 2); // west shipped it
    expect((await claimsOf(o.orderId))[0].state).toBe('settled');
    expect(await atsByLocation()).toEqual({ 'east/main': 4, 'west/main': 2 });
  });
});

describe('concurrent sales on the last units', () => {
  it('routes the orders of one batch in turn, each on the stock the previous left', async () => {
    await shop({ policy: { mode: 'partitioned' } });
    await observe('east', 1);
    await observe('west', 1);
    await pushAll(); // A 1 (east), B 1
    const [b, a] = await recordOrders(t.db, [
      { connectionId: 'chB', externalId: 'batch-b', lines: [{ sku: 'A1', quantity: 1 }] },
      { connectionId: 'chA', externalId: 'batch-a', lines: [{ sku: 'A1', quantity: 1 }] },
    ]);
    if (a?.outcome !== 'recorded' || b?.outcome !== 'recorded') throw new Error('expected both recorded');
    expect(await claimsOf(b.orderId)).toEqual([{ location: 'west/main', quantity: 1, state: 'open' }]);
    expect(await claimsOf(a.orderId)).toEqual([{ location: 'east/main', quantity: 1, state: 'open' }]);
    expect([a.oversold, b.oversold]).toEqual([[], []]);
  });

  it('partitioned counts sold at once leave no location oversold', async () => {
    for (const [east, west] of [
      [1, 1],
      [3, 2],
      [2, 4],
    ] as const) {
      await shop({ policy: { mode: 'partitioned' } });
      await observe('east', east);
      await observe('west', west);
      await pushAll();
      const { rows } = await t.db.query(`SELECT connection_id AS c, target FROM listings ORDER BY connection_id`);
      const sales = rows.flatMap((r) => Array.from({ length: r.target }, () => sell(r.c, 1)));
      expect(sales.length).toBe(east + west);
      const results = await Promise.all(sales);
      expect(results.flatMap((r) => (r.outcome === 'recorded' ? r.oversold : []))).toEqual([]);
      expect(await atsByLocation()).toEqual({ 'east/main': 0, 'west/main': 0 });
      const a = await t.db.query(
        `SELECT DISTINCT lo.connection_id AS w FROM claims c JOIN orders o ON o.id = c.order_id JOIN locations lo ON lo.id = c.location_id WHERE o.connection_id = 'chA'`,
      );
      expect(a.rows.map((r) => r.w).filter((w) => w !== 'east')).toEqual([]); // A ships from east only
    }
  });

  it('random stock, sources and sales within the shown counts, concurrently: no location oversold', async () => {
    const scenario = fc.record({
      east: fc.integer({ min: 0, max: 6 }),
      west: fc.integer({ min: 0, max: 6 }),
      sourcesA: fc.constantFrom(['east/main'], ['west/main']),
      sourcesB: fc.constantFrom(['east/main', 'west/main'], ['west/main', 'east/main']),
      /** Share of its count each channel sells, in orders of 1 or 2 units. */
      sellA: fc.constantFrom(0.5, 1),
      sellB: fc.constantFrom(0.5, 1),
      twos: fc.boolean(),
      /** B's orders all recorded before A's (the order plain source routing fails on), or all at once. */
      bFirst: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async (x) => {
        await shop({ policy: { mode: 'partitioned' }, sourcesA: [...x.sourcesA], sourcesB: [...x.sourcesB] });
        await observe('east', x.east);
        await observe('west', x.west);
        await pushAll();
        const { rows } = await t.db.query(`SELECT connection_id AS c, target FROM listings ORDER BY connection_id`);
        const ordersOf = (channel: string) =>
          rows
            .filter((r) => r.c === channel)
            .flatMap((r) => {
              let left = Math.floor(r.target * (r.c === 'chA' ? x.sellA : x.sellB));
              const sizes: number[] = [];
              while (left > 0) {
                const q = x.twos && left >= 2 ? 2 : 1;
                sizes.push(q);
                left -= q;
              }
              return sizes;
            });
        const sellAll = (channel: string) => Promise.all(ordersOf(channel).map((q) => sell(channel, q)));
        const results = x.bFirst ? [...(await sellAll('chB')), ...(await sellAll('chA'))] : (await Promise.all([sellAll('chA'), sellAll('chB')])).flat();
        expect(results.flatMap((r) => (r.outcome === 'recorded' ? r.oversold : []))).toEqual([]);
        for (const [where, ats] of Object.entries(await atsByLocation())) expect(ats, where).toBeGreaterThanOrEqual(0);
        const a = await t.db.query(
          `SELECT DISTINCT lo.connection_id || '/' || lo.code AS l FROM claims c JOIN orders o ON o.id = c.order_id JOIN locations lo ON lo.id = c.location_id WHERE o.connection_id = 'chA'`,
        );
        for (const r of a.rows) expect([...x.sourcesA]).toContain(r.l);
      }),
      {
        numRuns: 20,
        // The case plain source order fails on: B's sales taken at east, where A can only sell.
        examples: [[{ east: 2, west: 2, sourcesA: ['east/main'], sourcesB: ['east/main', 'west/main'], sellA: 1, sellB: 1, twos: false, bFirst: true }]],
      },
    );
  });
});
