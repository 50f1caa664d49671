// A 3PL warehouse serving ShipBob's REST API (version 2026-01), mounted at
// /warehouse/<name>/2026-01/... It is the physical ground truth of the simulation. Its
// deviations from the real API are listed in docs/shipbob.md.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { webhooksFromOptions, type InstanceControl, type InstanceSpec, type SandboxContext, type SandboxInstance } from '../core/instance.js';
import { registerPlatform } from '../core/registry.js';
import { createRng } from '../core/rng.js';
import { createCallStats } from '../core/stats.js';
import { createWarehouseHttp } from './http.js';
import { createInbound, processReturn, receive } from './inbound.js';
import { DEFAULT_CENTERS, inventoryLevelJson, orderJson, receivingJson, returnJson, shipmentJson, type FulfillmentCenter } from './json.js';
import { createSlidingWindow } from './rate-limit.js';
import { registerWarehouseRoutes } from './routes.js';
import { addItem, adjustOnHand, backordered, cancel, createOrder, createStore, fulfillable, ship } from './store.js';
import { createWarehouseHooks } from './webhooks.js';

export interface WarehouseOptions {
  token: string;
  /** "whsec_" + base64 key, as ShipBob issues them. */
  webhookSecret: string;
  rateLimit: { limit: number; windowMs: number };
  /** Refuse (422) an order that cannot be allocated, instead of holding it in Exception. */
  refuseIfShort: boolean;
  /** Platform ms after allocation at which an order ships by itself; 0 = only when told. */
  autoShipAfterMs: number;
  /** The fulfillment centers; items are spread over them in turn (one center per item). */
  fulfillmentCenters: FulfillmentCenter[];
  /** Bundle SKUs: no stock of their own, fulfilled as their components. */
  bundles: { sku: string; name?: string; components: { sku: string; quantity: number }[] }[];
}

export function warehouseOptions(name: string, raw: Record<string, unknown> = {}): WarehouseOptions {
  const rl = (raw.rateLimit ?? {}) as { limit?: number; windowMs?: number };
  return {
    token: typeof raw.token === 'string' ? raw.token : `sandbox-token-${name}`,
    webhookSecret: typeof raw.webhookSecret === 'string' ? raw.webhookSecret : `whsec_${createHash('sha256').update(name).digest('base64')}`,
    rateLimit: { limit: rl.limit ?? 150, windowMs: rl.windowMs ?? 60_000 },
    refuseIfShort: raw.refuseIfShort === true,
    autoShipAfterMs: typeof raw.autoShipAfterMs === 'number' ? raw.autoShipAfterMs : 0,
    fulfillmentCenters:
      Array.isArray(raw.fulfillmentCenters) && raw.fulfillmentCenters.length > 0 ? (raw.fulfillmentCenters as FulfillmentCenter[]) : [...DEFAULT_CENTERS],
    bundles: Array.isArray(raw.bundles) ? (raw.bundles as WarehouseOptions['bundles']) : [],
  };
}

export interface WarehouseControl extends InstanceControl {
  receive(sku: string, quantity: number, reference?: string): void;
  adjust(sku: string, delta: number, reason?: string): void;
  returnStock(sku: string, quantity: number, orderRef?: string): void;
  /** The warehouse ships an allocated order: on hand and committed both fall. */
  ship(orderId: string): void;
}

export interface WarehouseInstance extends SandboxInstance {
  control: WarehouseControl;
}

