import type { FastifyInstance, FastifyReply } from 'fastify';
import { withRequestFaults, type FaultErrorShapes } from '../core/faults.js';
import { webhooksFromOptions, type InstanceFactory, type SandboxInstance } from '../core/instance.js';
import { createCallStats } from '../core/stats.js';
import { createCostBucket, type CostBucket } from './bucket.js';
import { API_VERSION, BUCKET_SIZE_MULTIPLIER, MESSAGES, PLAN_RESTORE_RATE, type ShopifyPlan } from './constants.js';
import { createShopifyEvents } from './events.js';
import { runGraphql, type GraphqlRequestBody } from './graphql.js';
import { createRootValue, type ShopRuntime } from './resolvers.js';
import { createBulkOperations, type BulkControl } from './bulk.js';
import { createShopControl } from './control.js';
import { addItem, createShopState } from './store.js';
import { createShopSubscriptions } from './subscriptions.js';

/**
 * A Shopify shop. Options (all optional):
 *   accessToken      required value of X-Shopify-Access-Token (default: any non-empty token)
 *   appSecret        key of X-Shopify-Hmac-Sha256 (default "sandbox-app-secret")
 *   plan             standard | advanced | plus | enterprise (restore 100/200/1000/2000 points/s)
 *   restoreRate, bucketSize   override the plan's numbers (e.g. 1e9 for "unlimited")
 *   locations        location names (default ["Main warehouse"]); stock starts at the first
 *   stockAtAllLocations  items stocked (activated) at every location, not only the first
 *   utcOffsetMinutes the shop's zone for webhook timestamps (default -300)
 *   webhooks         [{topic, url}] initial subscriptions (listed by webhookSubscriptions too)
 *   bulkObjectsPerSecond  how fast a bulk operation reads the shop (real time, not scaled)
 *   bulkUrlTtlMs     how long a bulk result URL lives (default 7 days)
 */
export interface ShopifyOptions {
  accessToken?: string;
  appSecret?: string;
  plan?: ShopifyPlan;
  restoreRate?: number;
  bucketSize?: number;
  locations?: string[];
  utcOffsetMinutes?: number;
  stockAtAllLocations?: boolean;
  bulkObjectsPerSecond?: number;
  bulkUrlTtlMs?: number;
}

/** A Shopify instance, with the control of its bulk operations (tests, benchmarks). */
export interface ShopifyInstance extends SandboxInstance {
  bulk: BulkControl;
}

