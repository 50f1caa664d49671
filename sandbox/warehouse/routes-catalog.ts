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
  // Items in inventory id order (ids only grow, and the map keeps insertion order).
  const items = (ids: string | undefined): InventoryItem[] => {
    if (ids === undefined) return [...store.items.values()];
    const wanted = new Set(ids.split(',').map((s) => Number(s.trim())));
    return [...wanted].flatMap((id) => store.byId.get(id) ?? []).sort((a, b) => a.inventoryId - b.inventoryId);
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
      // Filtered and paged before rendering: discovery reads catalogues of many thousands.
      const entries = [
        ...items(undefined).map((i) => ({ sku: i.sku, barcode: i.barcode as string | null, json: () => productJson(i) })),
        ...[...store.bundles.values()].map((b, n) => ({ sku: b.sku, barcode: null, json: () => bundleProductJson(b, BUNDLE_ID_BASE + n, store) })),
      ].filter((e) => (sku === undefined || e.sku === sku) && (barcode === undefined || e.barcode === barcode));
      const page = cursorPage(request, reply, entries, PAGE);
      return page ? { ...page, items: page.items.map((e) => e.json()) } : reply;
    }),
  );

  app.get(
    `${V}/inventory-level`,
    http.route('GET inventory-level', async (request, reply) => {
      const page = cursorPage(request, reply, items(queryParam(request, 'InventoryIds')), PAGE);
      return page ? { ...page, items: page.items.map((i) => inventoryLevelJson(i, store)) } : reply;
    }),
  );
  app.get(
    `${V}/inventory-level/locations`,
    http.route('GET inventory-level/locations', async (request, reply) => {
      const location = queryParam(request, 'LocationId');
      const rows = items(queryParam(request, 'InventoryIds')).filter((i) => location === undefined || String(i.centerId) === location);
      const page = cursorPage(request, reply, rows, PAGE);
      return page ? { ...page, items: page.items.map((i) => inventoryByCenterJson(i, centers)) } : reply;
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
