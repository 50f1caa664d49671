// Targets over each channel's sources on real PostgreSQL (docs/locations.md): channel A
// sells only from east, B from east and west. A shows east's stock alone; partitioned
// counts keep Hall's condition (A <= east, A + B <= east + west), and channels selling
// their whole counts at once, concurrently, never oversell. Without `sources`, targets
// are today's single pool.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { twoLocationCatalog, twoLocationShop } from '../helpers/locations.js';
import { syncCatalog } from '../../src/engine/catalog.js';
import { cancelOrder } from '../../src/engine/cancel-order.js';
import { configureAdaptive } from '../../src/engine/adaptive-settings.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 16 });
  configureAdaptive({ velocityWindowMs: 60_000, defaultLatencyMs: 1_000 });
});
afterAll(async () => t.drop());

const { reset: shop, observe, sell, lastOrder, pushAll } = twoLocationShop(() => t.db);
const oversold = (r: Awaited<ReturnType<typeof sell>>) => (r.outcome === 'recorded' ? r.oversold.map((s) => `${s.sku} short ${s.unitsShort}`) : ['duplicate']);
async function targets(sku = 'A1'): Promise<Record<string, number>> {
  const { rows } = await t.db.query(`SELECT connection_id AS c, target FROM listings WHERE sku = $1 ORDER BY connection_id`, [sku]);
  return Object.fromEntries(rows.map((r) => [r.c, r.target]));
}
async function oversells(): Promise<number> {
  return (await t.db.query(`SELECT count(*)::int AS n FROM incidents WHERE kind = 'oversell'`)).rows[0].n;
}

describe('targets over sources', () => {
  beforeEach(() => shop());

  it('shared: each channel shows the stock of its own sources, less the claims', async () => {
    await observe('east', 3);
    await observe('west', 5);
    expect(await targets()).toEqual({ chA: 3, chB: 8 });
    const o = await sell('chB', 2);
    expect(await targets()).toEqual({ chA: 1, chB: 6 });
    await cancelOrder(t.db, { connectionId: 'chB', externalId: lastOrder() });
    expect(await targets()).toEqual({ chA: 3, chB: 8 });
    expect(oversold(o)).toEqual([]);
  });

  it('without sources, every channel shows the whole pool, as before', async () => {
    await shop({ sourcesA: undefined, sourcesB: undefined });
    await observe('east', 3);
    await observe('west', 5);
    expect(await targets()).toEqual({ chA: 8, chB: 8 });
  });

  it('a catalogue sync that adds sources re-plans at once', async () => {
    await shop({ sourcesA: undefined, sourcesB: undefined });
    await observe('east', 3);
    await observe('west', 5);
    await syncCatalog(t.db, twoLocationCatalog());
    expect(await targets()).toEqual({ chA: 3, chB: 8 });
  });

  it('bundles: the whole bundles the components make at each source', async () => {
    const catalog = twoLocationCatalog({ skus: ['X', 'Y'] });
    catalog.skus.push({
      sku: 'XY',
      components: [
        { sku: 'X', quantity: 2 },
        { sku: 'Y', quantity: 1 },
      ],
      listings: { chA: {}, chB: {} },
    });
    await t.db.query(
      `TRUNCATE listings, bundle_components, channel_sources, channel_locations, sku_stock, skus, locations, connections RESTART IDENTITY CASCADE`,
    );
    await syncCatalog(t.db, catalog);
    await observe('east', 4, 'X'); // 2 bundles at east
    await observe('east', 5, 'Y');
    await observe('west', 2, 'X'); // 1 at west
    await observe('west', 9, 'Y');
    expect(await targets('XY')).toEqual({ chA: 2, chB: 3 });
  });
});

describe('partitioned over overlapping sources', () => {
  beforeEach(() => shop({ policy: { mode: 'partitioned' } }));

  it('keeps A within east and A + B within the whole stock', async () => {
    await observe('east', 3);
    await observe('west', 5);
    // Single pool would give 4 and 4: A showing 4 with 3 at east could oversell.
    expect(await targets()).toEqual({ chA: 3, chB: 5 });
    await sell('chA', 2);
    expect(await targets()).toEqual({ chA: 1, chB: 5 });
  });

  it('channels selling their whole counts at once, on the last units, never oversell', async () => {
    const rounds = [
      [1, 1],
      [2, 0],
      [0, 3],
      [5, 2],
      [1, 6],
    ] as const;
    await shop({ policy: { mode: 'partitioned' }, skus: rounds.map((_, i) => `R${i}`) });
    for (const [i, [east, west]] of rounds.entries()) {
      const sku = `R${i}`;
      await observe('east', east, sku);
      await observe('west', west, sku);
      await pushAll(); // each channel shows its count (and the router protects it)
      const shown = await targets(sku);
      expect(shown.chA!).toBeLessThanOrEqual(east);
      expect(shown.chA! + shown.chB!).toBe(east + west); // nothing reachable left unused
      // Every unit shown is sold at once, one order per unit, concurrently on both channels.
      const sales = Object.entries(shown).flatMap(([c, n]) => Array.from({ length: n }, () => sell(c, 1, sku)));
      const results = await Promise.all(sales);
      expect(results.flatMap(oversold)).toEqual([]);
      expect(await targets(sku)).toEqual({ chA: 0, chB: 0 });
    }
    expect(await oversells()).toBe(0);
  });
});

describe('adaptive over overlapping sources', () => {
  it('partitions the last units by sources, shows each its own sources while plentiful', async () => {
    await shop({ policy: { mode: 'adaptive' } });
    await observe('east', 1);
    await observe('west', 1);
    const states = async () =>
      (await t.db.query(`SELECT connection_id AS c, target, partitioned FROM listings ORDER BY connection_id`)).rows.map((r) => [r.c, r.target, r.partitioned]);
    expect(await states()).toEqual([
      ['chA', 1, true],
      ['chB', 1, true],
    ]);
    await observe('east', 60);
    await observe('west', 40);
    expect(await states()).toEqual([
      ['chA', 60, false],
      ['chB', 100, false],
    ]);
  });
});
