// Stock coming in: warehouse receiving orders and returns (see inbound.ts).
import type { FastifyInstance } from 'fastify';
import { notFound, validation } from './http.js';
import { announceReceiving, announceReturn, type ReturnAction } from './inbound.js';
import { receivingJson, returnJson } from './json.js';
import { API_VERSION, type Body, type WarehouseRouteDeps } from './route-deps.js';

const V = `/${API_VERSION}`;

export function registerInboundRoutes(app: FastifyInstance, d: WarehouseRouteDeps): void {
  const { store, inbound, http, centers } = d;
  const skuOf = (p: Body): string | undefined => {
    if (typeof p.reference_id === 'string') return p.reference_id;
    if (typeof p.sku === 'string') return p.sku;
    for (const k of ['id', 'inventory_id'] as const) if (typeof p[k] === 'number') return store.byId.get(p[k])?.sku ?? `#${p[k]}`;
    return undefined;
  };

  app.post(
    `${V}/receiving`,
    http.route('POST receiving', async (request, reply) => {
      const b = (request.body ?? {}) as Body;
      const boxes = Array.isArray(b.boxes) ? (b.boxes as Body[]) : [];
      const items = boxes.flatMap((box) => (Array.isArray(box?.box_items) ? (box.box_items as Body[]) : []));
      const lines = items.map((i) => ({ sku: skuOf(i ?? {}) ?? '', quantity: Number(i?.quantity) }));
      if (lines.length === 0) return validation(reply, 400, { boxes: ['At least one box item is required.'] });
      const bad = lines.find((l) => !store.items.has(l.sku) || !Number.isInteger(l.quantity) || l.quantity < 1);
      if (bad) return validation(reply, 422, { box_items: [`Invalid inventory item or quantity for '${bad.sku}'.`] });
      const po = typeof b.purchase_order_number === 'string' ? b.purchase_order_number : `PO-${inbound.nextId}`;
      return reply.code(201).send(receivingJson(announceReceiving(store, inbound, po, lines), centers));
    }),
  );
  app.get(
    `${V}/receiving/:id`,
    http.route('GET receiving/{id}', async (request, reply) => {
      const w = inbound.receivings.get(Number((request.params as { id: string }).id));
      return w ? receivingJson(w, centers) : notFound(reply, 'Receiving order not found.');
    }),
  );

  app.post(
    `${V}/return`,
    http.route('POST return', async (request, reply) => {
      if (request.headers['shipbob_channel_id'] === undefined)
        return validation(reply, 400, { shipbob_channel_id: ['The shipbob_channel_id header is required.'] });
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
      return reply.code(201).send(returnJson(announceReturn(store, inbound, b.reference_id, lines, shipment), centers));
    }),
  );
  app.get(
    `${V}/return/:id`,
    http.route('GET return/{id}', async (request, reply) => {
      const r = inbound.returns.get(Number((request.params as { id: string }).id));
      return r ? returnJson(r, centers) : notFound(reply, 'Return not found.');
    }),
  );
}
