// WooCommerce REST v3 simulator: one instance = one store, mounted at
// /woocommerce/<store>/wp-json/wc/v3/...
import type { FastifyInstance } from 'fastify';
import type { InstanceSpec, SandboxContext, SandboxInstance, SkuSpec } from '../core/instance.js';
import { webhooksFromOptions } from '../core/instance.js';
import { registerPlatform } from '../core/registry.js';
import { createCallStats } from '../core/stats.js';
import { createWooHttp } from './http.js';
import { registerOrderRoutes, webhookJson } from './orders.js';
import { registerProductRoutes } from './products.js';
import { itemJson, orderJson, wpDate } from './serialize.js';
import { addProduct, addVariation, cancelOrder, createStore, deleteItem, findBySku, placeOrder, updateItem } from './store.js';
import { createWooWebhooks, WOO_MAX_DELIVERY_FAILURES, WOO_TOPICS, type WooTopic } from './webhooks.js';

export interface WooOptions {
  consumerKey: string;
  consumerSecret: string;
  /** Site timezone as a UTC offset; `date_*` fields and zone-less filters use it. */
  timezoneOffsetMinutes: number;
  /** 0: every SKU is a simple product; n: SKUs are grouped n at a time as variations of variable products. */
  variationsPerProduct: number;
  /** Secret for webhooks created through the control API. */
  webhookSecret: string;
  /** Platform ms from an event to its queued delivery running (Action Scheduler), unverified. */
  webhookQueueDelayMs: number;
  /** Real ms before a delivery is abandoned (WC_Webhook::deliver uses 60 s). */
  webhookTimeoutMs: number;
  maxDeliveryFailures: number;
}

export function wooOptions(name: string, raw: Record<string, unknown> = {}): WooOptions {
  const num = (k: string, d: number): number => (typeof raw[k] === 'number' ? (raw[k] as number) : d);
  const str = (k: string, d: string): string => (typeof raw[k] === 'string' ? (raw[k] as string) : d);
  return {
    consumerKey: str('consumerKey', `ck_${name}`),
    consumerSecret: str('consumerSecret', `cs_${name}`),
    timezoneOffsetMinutes: num('timezoneOffsetMinutes', 0),
    variationsPerProduct: num('variationsPerProduct', 0),
    webhookSecret: str('webhookSecret', `whsec_${name}`),
    webhookQueueDelayMs: num('webhookQueueDelayMs', 1000),
    webhookTimeoutMs: num('webhookTimeoutMs', 60_000),
    maxDeliveryFailures: num('maxDeliveryFailures', WOO_MAX_DELIVERY_FAILURES),
  };
}

export interface WooInstance extends SandboxInstance {
  /** Waits for queued and in-flight webhook deliveries (the server's flush does not see them). */
  flushWebhooks(): Promise<void>;
}

