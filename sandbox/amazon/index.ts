// Amazon SP-API simulator: one instance = one seller, mounted at /amazon/<seller>/ with
// /listings/2021-08-01/... and /orders/v0/... below it.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { webhooksFromOptions, type InstanceSpec, type SandboxContext, type SandboxInstance } from '../core/instance.js';
import { registerPlatform } from '../core/registry.js';
import { createRng } from '../core/rng.js';
import { createCallStats } from '../core/stats.js';
import { createWebhookSubscriptions } from '../core/webhooks.js';
import { createAmazonHttp } from './http.js';
import { listingJson, registerListingRoutes } from './listings.js';
import { registerSearchRoute } from './search.js';
import { AMAZON_NOTIFICATION_TYPES, envelope, orderChangePayload, quantityPayload, type AmazonNotificationType } from './notifications.js';
import { orderJson, registerOrderRoutes } from './orders.js';
import { createSellerQueue, sqsOptions } from './sqs.js';
import { createReportsSim, reportOptions } from './reports.js';
import { addListing, applySubmission, cancelOrder, createStore, defaultQuantity, placeOrder, setFbaStock, setQuantity, type Submission } from './store.js';
import { fbaOptions, registerFbaInventoryRoute } from './fba-inventory.js';

export interface AmazonOptions {
  sellerId: string;
  marketplaceId: string;
  accessToken: string;
  applicationId: string;
  /** Platform ms between ACCEPTED and the quantity showing (Amazon: "minutes"; unverified). */
  processingDelayMs: number;
  /** Platform ms before a new order shows in getOrders (Amazon's indexing lag; unverified). */
  orderVisibilityDelayMs: number;
  /** Multiplies the documented rates so tests need not wait a minute per getOrders token. */
  rateScale: number;
}

export function amazonOptions(name: string, raw: Record<string, unknown> = {}): AmazonOptions {
  const num = (k: string, d: number): number => (typeof raw[k] === 'number' ? (raw[k] as number) : d);
  const str = (k: string, d: string): string => (typeof raw[k] === 'string' ? (raw[k] as string) : d);
  const digest = createHash('sha256').update(name).digest('hex').toUpperCase();
  return {
    sellerId: str('sellerId', `A${digest.replace(/[^A-Z0-9]/g, '').slice(0, 13)}`),
    marketplaceId: str('marketplaceId', 'ATVPDKIKX0DER'),
    accessToken: str('accessToken', `Atza|${name}`),
    applicationId: str('applicationId', `amzn1.sellerapps.app.${digest.slice(0, 8).toLowerCase()}-sandbox`),
    processingDelayMs: num('processingDelayMs', 60_000),
    orderVisibilityDelayMs: num('orderVisibilityDelayMs', 0),
    rateScale: num('rateScale', 1),
  };
}

