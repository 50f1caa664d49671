// A Shopify shop with two locations, each showing the stock of its own warehouse
// (docs/locations-wiring.md, "Per-location counts"), end to end on the sandbox: the engine
// pushes each location's count at that location, a stock change at one warehouse moves only
// its location's count, and a sale taken at one location lowers that one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { parseConfig } from '../../src/config/index.js';
import { startEngine, type RunningEngine } from '../../src/runtime/engine-process.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventually } from './helpers.js';
import { reconcileConnection } from '../../src/engine/workers/reconciler.js';
import type { ChannelConnector } from '../../src/connectors/types.js';

interface ShopTruth {
  locations: { id: string }[];
  items: { sku: string; levels: { locationId: string; quantities: { available: number } }[] }[];
}

describe('end to end, a Shopify location per warehouse', () => {
  let testDb: TestDatabase;
  let sandbox: RunningSandbox;
  let engine: RunningEngine;
  let east: string;
  let west: string;
  const shop = () => sandbox.instances.get('shopify/shop')!;
  const warehouse = (name: string) => sandbox.instances.get(`warehouse/${name}`)!;
  /** What the shop shows for a SKU at each of its locations, by location GID. */
  const shown = (sku: string) => {
    const item = (shop().control.truth() as ShopTruth).items.find((i) => i.sku === sku)!;
    return Object.fromEntries(item.levels.map((l) => [l.locationId, l.quantities.available]));
  };
  const showing = (sku: string, want: Record<string, number>) =>
    eventually(`${sku} shown as ${JSON.stringify(want)}`, async () => {
      const now = shown(sku);
      return Object.entries(want).every(([loc, q]) => now[loc] === q) ? now : undefined;
    });

  beforeAll(async () => {
    testDb = await createTestDatabase({ migrate: false });
    sandbox = await startSandbox({
      port: 0,
      seed: 7,
      timeScale: 0.001,
      instances: [
        {
          platform: 'shopify',
          name: 'shop',
          skus: [
            { sku: 'MUG', quantity: 0 },
            { sku: 'CUP', quantity: 0 },
          ],
          options: { locations: ['East store', 'West store'], stockAtAllLocations: true },
        },
        {
          platform: 'warehouse',
          name: 'east',
          skus: [
            { sku: 'MUG', quantity: 4 },
            { sku: 'CUP', quantity: 1 },
          ],
        },
        {
          platform: 'warehouse',
          name: 'west',
          skus: [
            { sku: 'MUG', quantity: 6 },
            { sku: 'CUP', quantity: 2 },
          ],
        },
      ],
    });
    [east, west] = (shop().control.truth() as ShopTruth).locations.map((l) => l.id) as [string, string];
    const wh = (name: string) => `{ id: ${name}, kind: warehouse, platform: shipbob, baseUrl: "${sandbox.url}/warehouse/${name}", pollInterval: 1s,
      options: { location: main }, credentials: { accessToken: { env: T_${name}, default: sandbox-token-${name} } } }`;
    const yaml = `
demo: true
server: { host: 127.0.0.1 }
database: { url: { env: TEST_DATABASE_URL } }
connections:
  - ${wh('east')}
  - ${wh('west')}
  - { id: shop, kind: channel, platform: shopify, baseUrl: "${sandbox.url}/shopify/shop", pollInterval: 1h, fulfilledBy: east,
      buffer: { mode: shared }, locations: { "${east}": [east], "${west}": [west/main] },
      credentials: { accessToken: { env: T1, default: shpat_shop }, webhookSecret: { env: T2, default: sandbox-app-secret } } }
skus:
  - { sku: MUG, listings: { shop: {} } }
  - { sku: CUP, listings: { shop: {} } }
`;
    engine = await startEngine(parseConfig(yaml, { TEST_DATABASE_URL: testDb.url }, 'e2e'), {
      port: 0,
      logger: pino({ level: process.env.E2E_LOG ?? 'silent' }),
    });
    for (const topic of ['orders/create', 'orders/cancelled', 'inventory_levels/update']) shop().control.subscribe(topic, `${engine.url}/webhooks/shop`);
  }, 60_000);
  afterAll(async () => {
    await engine?.stop();
    await sandbox?.close();
    await testDb?.drop();
  });

  it('pushes each location the stock of its own warehouse', async () => {
    await showing('MUG', { [east]: 4, [west]: 6 });
    // the engine records a push once Shopify answers it, just after the shop shows it
    const rows = await eventually('pushes recorded', async () => {
      const { rows } = await engine.database.db.query(
        `SELECT outlet, target, pushed FROM listings WHERE connection_id = 'shop' AND sku = 'MUG' ORDER BY outlet`,
      );
      return rows.every((r) => r.pushed === r.target) ? rows : undefined;
    });
    expect(rows).toEqual(
      [
        { outlet: east, target: 4, pushed: 4 },
        { outlet: west, target: 6, pushed: 6 },
      ].sort((a, b) => (a.outlet < b.outlet ? -1 : 1)),
    );
  });

  it("a stock change at one warehouse moves only its location's count", async () => {
    warehouse('west').control.setStock('MUG', 9);
    await showing('MUG', { [east]: 4, [west]: 9 });
    warehouse('east').control.setStock('MUG', 2);
    await showing('MUG', { [east]: 2, [west]: 9 });
    expect(shown('MUG')[west]).toBe(9);
  });

  it('a sale at one location lowers that one, and the engine keeps the other', async () => {
    // the shop takes an order from the first location with enough stock: west (east has 2)
    const r = shop().control.shopperOrder([{ sku: 'MUG', quantity: 3 }]);
    expect(r.ok).toBe(true);
    await showing('MUG', { [east]: 2, [west]: 6 });
    await eventually('order recorded and claimed', async () => {
      const { rows } = await engine.database.db.query(`SELECT sum(quantity)::int AS n FROM claims`);
      return rows[0].n === 3 || undefined;
    });
    // the claim lowers west's stock for the engine too; the counts converge on the targets
    await eventually('targets', async () => {
      const { rows } = await engine.database.db.query(`SELECT outlet, target, pushed, dirty FROM listings WHERE connection_id = 'shop' AND sku = 'MUG'`);
      const by = Object.fromEntries(rows.map((x) => [x.outlet, x]));
      return by[east]?.target === 2 && by[west]?.target === 6 && rows.every((x) => !x.dirty && x.pushed === x.target) ? rows : undefined;
    });
    expect(shown('MUG')).toEqual({ [east]: 2, [west]: 6 });
    // the order names no location: routed over both locations' sources, it is claimed where
    // the shop's counts stay servable (east's count shows all of east's 2), and sent there
    const { rows } = await engine.database.db.query(
      `SELECT lo.connection_id AS warehouse, c.quantity, o.warehouse_connection_id AS sent FROM claims c
         JOIN locations lo ON lo.id = c.location_id JOIN orders o ON o.id = c.order_id`,
    );
    expect(rows).toEqual([{ warehouse: 'west', quantity: 3, sent: 'west' }]);
  });

  it("a point-of-sale order at one location is claimed at that location's sources first, and lowers that count", async () => {
    // unnamed, this order would be claimed at east (the first source of the union, free for
    // it); taken at the West store, it is claimed at west
    const r = shop().control.shopperOrder([{ sku: 'MUG', quantity: 1 }], { location: west });
    expect(r.ok).toBe(true);
    await showing('MUG', { [east]: 2, [west]: 5 });
    const claims = await eventually('order claimed', async () => {
      const { rows } = await engine.database.db.query(
        `SELECT lo.connection_id AS warehouse, c.quantity, o.warehouse_connection_id AS sent FROM claims c
           JOIN locations lo ON lo.id = c.location_id JOIN orders o ON o.id = c.order_id WHERE o.external_id = $1`,
        [`gid://shopify/Order/${r.ok ? r.orderId : ''}`],
      );
      return rows.length > 0 ? rows : undefined;
    });
    expect(claims).toEqual([{ warehouse: 'west', quantity: 1, sent: 'west' }]);
    await eventually('targets', async () => {
      const { rows } = await engine.database.db.query(`SELECT outlet, target, pushed, dirty FROM listings WHERE connection_id = 'shop' AND sku = 'MUG'`);
      const by = Object.fromEntries(rows.map((x) => [x.outlet, x]));
      return by[east]?.target === 2 && by[west]?.target === 5 && rows.every((x) => !x.dirty && x.pushed === x.target) ? rows : undefined;
    });
    expect(shown('MUG')).toEqual({ [east]: 2, [west]: 5 });
  });

  it("a reconciliation reads every location and matches each count to its location's listing", async () => {
    // the engine believes east shows 1 (and wants 1): only east's count can tell it otherwise
    await engine.database.db.query(`UPDATE listings SET pushed = 1, target = 1 WHERE connection_id = 'shop' AND sku = 'MUG' AND outlet = $1`, [east]);
    const report = await reconcileConnection({
      db: engine.database.db,
      log: pino({ level: 'silent' }),
      connectionId: 'shop',
      connector: engine.connectors.get('shop') as ChannelConnector,
      trigger: 'manual',
    });
    expect(report.checked).toBe(4); // MUG and CUP at each location
    expect(report.drift).toEqual([expect.objectContaining({ sku: 'MUG', believed: 1, actual: 2, action: 'lowered' })]);
    await showing('MUG', { [east]: 1, [west]: 5 });
    expect(shown('CUP')).toEqual({ [east]: 1, [west]: 2 });
  });
});
