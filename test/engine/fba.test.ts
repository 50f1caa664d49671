// Amazon FBA in the engine, on real PostgreSQL (docs/locations.md "Amazon FBA"): a 3PL
// `tpl` ships the merchant's orders; `fba` is Amazon's stock, read at one external
// location. FBA units are shown per location but never counted in any ATS or target, by
// the single-pool planner or the sourced one; an AFN order (external) is recorded with
// its lines and claims nothing, leaving the channel's own count alone; an MFN order claims.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { syncCatalog, type CatalogInput } from '../../src/engine/catalog.js';
import { fbaCatalog as catalog } from '../helpers/fba.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { recordOrder } from '../../src/engine/record-orders.js';
import { skuLocations } from '../../src/engine/sku-locations.js';
import { recordPushed } from '../../src/store/dispatch.js';
import { locationTotals } from '../../src/store/locations.js';
import { externalOrdersOfSku } from '../../src/store/sku-views.js';
import { ordersToPush } from '../../src/store/warehouse-orders.js';
import { cancelOrder } from '../../src/engine/cancel-order.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

let seq = 0;
const at = () => new Date(Date.UTC(2026, 11, 5, 0, 0, 0, ++seq));
const observe = (warehouse: 'tpl' | 'fba', available: number) =>
  recordObservation(t.db, {
    connectionId: warehouse,
    location: warehouse === 'tpl' ? 'main' : 'fba',
    sku: 'A1',
    kind: 'absolute',
    available,
    observedAt: at(),
    read: true,
  });
const targets = async () =>
  Object.fromEntries((await t.db.query(`SELECT connection_id AS c, target FROM listings ORDER BY connection_id`)).rows.map((r) => [r.c, r.target]));
const stock = async () => (await t.db.query(`SELECT available, claimed FROM sku_stock WHERE sku = 'A1'`)).rows[0];

async function reset(c: CatalogInput): Promise<void> {
  await t.db.query(`TRUNCATE ledger, incidents, claims, order_lines, orders, stock_levels, listings, buffer_overrides, channel_sources,
                    channel_locations, bundle_components, sku_stock, skus, locations, connections RESTART IDENTITY CASCADE`);
  await syncCatalog(t.db, c);
}

describe.each([
  ['the single pool (no channel has sources)', undefined],
  ['the sourced planner (shop sells from tpl/main)', ['tpl/main']],
])('FBA stock with %s', (_name, sources) => {
  beforeEach(() => reset(catalog(sources)));

  it('is shown at its external location and never counted in any ATS or target', async () => {
    await observe('tpl', 4);
    const r = await observe('fba', 50);
    expect(r).toMatchObject({ outcome: 'applied', availableDelta: 0 });
    expect(await stock()).toEqual({ available: 4, claimed: 0 });
    expect(await targets()).toEqual({ amz: 4, shop: 4 });
    await observe('fba', 7);
    await observe('tpl', 2);
    expect(await targets()).toEqual({ amz: 2, shop: 2 });

    const where = await skuLocations(t.db, 'A1', [], ['amz', 'shop']);
    expect(where.locations.map((l) => [`${l.warehouse}/${l.location}`, l.external, l.available])).toEqual([
      ['fba/fba', true, 7],
      ['tpl/main', false, 2],
    ]);
    for (const c of where.channels) {
      expect(c.sources).toEqual(['tpl/main']);
      expect(c.ats).toBe(2);
    }
    const totals = await locationTotals(t.db);
    expect(totals.locations.find((l) => l.warehouse === 'fba')).toMatchObject({ external: true, available: 7, claimed: 0 });
  });

  it('an AFN order claims nothing and leaves the count alone; an MFN order claims at the 3PL', async () => {
    await observe('tpl', 5);
    await observe('fba', 30);
    const { rows: l } = await t.db.query(`SELECT id, target, pushed FROM listings`);
    await recordPushed(
      t.db,
      l.map((x) => ({ id: x.id, quantity: x.target, expected: x.pushed })),
    );

    const afn = await recordOrder(t.db, { connectionId: 'amz', externalId: 'AFN-1', fulfilment: 'external', lines: [{ sku: 'A1', quantity: 3 }] });
    expect(afn).toMatchObject({ outcome: 'recorded', oversold: [] });
    expect(await stock()).toEqual({ available: 5, claimed: 0 });
    expect((await t.db.query(`SELECT count(*)::int AS n FROM claims`)).rows[0].n).toBe(0);
    const { rows: amz } = await t.db.query(`SELECT pushed, target FROM listings WHERE connection_id = 'amz'`);
    expect(amz[0]).toEqual({ pushed: 5, target: 5 }); // Amazon's MFN count did not sell it
    expect(await ordersToPush(t.db, 'tpl', 10)).toEqual([]);
    expect(await externalOrdersOfSku(t.db, 'A1', 10)).toEqual([
      expect.objectContaining({ connectionId: 'amz', externalId: 'AFN-1', quantity: 3, status: 'open' }),
    ]);
    const { rows: o } = await t.db.query(`SELECT external, warehouse_connection_id AS w FROM orders WHERE external_id = 'AFN-1'`);
    expect(o).toEqual([{ external: true, w: null }]);
    // A repeat is a duplicate; a cancellation has nothing to release.
    expect(await recordOrder(t.db, { connectionId: 'amz', externalId: 'AFN-1', fulfilment: 'external', lines: [{ sku: 'A1', quantity: 3 }] })).toMatchObject({
      outcome: 'duplicate',
    });
    await cancelOrder(t.db, { connectionId: 'amz', externalId: 'AFN-1' });
    expect(await stock()).toEqual({ available: 5, claimed: 0 });

    const mfn = await recordOrder(t.db, { connectionId: 'amz', externalId: 'MFN-1', lines: [{ sku: 'A1', quantity: 2 }] });
    expect(mfn).toMatchObject({ outcome: 'recorded', oversold: [] });
    expect(await stock()).toEqual({ available: 5, claimed: 2 });
    const { rows: claims } = await t.db.query(`SELECT c.quantity, lo.connection_id AS w FROM claims c LEFT JOIN locations lo ON lo.id = c.location_id`);
    expect(claims).toEqual([{ quantity: 2, w: sources ? 'tpl' : expect.toBeOneOf(['tpl', null]) }]);
    expect((await ordersToPush(t.db, 'tpl', 10)).map((x) => x.externalId)).toEqual(['MFN-1']);
    expect(await targets()).toEqual({ amz: 3, shop: 3 });
  });
});

it('refuses a fulfilment it does not know', async () => {
  await reset(catalog());
  await expect(
    recordOrder(t.db, { connectionId: 'amz', externalId: 'X', fulfilment: 'amazon' as 'external', lines: [{ sku: 'A1', quantity: 1 }] }),
  ).rejects.toThrow("fulfilment: must be 'merchant' or 'external'");
});