export function createAmazon(spec: InstanceSpec, ctx: SandboxContext): SandboxInstance {
  const opts = amazonOptions(spec.name, spec.options);
  const now = () => ctx.faults.now();
  const store = createStore(opts.sellerId, opts.marketplaceId, now, createRng(ctx.seed, `amazon/${spec.name}/store`));
  const stats = createCallStats();
  const subs = createWebhookSubscriptions(webhooksFromOptions(spec.options));
  const timers = new Set<NodeJS.Timeout>();
  const notified: Record<AmazonNotificationType, number> = { ORDER_CHANGE: 0, LISTINGS_ITEM_MFN_QUANTITY_CHANGE: 0 };
  const envCtx = {
    applicationId: opts.applicationId,
    subscriptionId: (t: AmazonNotificationType) => `${t.toLowerCase()}-${opts.sellerId.toLowerCase()}`,
    rng: createRng(ctx.seed, `amazon/${spec.name}/notifications`),
    now,
  };

  // A seller's listings were created over time, one a second here (searchListingsItems
  // sorts and filters by creation date).
  const initial = spec.skus ?? [];
  initial.forEach((s, i) => {
    const created = new Date(now().getTime() - (initial.length - i) * 1000);
    addListing(store, s.sku, s.quantity, { created, ...(s.name && { itemName: s.name }) });
  });
  // FBA (option `fba`): some SKUs also held by Amazon; shoppers buy those AFN at afnShare.
  const fba = fbaOptions(spec.options?.['fba']);
  for (const [sku, units] of Object.entries(fba?.skus ?? {})) if (store.listings.has(sku)) setFbaStock(store, sku, units);
  const fulfilmentRng = createRng(ctx.seed, `amazon/${spec.name}/fulfilment`);
  const shopperFulfillment = (lines: { sku: string; quantity: number }[]): 'MFN' | 'AFN' =>
    fba && lines.every((l) => (store.fba.get(l.sku)?.fulfillable ?? 0) >= l.quantity) && fulfilmentRng.next() < fba.afnShare ? 'AFN' : 'MFN';
  const sqs = sqsOptions(spec.name, spec.options?.['sqs']);
  const queue = sqs && createSellerQueue({ name: spec.name, options: sqs, seed: ctx.seed, faults: ctx.faults, timeScale: ctx.timeScale, stats });

  const notify = (type: AmazonNotificationType, payload: unknown): void => {
    const urls = subs.urlsFor(type);
    if (urls.length === 0 && !queue) return;
    notified[type]++;
    // One envelope (and NotificationId) per event; the fault profile's duplicates resend it as is.
    const body = JSON.stringify(envelope(envCtx, type, now(), payload));
    for (const url of urls) ctx.webhooks.send({ url, headers: {}, body });
    queue?.publish(body);
  };
  store.listeners.push((e) => {
    if (e.type === 'quantity') notify('LISTINGS_ITEM_MFN_QUANTITY_CHANGE', quantityPayload(opts.sellerId, e.sku, e.channel, e.quantity));
    else notify('ORDER_CHANGE', orderChangePayload(opts.sellerId, opts.marketplaceId, e.order, e.change === 'created' ? 'Order created' : 'Order canceled'));
  });

  const schedule = (sub: Submission): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      applySubmission(store, sub);
    }, opts.processingDelayMs * ctx.timeScale);
    timers.add(t);
  };
  let acceptedToken = opts.accessToken;
  const http = createAmazonHttp({
    faults: ctx.faults,
    stats,
    rng: createRng(ctx.seed, `amazon/${spec.name}/requests`),
    accessToken: () => acceptedToken,
    rateScale: opts.rateScale,
    retryAfter: spec.options?.['retryAfterHeader'] === true,
  });
  const reports = createReportsSim(store, reportOptions(spec.options?.['reports']), ctx.timeScale, createRng(ctx.seed, `amazon/${spec.name}/reports`));

  return {
    platform: 'amazon',
    name: spec.name,
    register(app: FastifyInstance, prefix: string) {
      void app.register(
        async (scope) => {
          registerListingRoutes(scope, { store, http, schedule });
          registerSearchRoute(scope, { store, http });
          registerOrderRoutes(scope, { store, http });
          registerFbaInventoryRoute(scope, { store, http, tokenTtlMs: (fba?.tokenTtlMs ?? 30_000) * ctx.timeScale });
          queue?.register(scope);
          reports.register(scope, http, prefix);
        },
        { prefix },
      );
    },
    control: {
      setStock(sku, quantity) {
        const listing = store.listings.get(sku) ?? addListing(store, sku, quantity);
        setQuantity(store, listing, 'DEFAULT', quantity);
      },
      getStock: (sku) => {
        const l = store.listings.get(sku);
        return l && defaultQuantity(l);
      },
      shopperOrder(lines) {
        const r = placeOrder(store, lines, opts.orderVisibilityDelayMs * ctx.timeScale, shopperFulfillment(lines));
        return r.ok ? { ok: true, orderId: r.order.id } : r;
      },
      afnOrder(lines) {
        const r = placeOrder(store, lines, opts.orderVisibilityDelayMs * ctx.timeScale, 'AFN');
        return r.ok ? { ok: true, orderId: r.order.id } : r;
      },
      setFbaStock(sku, quantity) {
        if (!store.listings.has(sku)) addListing(store, sku, 0);
        setFbaStock(store, sku, quantity);
      },
      getFbaStock: (sku) => store.fba.get(sku)?.fulfillable,
      cancelOrder: (id) => cancelOrder(store, id),
      setAccessToken(token) {
        acceptedToken = token;
      },
      listSkus: () => [...store.listings.keys()],
      removeSku: (sku) => (store.listings.delete(sku) ? 1 : 0),
      subscribe(topic, url) {
        if (topic !== '*' && !AMAZON_NOTIFICATION_TYPES.includes(topic as AmazonNotificationType)) {
          throw new Error(`unknown SP-API notification type ${topic} (${AMAZON_NOTIFICATION_TYPES.join(', ')})`);
        }
        subs.subscribe(topic, url);
      },
      truth: () => ({
        sellerId: opts.sellerId,
        marketplaceId: opts.marketplaceId,
        listings: [...store.listings.values()].map((l) => ({
          ...listingJson(l, store, ['fulfillmentAvailability']),
          asin: l.asin,
          pendingSubmissions: store.submissions.filter((s) => s.sku === l.sku && !s.appliedAt).map((s) => s.submissionId),
        })),
        submissions: store.submissions.map((s) => ({
          submissionId: s.submissionId,
          sku: s.sku,
          acceptedAt: s.acceptedAt.toISOString(),
          appliedAt: s.appliedAt?.toISOString() ?? null,
        })),
        orders: [...store.orders.values()].map((o) => ({ ...orderJson(o, opts.marketplaceId), items: o.items })),
        fba: Object.fromEntries([...store.fba].map(([sku, f]) => [sku, { fulfillable: f.fulfillable, reserved: f.pendingCustomerOrder }])),
        notifications: { ...notified, subscriptions: subs.list(), ...(queue && { sqs: queue.truth() }) },
        ...(reports.truth() as object),
      }),
    },
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    close() {
      queue?.close();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      reports.close();
    },
  };
}

// SQS keeps an unacknowledged message and delivers it again after the visibility
// timeout (30 s by default); the HTTP stand-in retries the same way.
registerPlatform('amazon', createAmazon, { webhookRetry: { attempts: 5, baseDelayMs: 30_000 }, webhookTimeoutMs: 5_000 });
