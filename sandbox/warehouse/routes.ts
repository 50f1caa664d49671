// ShipBob 1.0 REST routes: inventory, orders, receiving, returns, webhooks, and the
// sandbox shipment simulation.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound, queryParam, validation, type WarehouseHttp } from './http.js';
import { announceReceiving, announceReturn, type Inbound, type ReturnAction } from './inbound.js';
import { CHANNEL, inventoryJson, orderJson, productJson, receivingJson, returnJson } from './json.js';
import { cancel, createOrder, ship, type WarehouseStore } from './store.js';
import { WAREHOUSE_TOPICS, type WarehouseHooks } from './webhooks.js';

export interface WarehouseRouteDeps {
  store: WarehouseStore;
  inbound: Inbound;
  http: WarehouseHttp;
  hooks: WarehouseHooks;
  refuseIfShort: boolean;
}

type Body = Record<string, unknown>;

function page<T>(request: FastifyRequest, reply: FastifyReply, rows: T[]): T[] | undefined {
  const p = Number(queryParam(request, 'Page') ?? 1);
  const limit = Number(queryParam(request, 'Limit') ?? 50);
  if (!Number.isInteger(p) || p < 1) return void validation(reply, 400, { Page: ['Page must be a positive integer.'] });
  if (!Number.isInteger(limit) || limit < 1 || limit > 250) return void validation(reply, 400, { Limit: ['Limit must be between 1 and 250.'] });
  const totalPages = Math.ceil(rows.length / limit);
  reply.header('page-number', String(p)).header('total-pages', String(totalPages)).header('total-count', String(rows.length));
  if (p < totalPages) {
    const url = new URL(request.url, 'http://sandbox.local');
    for (const k of [...url.searchParams.keys()]) if (k.toLowerCase() === 'page') url.searchParams.delete(k);
    url.searchParams.set('Page', String(p + 1));
    reply.header('next-page', `${url.pathname}${url.search}`);
  }
  return rows.slice((p - 1) * limit, p * limit);
}

function since(request: FastifyRequest, reply: FastifyReply, name: string): number | null | undefined {
  const raw = queryParam(request, name);
  if (raw === undefined || raw === '') return null;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) return void validation(reply, 400, { [name]: [`The value '${raw}' is not valid for ${name}.`] });
  return t;
}