export function createWarehouse(spec: InstanceSpec, ctx: SandboxContext): WarehouseInstance {
  const opts = warehouseOptions(spec.name, spec.options);
  const centers = opts.fulfillmentCenters;
  const store = createStore(
    () => ctx.faults.now(),
    centers.map((c) => c.id),
  );
  const inbound = createInbound();
  const stats = createCallStats();
  const hooks = createWarehouseHooks(ctx.webhooks, ctx.faults, createRng(ctx.seed, `warehouse/${spec.name}/webhooks`));
  // Subscriptions made through the test control sign with the instance's secret (the engine's config has it).
  const subscribe = (topic: string, url: string) => void hooks.subscribe([topic], url, opts.webhookSecret);
  const timers = new Set<NodeJS.Timeout>();
  let direct = 0;

  // a catalogue entry's barcode and name, where given, are the product's (catalogue discovery)
  for (const s of spec.skus ?? []) addItem(store, s.sku, s.quantity, { ...(s.barcode && { barcode: s.barcode }), ...(s.name && { name: s.name }) });
  for (const b of opts.bundles) store.bundles.set(b.sku, { sku: b.sku, name: b.name ?? b.sku, components: b.components });
  for (const w of webhooksFromOptions(spec.options)) subscribe(w.topic, w.url);

  // ShipBob has no inventory topic: stock changes fire nothing; order and return events do.
  store.listeners.push((e) => {
    if (e.type === 'inventory') return;
    if (e.change === 'shipped') hooks.emit('order.shipped', orderJson(e.order, store, centers));
    if (e.change === 'exception') hooks.emit('order.shipment.exception', shipmentJson(e.order, store, centers));
    if (e.change === 'cancelled') hooks.emit('order.shipment.cancelled', shipmentJson(e.order, store, centers));
    if (e.change === 'allocated' && opts.autoShipAfterMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (e.order.status === 'Processing') ship(store, e.order.id);
      }, opts.autoShipAfterMs * ctx.timeScale);
      timers.add(t);
    }
  });

  const http = createWarehouseHttp(ctx.faults, stats, opts.token, createSlidingWindow(opts.rateLimit.limit, opts.rateLimit.windowMs));

  const control: WarehouseControl = {
    setStock(sku, quantity) {
      const item = store.items.get(sku);
      if (!item) addItem(store, sku, quantity);
      else adjustOnHand(store, sku, quantity - item.onHand, 'cycle count');
    },
    getStock: (sku) => store.items.get(sku)?.onHand,
    shopperOrder(lines) {
      const r = createOrder(store, `direct-${++direct}`, lines, true);
      return r.ok ? { ok: true, orderId: String(r.order.id) } : { ok: false, reason: r.message };
    },
    cancelOrder(id) {
      try {
        cancel(store, Number(id));
        return true;
      } catch {
        return false;
      }
    },
    listSkus: () => [...store.items.keys()],
    subscribe,
    receive: (sku, quantity, reference) => void receive(store, inbound, sku, quantity, reference),
    adjust: (sku, delta, reason) => void adjustOnHand(store, sku, delta, reason ?? 'adjustment'),
    returnStock(sku, quantity, orderRef) {
      const done = processReturn(store, inbound, sku, quantity, orderRef);
      if (done) hooks.emit('return.completed', returnJson(done, centers));
    },
    ship: (orderId) => void ship(store, Number(orderId)),
    truth: () => ({
      inventory: [...store.items.values()].map((i) => ({
        sku: i.sku,
        inventory_id: i.inventoryId,
        fulfillment_center_id: i.centerId,
        on_hand: i.onHand,
        committed: i.committed,
        fulfillable: fulfillable(i),
        awaiting: i.awaiting,
        backordered: backordered(store, i.sku),
      })),
      orders: [...store.orders.values()].map((o) => ({
        id: o.id,
        reference_id: o.referenceId,
        shipment_id: o.shipmentId,
        status: o.status,
        lines: o.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      })),
      levels: [...store.items.values()].map((i) => inventoryLevelJson(i, store)),
      receivings: [...inbound.receivings.values()].map((w) => receivingJson(w, centers)),
      returns: [...inbound.returns.values()].map((r) => returnJson(r, centers)),
      ledger: store.ledger,
      webhooks: { subscriptions: hooks.list(), events: hooks.counts() },
    }),
  };

  return {
    platform: 'warehouse',
    name: spec.name,
    register(app: FastifyInstance, prefix: string) {
      void app.register(async (scope) => registerWarehouseRoutes(scope, { store, inbound, http, hooks, centers, refuseIfShort: opts.refuseIfShort }), {
        prefix,
      });
    },
    control,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

// ShipBob retries failed deliveries (immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
// 10 h); approximated by exponential backoff from 5 s over 8 retries.
registerPlatform('warehouse', createWarehouse, { webhookRetry: { attempts: 8, baseDelayMs: 5_000 }, webhookTimeoutMs: 15_000 });
