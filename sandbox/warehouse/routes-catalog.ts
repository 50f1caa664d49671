// Channels, products (bundles as components) and inventory levels, network-wide and per
// fulfillment center. ShipBob has no changed-since filter on inventory: neither has this.
import type { FastifyInstance } from 'fastify';
import { notFound, queryParam } from './http.js';
import { CHANNEL, bundleProductJson, inventoryByCenterJson, inventoryLevelJson, productJson } from './json.js';
import { cursorPage } from './paging.js';
import { API_VERSION, type WarehouseRouteDeps } from './route-deps.js';
import type { InventoryItem } from './store.js';

const V = `/${API_VERSION}`;
const PAGE = { sizeParam: 'PageSize', defaultSize: 50, max: 250 };
/** Bundles get product ids of their own, after the items'. */
const BUNDLE_ID_BASE = 900_001;

export function registerCatalogRoutes(app: FastifyInstance, d: WarehouseRouteDeps): void {
  const { store, http, centers } = d;
  const items = (ids: string | undefined): InventoryItem[] => {
    const wanted = ids?.split(',').map((s) => Number(s.trim()));
    return [...store.items.values()].filter((i) => !wanted || wanted.includes(i.inventoryId)).sort((a, b) => a.inventoryId - b.inventoryId);
  };

  // The channels this token may act for; orders name one in the shipbob_channel_id header.
  app.get(
    `${V}/channel`,
    http.route('GET channel', async (request, reply) => {
      const page = cursorPage(
        request,
        reply,
        [{ id: CHANNEL.id, name: CHANNEL.name, application_name: 'stocksync', scopes: ['orders_write', 'inventory_read'] }],
        PAGE,
      );
      return page ?? reply;
    }),
  );

  app.get(
    `${V}/product`,
    http.route('GET product', async (request, reply) => {
      const sku = queryParam(request, 'SKU');
      const barcode = queryParam(request, 'Barcode');
      const bundles = [...store.bundles.values()].map((b, i) => bundleProductJson(b, BUNDLE_ID_BASE + i, store));
      const rows = [...items(undefined).map(productJson), ...bundles].filter((p) => {
        const v = (p.variants as { sku: string; gtin: string | null }[])[0]!;
        return (sku === undefined || v.sku === sku) && (barcode === undefined || v.gtin === barcode);
      });
      return cursorPage(request, reply, rows, PAGE) ?? reply;
    }),
  );

  app.get(
    `${V}/inventory-level`,
    http.route('GET inventory-level', async (request, reply) => {
      const rows = items(queryParam(request, 'InventoryIds')).map((i) => inventoryLevelJson(i, store));
      return cursorPage(request, reply, rows, PAGE) ?? reply;
    }),
  );
  app.get(
    `${V}/inventory-level/locations`,
    http.route('GET inventory-level/locations', async (request, reply) => {
      const location = queryParam(request, 'LocationId');
      const rows = items(queryParam(request, 'InventoryIds'))
        .filter((i) => location === undefined || String(i.centerId) === location)
        .map((i) => inventoryByCenterJson(i, centers));
      return cursorPage(request, reply, rows, PAGE) ?? reply;
    }),
  );
  app.get(
    `${V}/inventory-level/:id/locations`,
    http.route('GET inventory-level/{id}/locations', async (request, reply) => {
      const item = store.byId.get(Number((request.params as { id: string }).id));
      return item ? inventoryByCenterJson(item, centers) : notFound(reply, 'Inventory not found.');
    }),
  );
  app.get(
    `${V}/inventory-level/:id`,
    http.route('GET inventory-level/{id}', async (request, reply) => {
      const item = store.byId.get(Number((request.params as { id: string }).id));
      return item ? inventoryLevelJson(item, store) : notFound(reply, 'Inventory not found.');
    }),
  );
}
