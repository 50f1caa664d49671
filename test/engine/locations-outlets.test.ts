// A Shopify connection showing one count per location (docs/locations-wiring.md,
// "Per-location counts"), on real PostgreSQL: one listing per SKU and Shopify location,
// each planned from its own sources; a stock change at one warehouse moves only the count
// of the location selling from it; an order naming a location claims at that location's
// sources and lowers only that count.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { twoLocationCatalog } from '../helpers/locations.js';
import { syncCatalog, type CatalogInput } from '../../src/engine/catalog.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { recordOrder } from '../../src/engine/record-orders.js';
import { findListing, recordPushed } from '../../src/store/dispatch.js';
import { channelSources } from '../../src/store/locations.js';

const L1 = 'gid://shopify/Location/1';
const L2 = 'gid://shopify/Location/2';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

/** east and west, chA selling from east then west, and `shop` showing L1 from east and L2 from west. */
function catalog(policy = { mode: 'shared' as const }, outlets: { externalId: string; sources: string[] }[] | undefined = undefined): CatalogInput {
  const c = twoLocationCatalog({ policy, sourcesA: ['east/main', 'west/main'] });
  c.connections = c.connections.filter((x) => x.id !== 'chB');
  const shop = {
    ...c.connections.find((x) => x.id === 'chA')!,
    id: 'shop',
    outlets: outlets ?? [
      { externalId: L1, sources: ['east/main'] },
      { externalId: L2, sources: ['west/main'] },
    ],
  };
  delete (shop as { sources?: string[] }).sources;
  c.connections.push(shop);
  for (const s of c.skus) s.listings = { chA: s.listings!.chA!, shop: { inventoryItemId: 'gid://shopify/InventoryItem/7' } };
  return c;
}

let seq = 0;
const at = () => new Date(Date.UTC(2026, 11, 5, 0, 0, 0, ++seq));
const observe = (warehouse: string, available: number) =>
  recordObservation(t.db, { connectionId: warehouse, location: 'main', sku: 'A1', kind: 'absolute', available, observedAt: at() });