export const createShopifyInstance: InstanceFactory = (spec, ctx) => {
  const opts = (spec.options ?? {}) as ShopifyOptions;
  const plan = opts.plan ?? 'standard';
  if (!(plan in PLAN_RESTORE_RATE)) throw new Error(`shopify/${spec.name}: unknown plan "${plan}"`);
  const restoreRate = opts.restoreRate ?? PLAN_RESTORE_RATE[plan];
  // Shopify limits per app and store: one bucket per access token (one token = one app)
  const buckets = new Map<string, CostBucket>();
  const bucketFor = (token: string) => {
    let b = buckets.get(token);
    if (!b) buckets.set(token, (b = createCostBucket(restoreRate, opts.bucketSize ?? restoreRate * BUCKET_SIZE_MULTIPLIER)));
    return b;
  };
  const stats = createCallStats();
  // one list for API-created and control-API subscriptions: deliveries go where it says
  const subscriptions = createShopSubscriptions(webhooksFromOptions(spec.options), () => ctx.faults.now());
  const state = createShopState(opts.locations ?? ['Main warehouse']);
  const domain = `${spec.name}.myshopify.com`;
  let groupSeq = 0;

  const runtime: ShopRuntime = {
    state,
    shop: { name: spec.name, domain, timezone: 'America/New_York' },
    now: () => ctx.faults.now(),
    events: createShopifyEvents({
      shopDomain: domain,
      appSecret: opts.appSecret ?? 'sandbox-app-secret',
      utcOffsetMinutes: opts.utcOffsetMinutes ?? -300,
      sender: ctx.webhooks,
      subscriptions,
      rng: ctx.rng,
      now: () => ctx.faults.now(),
    }),
    idempotency: new Map(),
    stockEverywhere: opts.stockAtAllLocations ?? false,
    nextGroupId: () => `gid://shopify/InventoryAdjustmentGroup/${58372178 + ++groupSeq}`,
  };
  for (const { sku, quantity, barcode, name } of spec.skus ?? []) {
    addItem(state, sku, quantity, runtime.now(), ctx.rng, opts.stockAtAllLocations, { ...(barcode && { barcode }), ...(name && { title: name }) });
  }
  const bulk = createBulkOperations({
    rootValue: () => rootValue,
    now: runtime.now,
    finished: (body) => runtime.events.bulkOperationFinished(body),
    secret: `${opts.appSecret ?? 'sandbox-app-secret'}:bulk:${spec.name}`,
    ...(opts.bulkObjectsPerSecond !== undefined && { objectsPerSecond: opts.bulkObjectsPerSecond }),
    ...(opts.bulkUrlTtlMs !== undefined && { urlTtlMs: opts.bulkUrlTtlMs }),
  });
  const rootValue = { ...createRootValue(runtime), ...subscriptions.root(), ...bulk.root };
  let mountedAt = '';

  const shapes: FaultErrorShapes = {
    rateLimited: (reply, retryAfter) =>
      reply
        .code(429)
        .header('retry-after', ctx.timeScale === 1 ? '2.0' : retryAfter(2))
        .type('application/json')
        .send(MESSAGES.fault429),
    serverError: (reply) =>
      ctx.rng.chance(0.5)
        ? reply.code(503).type('text/html').send('<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>')
        : reply.code(500).send({ errors: 'Internal Server Error' }),
  };
  const onFault = (outcome: string) => (outcome === '429' ? stats.throttled() : stats.error());

  async function graphql(request: { headers: Record<string, unknown>; body: unknown; protocol?: string }, reply: FastifyReply) {
    const token = request.headers['x-shopify-access-token'];
    if (typeof token !== 'string' || token === '' || (opts.accessToken !== undefined && token !== opts.accessToken)) {
      stats.call('unauthorized');
      reply.code(401);
      return { errors: MESSAGES.unauthorized };
    }
    // results are served by this instance: their URLs name the host the client reached
    const origin = `${request.protocol ?? 'http'}://${String(request.headers['host'])}${mountedAt}`;
    const answer = await runGraphql((request.body ?? {}) as GraphqlRequestBody, bucketFor(token), rootValue, { app: token, origin });
    stats.call(answer.label);
    if (answer.throttled) stats.throttled();
    // returned, not sent: a fault-injected timeout must be able to swallow it
    reply.code(answer.status);
    return answer.body;
  }

  const instance: ShopifyInstance = {
    platform: 'shopify',
    name: spec.name,
    bulk: bulk.control,
    close: () => bulk.close(),
    register(app: FastifyInstance, prefix: string) {
      mountedAt = prefix;
      // the bulk result files, as Shopify's storage serves them: signed, expiring, no token
      app.get(`${prefix}/bulk-results/:file`, bulk.download);
      // plain JSON.parse: the default parser's prototype-poisoning scan is a second pass
      // over 40 kB bodies, and nothing here merges a body into another object
      app.removeContentTypeParser('application/json');
      app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
        try {
          done(null, JSON.parse(body as string));
        } catch {
          done(Object.assign(new Error('Body is not valid JSON'), { statusCode: 400 }), undefined);
        }
      });
      app.post(`${prefix}/admin/api/${API_VERSION}/graphql.json`, withRequestFaults(ctx.faults, shapes, graphql, onFault));
      app.post(`${prefix}/admin/api/:version/graphql.json`, async (_request, reply) =>
        reply.code(404).send({ errors: `The sandbox implements API version ${API_VERSION} only` }),
      );
    },
    control: createShopControl(runtime, subscriptions, ctx.rng),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
  };
  return instance;
};
