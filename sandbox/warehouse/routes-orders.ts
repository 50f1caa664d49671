// Orders: POST /order (reference_id is the idempotency key: a second use is refused with
// 422), GET /order (Page/Limit with paging headers), POST /order/{id}:cancel, and
// ShipBob's sandbox simulation that ships a shipment.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound, queryParam, validation } from './http.js';
import { orderJson, shipmentJson } from './json.js';
import { API_VERSION, type Body, type WarehouseRouteDeps } from './route-deps.js';
import { cancel, createOrder, ship, type OrderDetails } from './store.js';

const V = `/${API_VERSION}`;

function page<T>(request: FastifyRequest, reply: FastifyReply, rows: T[]): T[] | undefined {
  const p = Number(queryParam(request, 'Page') ?? 1);
  const limit = Number(queryParam(request, 'Limit') ?? 50);
  if (!Number.isInteger(p) || p < 1) return void validation(reply, 400, { Page: ['Page must be a positive integer.'] });
  if (!Number.isInteger(limit) || limit < 1 || limit > 250) return void validation(reply, 400, { Limit: ['Limit must be between 1 and 250.'] });
  const totalPages = Math.ceil(rows.length / limit);
  reply.header('page-number', String(p)).header('total-pages', String(totalPages)).header('total-count', String(rows.length));
  return rows.slice((p - 1) * limit, p * limit);
}

/** The fields ShipBob requires besides reference_id and products, or the first one missing. */
function details(b: Body, referenceId: string): { ok: true; details: OrderDetails } | { ok: false; errors: Record<string, string[]> } {
  const r = b.recipient as { name?: unknown; address?: { address1?: unknown; city?: unknown; country?: unknown } } | undefined;
  const missing = (field: string, why = `The ${field} field is required.`) => ({ ok: false as const, errors: { [field]: [why] } });
  if (typeof r?.name !== 'string' || !r.name) return missing('recipient.name');
  for (const f of ['address1', 'city', 'country'] as const) {
    if (typeof r.address?.[f] !== 'string' || !r.address[f]) return missing(`recipient.address.${f}`);
  }
  if (typeof b.shipping_method !== 'string' || !b.shipping_method) return missing('shipping_method');
  if (!['DTC', 'DropShip', 'B2B'].includes(b.type as string)) return missing('type', 'The type field is required (DTC, DropShip or B2B).');
  const orderNumber = typeof b.order_number === 'string' && b.order_number ? b.order_number : referenceId;
  return { ok: true, details: { orderNumber, shippingMethod: b.shipping_method, recipient: r } };
}

export function registerOrderRoutes(app: FastifyInstance, d: WarehouseRouteDeps): void {
  const { store, http, centers } = d;
  const order = (id: number) => store.orders.get(id);

  app.post(
    `${V}/order`,
    http.route('POST order', async (request, reply) => {
      if (request.headers['shipbob_channel_id'] === undefined)
        return validation(reply, 400, { shipbob_channel_id: ['The shipbob_channel_id header is required.'] });
      const b = (request.body ?? {}) as Body;
      if (typeof b.reference_id !== 'string' || b.reference_id.length < 1 || b.reference_id.length > 300) {
        return validation(reply, 400, { reference_id: ['The reference_id field is required (1 to 300 characters).'] });
      }
      if (!Array.isArray(b.products) || b.products.length === 0) return validation(reply, 400, { products: ['At least one product is required.'] });
      const lines = (b.products as Body[]).map((p) => ({ sku: typeof p?.reference_id === 'string' ? p.reference_id : '', quantity: Number(p?.quantity) }));
      if (lines.some((l) => l.sku === '')) return validation(reply, 400, { 'products.reference_id': ['The reference_id field is required.'] });
      const more = details(b, b.reference_id);
      if (!more.ok) return validation(reply, 400, more.errors);
      const r = createOrder(store, b.reference_id, lines, d.refuseIfShort, more.details);
      if (r.ok) return reply.code(201).send(orderJson(r.order, store, centers));
      return validation(reply, r.kind === 'invalid' ? 400 : 422, { [r.kind === 'duplicate' ? 'reference_id' : 'products']: [r.message] });
    }),
  );
  app.get(
    `${V}/order`,
    http.route('GET order', async (request, reply) => {
      const refs = queryParam(request, 'ReferenceIds')?.split(',');
      const ids = queryParam(request, 'IDs')?.split(',').map(Number);
      const rows = [...store.orders.values()]
        .filter((o) => (!refs || refs.includes(o.referenceId)) && (!ids || ids.includes(o.id)))
        .sort((a, b) => a.id - b.id);
      return page(request, reply, rows)?.map((o) => orderJson(o, store, centers)) ?? reply;
    }),
  );
  app.get(
    `${V}/order/:id`,
    http.route('GET order/{id}', async (request, reply) => {
      const o = order(Number((request.params as { id: string }).id));
      return o ? orderJson(o, store, centers) : notFound(reply, 'Order not found.');
    }),
  );
  // "/order/{orderId}:cancel": the router sees one segment "<id>:cancel".
  app.post(
    `${V}/order/:action`,
    http.route('POST order/{id}:cancel', async (request, reply) => {
      const m = /^(\d{1,12}):cancel$/.exec((request.params as { action: string }).action);
      const o = m ? order(Number(m[1])) : undefined;
      if (!o) return notFound(reply, 'Order not found.');
      const shipment = { shipment_id: o.shipmentId, action: 'Cancel' };
      // Cancelling a cancelled order succeeds again (nothing left to release); a shipped one fails.
      if (o.status === 'Fulfilled') {
        return {
          order_id: o.id,
          status: 'Failure',
          canceled_shipment_results: [{ ...shipment, is_success: false, reason: 'Shipment is already shipped.' }],
          order: orderJson(o, store, centers),
        };
      }
      if (o.status !== 'Cancelled') cancel(store, o.id);
      return {
        order_id: o.id,
        status: 'Success',
        canceled_shipment_results: [{ ...shipment, is_success: true, reason: null }],
        order: orderJson(o, store, centers),
      };
    }),
  );
  app.get(
    `${V}/shipment/:id`,
    http.route('GET shipment/{id}', async (request, reply) => {
      const id = Number((request.params as { id: string }).id);
      const o = [...store.orders.values()].find((x) => x.shipmentId === id);
      return o ? shipmentJson(o, store, centers) : notFound(reply, 'Shipment not found.');
    }),
  );

  // ShipBob's sandbox simulation API: move a shipment along as the warehouse would.
  app.post(
    `${V}/simulate/shipment`,
    http.route('POST simulate/shipment', async (request, reply) => {
      const b = (request.body ?? {}) as Body;
      const o = [...store.orders.values()].find((x) => x.shipmentId === b.shipment_id || x.id === b.order_id);
      if (!o) return notFound(reply, 'Shipment not found.');
      const action = (b.simulation as Body | undefined)?.action ?? 'ShipOrder';
      if (action !== 'ShipOrder') return validation(reply, 400, { 'simulation.action': ['Only ShipOrder is simulated.'] });
      try {
        return shipmentJson(ship(store, o.id), store, centers);
      } catch (e) {
        return validation(reply, 422, { shipment_id: [(e as Error).message] });
      }
    }),
  );
}