export function registerWarehouseRoutes(app: FastifyInstance, d: WarehouseRouteDeps): void {
  const { store, inbound, http, hooks } = d;
  const skuOf = (p: Body): string | undefined => {
    if (typeof p.reference_id === 'string') return p.reference_id;
    if (typeof p.sku === 'string') return p.sku;
    if (typeof p.id === 'number') return store.byId.get(p.id)?.sku ?? `#${p.id}`;
    if (typeof p.inventory_id === 'number') return store.byId.get(p.inventory_id)?.sku ?? `#${p.inventory_id}`;
    return undefined;
  };
  const channel = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (request.headers['shipbob_channel_id'] !== undefined) return true;
    validation(reply, 400, { shipbob_channel_id: ['The shipbob_channel_id header is required.'] });
    return false;
  };

  const inventoryList = http.route('GET inventory', async (request, reply) => {
    const after = since(request, reply, 'UpdatedSince');
    if (after === undefined) return reply;
    const rows = [...store.items.values()].filter((i) => after === null || i.updated.getTime() > after).sort((a, b) => a.inventoryId - b.inventoryId);
    return page(request, reply, rows)?.map((i) => inventoryJson(i, store)) ?? reply;
  });
  // ShipBob: the channels this token may act for; orders name one in shipbob_channel_id.
  app.get(
    '/1.0/channel',
    http.route('GET channel', async () => [{ id: CHANNEL.id, name: CHANNEL.name, application_name: 'stocksync', scopes: ['orders_write', 'inventory_read'] }]),
  );
  app.get('/1.0/inventory', inventoryList);
  app.get(
    '/1.0/product',
    http.route('GET product', async (request, reply) => {
      const rows = [...[...store.items.values()].sort((a, b) => a.inventoryId - b.inventoryId), ...store.bundles];
      return page(request, reply, rows)?.map((p) => productJson(p, store)) ?? reply;
    }),
  );
  app.get('/1.0/inventory-level', inventoryList);
  app.get(
    '/1.0/inventory/:id',
    http.route('GET inventory/{id}', async (request, reply) => {
      const item = store.byId.get(Number((request.params as { id: string }).id));
      return item ? inventoryJson(item, store) : notFound(reply, 'Inventory item not found.');
    }),
  );

  app.post(
    '/1.0/order',
    http.route('POST order', async (request, reply) => {
      if (!channel(request, reply)) return reply;
      const b = (request.body ?? {}) as Body;
      if (typeof b.reference_id !== 'string' || b.reference_id.length < 1 || b.reference_id.length > 300) {
        return validation(reply, 400, { reference_id: ['The reference_id field is required (1 to 300 characters).'] });
      }
      if (!Array.isArray(b.products) || b.products.length === 0) return validation(reply, 400, { products: ['At least one product is required.'] });
      const lines = (b.products as Body[]).map((p) => ({ sku: skuOf(p ?? {}) ?? '', quantity: Number(p?.quantity) }));
      const r = createOrder(store, b.reference_id, lines, d.refuseIfShort);
      if (r.ok) return reply.code(201).send(orderJson(r.order));
      return validation(reply, r.kind === 'invalid' ? 400 : 422, { [r.kind === 'duplicate' ? 'reference_id' : 'products']: [r.message] });
    }),
  );
  app.get(
    '/1.0/order',
    http.route('GET order', async (request, reply) => {
      const after = since(request, reply, 'LastUpdateStartDate');
      if (after === undefined) return reply;
      const refs = queryParam(request, 'ReferenceIds')?.split(',');
      const rows = [...store.orders.values()]
        .filter((o) => (after === null || o.updated.getTime() > after) && (!refs || refs.includes(o.referenceId)))
        .sort((a, b) => a.id - b.id);
      return page(request, reply, rows)?.map(orderJson) ?? reply;
    }),
  );
  app.get(
    '/1.0/order/:id',
    http.route('GET order/{id}', async (request, reply) => {
      const o = store.orders.get(Number((request.params as { id: string }).id));
      return o ? orderJson(o) : notFound(reply, 'Order not found.');
    }),
  );
  app.post(
    '/1.0/order/:id/cancel',
    http.route('POST order/{id}/cancel', async (request, reply) => {
      const id = Number((request.params as { id: string }).id);
      if (!store.orders.has(id)) return notFound(reply, 'Order not found.');
      try {
        return orderJson(cancel(store, id));
      } catch (e) {
        return validation(reply, 422, { order: [(e as Error).message] });
      }
    }),
  );

  app.post(
    '/1.0/receiving',
    http.route('POST receiving', async (request, reply) => {
      if (!channel(request, reply)) return reply;
      const b = (request.body ?? {}) as Body;
      const boxes = Array.isArray(b.boxes) ? (b.boxes as Body[]) : [];
      const items = boxes.flatMap((box) => (Array.isArray(box?.box_items) ? (box.box_items as Body[]) : []));
      const lines = items.map((i) => ({ sku: skuOf(i ?? {}) ?? '', quantity: Number(i?.quantity) }));
      if (lines.length === 0) return validation(reply, 400, { boxes: ['At least one box item is required.'] });
      const bad = lines.find((l) => !store.items.has(l.sku) || !Number.isInteger(l.quantity) || l.quantity < 1);
      if (bad) return validation(reply, 422, { box_items: [`Invalid inventory item or quantity for '${bad.sku}'.`] });
      const po = typeof b.purchase_order_number === 'string' ? b.purchase_order_number : `PO-${inbound.nextId}`;
      return reply.code(201).send(receivingJson(announceReceiving(store, inbound, po, lines)));
    }),
  );
  app.get(
    '/1.0/receiving/:id',
    http.route('GET receiving/{id}', async (request, reply) => {
      const w = inbound.receivings.get(Number((request.params as { id: string }).id));
      return w ? receivingJson(w) : notFound(reply, 'Receiving order not found.');
    }),
  );

  app.post(
    '/1.0/return',
    http.route('POST return', async (request, reply) => {
      if (!channel(request, reply)) return reply;
      const b = (request.body ?? {}) as Body;
      if (typeof b.reference_id !== 'string' || !b.reference_id) return validation(reply, 400, { reference_id: ['The reference_id field is required.'] });
      if (inbound.returnRefs.has(b.reference_id))
        return validation(reply, 422, { reference_id: [`A return with reference_id '${b.reference_id}' already exists.`] });
      const inv = Array.isArray(b.inventory) ? (b.inventory as Body[]) : [];
      const lines = inv.map((i) => {
        const requested = (i?.requested_action ?? (i?.action_requested as Body | undefined)?.action ?? 'Restock') as ReturnAction;
        return { sku: skuOf(i ?? {}) ?? '', quantity: Number(i?.quantity), action: requested };
      });
      if (lines.length === 0) return validation(reply, 400, { inventory: ['At least one inventory item is required.'] });
      const skus = lines.map((l) => l.sku);
      if (new Set(skus).size !== skus.length) return validation(reply, 422, { inventory: ['Each inventory id may appear only once.'] });
      const bad = lines.find(
        (l) => !store.items.has(l.sku) || !Number.isInteger(l.quantity) || l.quantity < 1 || !['Restock', 'Quarantine', 'Dispose'].includes(l.action),
      );
      if (bad) return validation(reply, 422, { inventory: [`Invalid inventory item, quantity or action for '${bad.sku}'.`] });
      const shipment = typeof b.original_shipment_id === 'number' ? b.original_shipment_id : undefined;
      return reply.code(201).send(returnJson(announceReturn(store, inbound, b.reference_id, lines, shipment)));
    }),
  );
  app.get(
    '/1.0/return/:id',
    http.route('GET return/{id}', async (request, reply) => {
      const r = inbound.returns.get(Number((request.params as { id: string }).id));
      return r ? returnJson(r) : notFound(reply, 'Return not found.');
    }),
  );

  app.get(
    '/1.0/webhook',
    http.route('GET webhook', async () => hooks.list()),
  );
  app.post(
    '/1.0/webhook',
    http.route('POST webhook', async (request, reply) => {
      const b = (request.body ?? {}) as Body;
      if (!WAREHOUSE_TOPICS.includes(b.topic as never)) return validation(reply, 400, { topic: [`Unknown topic. Known: ${WAREHOUSE_TOPICS.join(', ')}.`] });
      if (typeof b.subscription_url !== 'string' || !/^https?:\/\//.test(b.subscription_url))
        return validation(reply, 400, { subscription_url: ['A valid URL is required.'] });
      return reply.code(201).send(hooks.subscribe(b.topic as string, b.subscription_url));
    }),
  );
  app.delete(
    '/1.0/webhook/:id',
    http.route('DELETE webhook/{id}', async (request, reply) => {
      const ok = hooks.remove(Number((request.params as { id: string }).id));
      return ok ? reply.code(204).send() : notFound(reply, 'Webhook subscription not found.');
    }),
  );

  // Modelled on ShipBob's sandbox simulation API: move a shipment along as the warehouse would.
  app.post(
    '/simulate/shipment',
    http.route('POST simulate/shipment', async (request, reply) => {
      const b = (request.body ?? {}) as Body;
      const order = [...store.orders.values()].find((o) => o.shipmentId === b.shipment_id || o.id === b.order_id);
      if (!order) return notFound(reply, 'Shipment not found.');
      const action = (b.simulation as Body | undefined)?.action ?? 'ShipOrder';
      if (action !== 'ShipOrder') return validation(reply, 400, { 'simulation.action': ['Only ShipOrder is simulated.'] });
      try {
        return orderJson(ship(store, order.id));
      } catch (e) {
        return validation(reply, 422, { shipment_id: [(e as Error).message] });
      }
    }),
  );
}
