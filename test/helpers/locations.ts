// A two-location shop for the multi-location tests (docs/locations.md): warehouses `east`
// and `west` with one sellable location `main` each; channel A sells only from east,
// channel B from east then west. Both list every SKU.
import type { BufferPolicy } from '../../src/domain/types.js';
import { syncCatalog, type CatalogInput } from '../../src/engine/catalog.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { recordOrder } from '../../src/engine/record-orders.js';
import type { Db } from '../../src/store/db.js';
import { recordPushed } from '../../src/store/dispatch.js';

export interface TwoLocationOptions {
  skus?: string[];
  policy?: BufferPolicy;
  /** Sources of A and B (undefined: the default sources). */
  sourcesA?: string[] | undefined;
  sourcesB?: string[] | undefined;
}

export function twoLocationCatalog(opts: TwoLocationOptions = {}): CatalogInput {
  const skus = opts.skus ?? ['A1'];
  const base = { credentialsEncrypted: null, pollIntervalMs: 300_000, reconcileCron: '0 3 * * *', options: {}, bufferPolicy: {} };
  const warehouse = (id: string) => ({
    ...base,
    id,
    kind: 'warehouse' as const,
    platform: 'warehouse',
    baseUrl: `http://127.0.0.1:1/warehouse/${id}`,
    fulfilledBy: null,
    locations: [{ code: 'main', sellable: true }],
  });
  const channel = (id: string, sources: string[] | undefined) => ({
    ...base,
    id,
    kind: 'channel' as const,
    platform: 'shopify',
    baseUrl: `http://127.0.0.1:1/shopify/${id}`,
    bufferPolicy: opts.policy ?? { mode: 'shared' },
    fulfilledBy: 'east',
    ...(sources === undefined ? {} : { sources }),
  });
  return {
    connections: [
      warehouse('east'),
      warehouse('west'),
      channel('chA', 'sourcesA' in opts ? opts.sourcesA : ['east/main']),
      channel('chB', 'sourcesB' in opts ? opts.sourcesB : ['east/main', 'west/main']),
    ],
    skus: skus.map((sku) => ({
      sku,
      listings: { chA: { inventoryItemId: `gid://shopify/InventoryItem/${sku}-A` }, chB: { inventoryItemId: `gid://shopify/InventoryItem/${sku}-B` } },
    })),
  };
}

/** The two-location shop's operations on one test database: reset, stock at a warehouse, sales. */
/** `db` is read at each call (test databases are created in beforeAll). */
export function twoLocationShop(dbOf: () => Db) {
  let seq = 0;
  let orderNo = 0;
  const at = () => new Date(Date.UTC(2026, 11, 5, 0, 0, 0, ++seq));
  return {
    at,
    lastOrder: () => `o${orderNo}`,
    async reset(opts: TwoLocationOptions = {}) {
      await dbOf().query(`TRUNCATE ledger, incidents, claims, order_lines, orders, stock_levels, listings, buffer_overrides, channel_sources,
                      channel_locations, bundle_components, sku_stock, skus, locations, connections RESTART IDENTITY CASCADE`);
      await syncCatalog(dbOf(), twoLocationCatalog(opts));
    },
    observe: (warehouse: string, available: number, sku = 'A1') =>
      recordObservation(dbOf(), { connectionId: warehouse, location: 'main', sku, kind: 'absolute', available, observedAt: at() }),
    /** Every channel acknowledges its target, as a synchronous platform does: it shows (and may sell) that. */
    async pushAll() {
      const { rows } = await dbOf().query(`SELECT id, target, pushed FROM listings`);
      await recordPushed(
        dbOf(),
        rows.map((l) => ({ id: l.id, quantity: l.target, expected: l.pushed })),
      );
    },
    sell: (channel: string, quantity: number, sku = 'A1') =>
      recordOrder(dbOf(), { connectionId: channel, externalId: `o${++orderNo}`, lines: [{ sku, quantity }] }),
  };
}