async function listings(): Promise<Record<string, { target: number; pushed: number | null; verify: boolean; locationId?: string }>> {
  const { rows } = await t.db.query(
    `SELECT connection_id || CASE WHEN outlet = '' THEN '' ELSE '@' || outlet END AS k, target, pushed, verify, platform_ids->>'locationId' AS loc
       FROM listings ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, { target: r.target, pushed: r.pushed, verify: r.verify, ...(r.loc && { locationId: r.loc }) }]));
}
const targets = async () => Object.fromEntries(Object.entries(await listings()).map(([k, v]) => [k, v.target]));

async function pushAll() {
  const { rows } = await t.db.query(`SELECT id, target, pushed FROM listings`);
  await recordPushed(
    t.db,
    rows.map((l) => ({ id: l.id, quantity: l.target, expected: l.pushed })),
  );
}

describe('per-location counts of a Shopify connection', () => {
  beforeEach(async () => {
    await t.db.query(`TRUNCATE ledger, incidents, claims, order_lines, orders, stock_levels, listings, buffer_overrides, channel_sources,
                      channel_locations, bundle_components, sku_stock, skus, locations, connections RESTART IDENTITY CASCADE`);
    await syncCatalog(t.db, catalog());
  });

  it('the catalogue sync writes one listing per location, pushed there, and each location its sources', async () => {
    const l = await listings();
    expect(Object.keys(l)).toEqual(['chA', `shop@${L1}`, `shop@${L2}`]);
    expect(l[`shop@${L1}`]!.locationId).toBe(L1);
    expect(l[`shop@${L2}`]!.locationId).toBe(L2);
    expect((await channelSources(t.db)).get('shop')!.map((o) => o.externalId)).toEqual([L1, L2]);

    // dropping a location retires its listing; dropping `locations` brings back one listing
    await syncCatalog(t.db, catalog(undefined, [{ externalId: L2, sources: ['west/main'] }]));
    expect(Object.keys(await listings())).toEqual(['chA', `shop@${L2}`]);
    const plain = catalog();
    delete plain.connections.find((x) => x.id === 'shop')!.outlets;
    await syncCatalog(t.db, plain);
    expect(Object.keys(await listings())).toEqual(['chA', 'shop']);
    expect((await channelSources(t.db)).has('shop')).toBe(false);
  });

  it('each location shows the stock of its own sources; a change at one warehouse moves only its location', async () => {
    await observe('east', 3);
    await observe('west', 5);
    expect(await targets()).toEqual({ chA: 8, [`shop@${L1}`]: 3, [`shop@${L2}`]: 5 });
    await observe('east', 1);
    expect(await targets()).toEqual({ chA: 6, [`shop@${L1}`]: 1, [`shop@${L2}`]: 5 });
  });

  it('an order naming a location claims at its sources and lowers only its count', async () => {
    await observe('east', 3);
    await observe('west', 5);
    await pushAll();
    const r = await recordOrder(t.db, { connectionId: 'shop', externalId: 'o1', lines: [{ sku: 'A1', quantity: 2 }], location: L2 });
    expect(r.outcome).toBe('recorded');
    const { rows } = await t.db.query(`SELECT lo.connection_id AS w, c.quantity FROM claims c JOIN locations lo ON lo.id = c.location_id`);
    expect(rows).toEqual([{ w: 'west', quantity: 2 }]);
    const l = await listings();
    expect([l[`shop@${L1}`]!.pushed, l[`shop@${L2}`]!.pushed]).toEqual([3, 3]);
    expect(await targets()).toEqual({ chA: 6, [`shop@${L1}`]: 3, [`shop@${L2}`]: 3 });
  });

  it('an order naming no location is routed over the union of its locations, lowers no count and has every count verified', async () => {
    await observe('east', 3);
    await observe('west', 5);
    await pushAll();
    await recordOrder(t.db, { connectionId: 'shop', externalId: 'o2', lines: [{ sku: 'A1', quantity: 4 }] });
    const { rows } = await t.db.query(`SELECT lo.connection_id AS w, c.quantity FROM claims c JOIN locations lo ON lo.id = c.location_id ORDER BY 1`);
    // which location's count sold is not known, so neither count gives way: no source can give
    // the 4 units free of the other counts, and the line is split in source order
    expect(rows).toEqual([
      { w: 'east', quantity: 3 },
      { w: 'west', quantity: 1 },
    ]);
    const l = await listings();
    expect([l[`shop@${L1}`]!.pushed, l[`shop@${L2}`]!.pushed]).toEqual([3, 5]);
    expect([l[`shop@${L1}`]!.verify, l[`shop@${L2}`]!.verify]).toEqual([true, true]);
    expect(l.chA!.verify).toBe(false);
  });

  it('partitioned: the counts of every set of selling points fit the stock their sources can serve (Hall)', async () => {
    await syncCatalog(t.db, catalog({ mode: 'partitioned' } as never));
    await observe('east', 3);
    await observe('west', 5);
    const s = await targets();
    const [a, l1, l2] = [s.chA!, s[`shop@${L1}`]!, s[`shop@${L2}`]!];
    expect(l1).toBeLessThanOrEqual(3);
    expect(l2).toBeLessThanOrEqual(5);
    expect(a + l1 + l2).toBeLessThanOrEqual(8);
    expect(a + l1 + l2).toBe(8); // nothing reachable is left unused
  });

  it("a count at one location names that location's listing only, never the same item's at another", async () => {
    const item = 'gid://shopify/InventoryItem/7';
    const at = async (locationId: string) => (await findListing(t.db, 'shop', { sku: '', platformIds: { inventoryItemId: item, locationId } }))?.id;
    const { rows } = await t.db.query(`SELECT outlet, id FROM listings WHERE connection_id = 'shop'`);
    const id = Object.fromEntries(rows.map((r) => [r.outlet, r.id]));
    expect([await at(L1), await at(L2)]).toEqual([id[L1], id[L2]]);
    expect(await at('gid://shopify/Location/3')).toBeUndefined();
  });
});