export function createWooCommerce(spec: InstanceSpec, ctx: SandboxContext): WooInstance {
  const opts = wooOptions(spec.name, spec.options);
  const store = createStore(() => ctx.faults.now());
  const stats = createCallStats();
  let sourceOf = (): string => `http://127.0.0.1/woocommerce/${spec.name}/`;
  const tz = opts.timezoneOffsetMinutes;
  const apiBase = () => `${sourceOf()}wp-json/wc/v3`;

  const hooks = createWooWebhooks({
    faults: ctx.faults,
    seed: ctx.seed,
    label: `woocommerce/${spec.name}`,
    timeScale: ctx.timeScale,
    queueDelayMs: opts.webhookQueueDelayMs,
    deliveryTimeoutMs: opts.webhookTimeoutMs,
    maxFailures: opts.maxDeliveryFailures,
    source: () => sourceOf(),
    payload: (resource, id) => {
      if (resource === 'order') {
        const o = store.orders.get(id);
        return o && orderJson(o, tz);
      }
      const item = store.items.get(id);
      return item && itemJson(item, store, tz, apiBase());
    },
  });
  store.listeners.push((kind, id, event) => hooks.event(kind, event, id));

  const details = (s: SkuSpec) => ({ ...(s.name && { name: s.name }), ...(s.barcode && { globalUniqueId: s.barcode }) });
  // Catalogue: simple products, or variable products holding n variations each.
  const skus = spec.skus ?? [];
  const per = Math.max(0, Math.floor(opts.variationsPerProduct));
  for (let i = 0; i < skus.length; i += per || 1) {
    const group = skus.slice(i, i + (per || 1));
    if (per === 0) {
      const s = group[0]!;
      addProduct(store, { sku: s.sku, stockQuantity: s.quantity, ...details(s) });
      continue;
    }
    const parent = addProduct(store, { sku: `${group[0]!.sku}-PARENT`, type: 'variable' });
    for (const s of group) addVariation(store, parent.id, { sku: s.sku, stockQuantity: s.quantity, ...details(s) });
  }

  const subscribe = (topic: string, url: string): void => {
    if (!WOO_TOPICS.includes(topic as WooTopic)) throw new Error(`unknown WooCommerce topic ${topic} (${WOO_TOPICS.join(', ')})`);
    hooks.create({ topic: topic as WooTopic, deliveryUrl: url, secret: opts.webhookSecret });
  };
  for (const w of webhooksFromOptions(spec.options)) subscribe(w.topic, w.url);

  const http = createWooHttp(ctx.faults, stats, () => ({ key: opts.consumerKey, secret: opts.consumerSecret }));

  return {
    platform: 'woocommerce',
    name: spec.name,
    register(app: FastifyInstance, prefix: string) {
      // X-WC-Webhook-Source is the site's home URL; known once the server listens.
      sourceOf = () => {
        const addr = app.server.address();
        return addr && typeof addr === 'object' ? `http://127.0.0.1:${addr.port}${prefix}/` : `http://127.0.0.1${prefix}/`;
      };
      void app.register(
        async (scope) => {
          registerProductRoutes(scope, { store, http, tzOffset: tz, base: apiBase });
          registerOrderRoutes(scope, { store, http, hooks, tzOffset: tz });
        },
        { prefix: `${prefix}/wp-json/wc/v3` },
      );
    },
    control: {
      setStock(sku, quantity) {
        const item = findBySku(store, sku);
        if (!item) {
          addProduct(store, { sku, stockQuantity: quantity });
          return;
        }
        updateItem(store, item, { manageStock: true, stockQuantity: quantity });
      },
      getStock: (sku) => findBySku(store, sku)?.stockQuantity ?? undefined,
      removeSku(sku) {
        const item = findBySku(store, sku);
        if (!item) return 0;
        deleteItem(store, item);
        return 1;
      },
      shopperOrder(lines) {
        const r = placeOrder(store, lines);
        return r.ok ? { ok: true, orderId: String(r.order.id) } : r;
      },
      cancelOrder: (id) => cancelOrder(store, Number(id)),
      listSkus: () => [...store.items.values()].filter((i) => i.type !== 'variable').map((i) => i.sku),
      subscribe,
      truth: () => ({
        products: [...store.items.values()].map((i) => ({
          id: i.id,
          parent_id: i.parentId,
          type: i.type,
          sku: i.sku,
          manage_stock: i.manageStock,
          stock_quantity: i.stockQuantity,
          stock_status: i.stockStatus,
          date_modified_gmt: wpDate(i.modified),
        })),
        orders: [...store.orders.values()].map((o) => orderJson(o, tz)),
        webhooks: hooks.list().map((h) => ({ ...webhookJson(h, tz), failure_count: h.failureCount, deliveries: h.deliveries })),
        webhookStats: hooks.stats(),
      }),
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    close: () => hooks.close(),
    flushWebhooks: () => hooks.flush(),
  };
}

registerPlatform('woocommerce', createWooCommerce, { webhookRetry: 'none', webhookTimeoutMs: 60_000 });
