// Webhook registration against the Shopify and WooCommerce simulators, with the engine's
// own server as the address and a real PostgreSQL: an empty shop gets every topic, a
// re-run makes no change (counted calls), stale subscriptions go and other apps' stay,
// deliveries then reach the engine and pass its signature check, `remove` takes ours
// away, a 5xx mid-register leaves work that a re-run finishes, and a WooCommerce
// connection without a webhook secret is refused before any call.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import type { Connector } from '../../src/connectors/types.js';
import { registerWebhooks, removeWebhooks, webhookStatus } from '../../src/engine/webhook-registration.js';
import { startEngine, type RunningEngine } from '../../src/runtime/engine-process.js';
import { registerAtStart } from '../../src/runtime/register-at-start.js';
import { freePort } from '../../src/store/embedded.js';
import { lastRegistrations } from '../../src/store/webhook-registrations.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { WooInstance } from '../../sandbox/woocommerce/index.js';
import { eventually } from '../e2e/helpers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { engineHead, shopifyEntry, warehouseEntry, wooEntry } from '../helpers/webhook-connections.js';

const log = pino({ level: 'silent' });
let sb: RunningSandbox;
let testDb: TestDatabase;
let engine: RunningEngine;
let publicUrl: string;
let proxy: Server;
/** Makes the proxy in front of shopify/flaky answer 503 to every webhookSubscriptionCreate after the first. */
let failCreates = false;
let createsSeen = 0;

const deps = () => ({ db: engine.database.db, log });
const connector = (id: string) => engine.connectors.get(id) as Connector;
const calls = (key: string) => sb.instances.get(key)!.stats().calls;
const shop = () => sb.instances.get('shopify/shop')!;
const woo = () => sb.instances.get('woocommerce/store') as WooInstance;

/** A loopback proxy to the sandbox that plays a Shopify outage for creates only. */
async function startProxy(target: string): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (body.includes('webhookSubscriptionCreate') && ++createsSeen > 1 && failCreates) {
        res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>Service Unavailable</body></html>');
        return;
      }
      const out = httpRequest(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

beforeAll(async () => {
  testDb = await createTestDatabase({ migrate: false });
  sb = await startSandbox({
    port: 0,
    seed: 11,
    timeScale: 0.001,
    instances: [
      { platform: 'shopify', name: 'shop', skus: [{ sku: 'MUG', quantity: 20 }] },
      { platform: 'shopify', name: 'flaky', skus: [{ sku: 'MUG', quantity: 20 }] },
      { platform: 'woocommerce', name: 'store', skus: [{ sku: 'MUG', quantity: 20 }], options: { webhookQueueDelayMs: 0 } },
      { platform: 'woocommerce', name: 'bare', skus: [] },
      { platform: 'warehouse', name: 'wh', skus: [{ sku: 'MUG', quantity: 20 }] },
    ],
  });
  proxy = await startProxy(sb.url);
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  const proxied = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  // No server.publicUrl: the test drives each registration itself (test/cli/webhooks.test.ts covers the start).
  const yaml = `${engineHead('TEST_DATABASE_URL', '')}${warehouseEntry(sb.url)}${shopifyEntry('shop', `${sb.url}/shopify/shop`)}${shopifyEntry(
    'flaky',
    `${proxied}/shopify/flaky`,
    'retry: { attempts: 1, baseMs: 1, maxMs: 2 }',
  )}${wooEntry('woo', `${sb.url}/woocommerce/store`, 'whsec_ours_not_the_stores')}${wooEntry('bare', `${sb.url}/woocommerce/bare`)}
skus:
  - { sku: MUG, listings: { shop: {}, flaky: {}, woo: {} } }
`;
  engine = await startEngine(parseConfig(yaml, { TEST_DATABASE_URL: testDb.url }, 'test'), { port, logger: log });
  // The poller's first round checks WooCommerce's webhooks (one list) and then not for an hour:
  // wait for it, so that the calls counted below are the registrations' alone.
  await eventually('the first poll of woo', async () => (woo().stats().calls['GET webhooks'] ?? 0) >= 1);
});

afterAll(async () => {
  await engine?.stop();
  await new Promise((r) => proxy?.close(r));
  await sb?.close();
  await testDb?.drop();
});

describe('webhook registration', () => {
  it('creates every consumed topic on an empty Shopify shop and WooCommerce store', async () => {
    const s = await registerWebhooks(deps(), 'shop', connector('shop'), publicUrl);
    expect(s.state).toBe('done');
    expect(s.created.map((w) => w.topic).sort()).toEqual(['INVENTORY_LEVELS_UPDATE', 'ORDERS_CANCELLED', 'ORDERS_CREATE']);
    expect(s.registered.every((w) => w.address === `${publicUrl}/webhooks/shop`)).toBe(true);
    const w = await registerWebhooks(deps(), 'woo', connector('woo'), publicUrl);
    expect(w.state).toBe('done');
    expect(w.created.map((x) => x.topic).sort()).toEqual(['order.created', 'order.updated', 'product.updated']);
    // what the platforms hold now
    expect((shop().control.truth() as { webhooks: { topic: string; url: string }[] }).webhooks).toHaveLength(3);
    const hooks = (woo().control.truth() as { webhooks: { delivery_url: string; status: string }[] }).webhooks;
    expect(hooks.map((h) => [h.delivery_url, h.status])).toEqual(Array(3).fill([`${publicUrl}/webhooks/woo`, 'active']));
    const [rec] = (await lastRegistrations(engine.database.db)).filter((r) => r.connectionId === 'shop');
    expect(rec).toMatchObject({ ok: true, created: 3, kept: 0, removed: 0, missing: [], address: `${publicUrl}/webhooks/shop` });
  });

  it('changes nothing when run again: one list call per platform, no create, no delete', async () => {
    sb.instances.get('shopify/shop')!.resetStats();
    woo().resetStats();
    const s = await registerWebhooks(deps(), 'shop', connector('shop'), publicUrl);
    const w = await registerWebhooks(deps(), 'woo', connector('woo'), publicUrl);
    expect([s.state, s.created.length, s.removed.length, s.registered.length]).toEqual(['done', 0, 0, 3]);
    expect([w.state, w.created.length, w.removed.length, w.registered.length]).toEqual(['done', 0, 0, 3]);
    expect(calls('shopify/shop')).toEqual({ 'query webhookSubscriptions': 1 });
    expect(calls('woocommerce/store')).toEqual({ 'GET webhooks': 1 });
  });

  it("removes our stale subscriptions and keeps other apps' ones", async () => {
    const foreign = 'http://127.0.0.1:9/another-app/orders';
    shop().control.subscribe('orders/create', foreign);
    shop().control.subscribe('products/update', `${publicUrl}/webhooks/shop`); // a topic we do not consume
    shop().control.subscribe('orders/create', 'http://localhost:9/webhooks/shop'); // an old publicUrl of ours
    woo().control.subscribe('order.created', 'http://127.0.0.1:9/another-plugin');
    woo().control.subscribe('product.deleted', `${publicUrl}/webhooks/woo`);

    const before = await webhookStatus('shop', connector('shop'), publicUrl);
    expect(before.registered).toHaveLength(3);
    expect(before.stale.map((x) => [x.webhook.topic, x.reason]).sort()).toEqual([
      ['ORDERS_CREATE', 'old_address'],
      ['PRODUCTS_UPDATE', 'topic_not_consumed'],
    ]);
    expect(before.foreign).toBe(1);

    const s = await registerWebhooks(deps(), 'shop', connector('shop'), publicUrl);
    expect(s.removed.map((x) => x.address).sort()).toEqual([`${publicUrl}/webhooks/shop`, 'http://localhost:9/webhooks/shop']);
    const left = (shop().control.truth() as { webhooks: { topic: string; url: string }[] }).webhooks;
    expect(left).toContainEqual({ topic: 'orders/create', url: foreign });
    expect(left).toHaveLength(4);
    const w = await registerWebhooks(deps(), 'woo', connector('woo'), publicUrl);
    expect(w.removed.map((x) => x.topic)).toEqual(['product.deleted']);
    expect((woo().control.truth() as { webhooks: { delivery_url: string }[] }).webhooks.map((h) => h.delivery_url)).toContain(
      'http://127.0.0.1:9/another-plugin',
    );
    expect(calls('woocommerce/store')['DELETE webhooks/{id}']).toBe(1);
  });

  it('delivers to the engine after registration, and the engine verifies what it gets', async () => {
    expect(shop().control.shopperOrder([{ sku: 'MUG', quantity: 1 }]).ok).toBe(true);
    expect(woo().control.shopperOrder([{ sku: 'MUG', quantity: 2 }]).ok).toBe(true);
    const topics = await eventually('both orders in the inbox', async () => {
      const { rows } = await engine.database.db.query<{ connection_id: string; topic: string }>(
        `SELECT connection_id, topic FROM inbox WHERE topic IN ('orders/create', 'order.created') ORDER BY connection_id`,
      );
      return rows.length >= 2 ? rows.map((r) => `${r.connection_id} ${r.topic}`) : undefined;
    });
    expect(topics).toEqual(['shop orders/create', 'woo order.created']);
    // signed with the app secret (Shopify) and with the secret we gave at creation (WooCommerce, not the store's default)
    const { rows } = await engine.database.db.query(`SELECT count(*)::int AS n FROM quarantine WHERE connection_id IN ('shop', 'woo')`);
    expect(rows[0].n).toBe(0);
    await eventually('the orders recorded', async () => {
      const { rows: orders } = await engine.database.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE connection_id IN ('shop', 'woo')`);
      return orders[0]!.n === 2;
    });
  });

  it("remove takes every subscription of ours away and leaves the others'", async () => {
    const s = await removeWebhooks(deps(), 'shop', connector('shop'), publicUrl);
    expect([s.state, s.removed.length, s.foreign]).toEqual(['done', 3, 1]);
    expect((shop().control.truth() as { webhooks: { url: string }[] }).webhooks.map((h) => h.url)).toEqual(['http://127.0.0.1:9/another-app/orders']);
    const w = await removeWebhooks(deps(), 'woo', connector('woo'), publicUrl);
    expect([w.state, w.removed.length, w.foreign]).toEqual(['done', 3, 1]);
    const status = await webhookStatus('woo', connector('woo'), publicUrl);
    expect([status.registered.length, status.missing.length, status.stale.length]).toEqual([0, 3, 0]);
    const [rec] = (await lastRegistrations(engine.database.db)).filter((r) => r.connectionId === 'shop');
    expect(rec).toMatchObject({ ok: false, removed: 3 });
  });

  it('after a 5xx in the middle of a register, the next one converges', async () => {
    // An old address of ours is there: it must survive while its topic is not in place at the new one.
    const flaky = sb.instances.get('shopify/flaky')!;
    flaky.control.subscribe('orders/cancelled', 'http://localhost:9/webhooks/flaky');
    failCreates = true;
    const first = await registerWebhooks(deps(), 'flaky', connector('flaky'), publicUrl);
    expect(first.state).toBe('failed');
    expect(first.created).toHaveLength(1);
    expect(first.missing).toHaveLength(2);
    expect(first.failures.every((f) => f.action === 'create' && /503|Service Unavailable|SERVER/i.test(f.error))).toBe(true);
    const afterFirst = (flaky.control.truth() as { webhooks: { url: string }[] }).webhooks.map((h) => h.url);
    expect(afterFirst).toContain('http://localhost:9/webhooks/flaky');
    const [rec] = (await lastRegistrations(engine.database.db)).filter((r) => r.connectionId === 'flaky');
    expect(rec).toMatchObject({ ok: false, created: 1 });
    expect(rec!.missing).toHaveLength(2);

    failCreates = false;
    const second = await registerWebhooks(deps(), 'flaky', connector('flaky'), publicUrl);
    expect([second.state, second.created.length, second.registered.length, second.removed.length]).toEqual(['done', 2, 3, 1]);
    const third = await registerWebhooks(deps(), 'flaky', connector('flaky'), publicUrl);
    expect([third.created.length, third.removed.length]).toEqual([0, 0]);
    const urls = (flaky.control.truth() as { webhooks: { url: string }[] }).webhooks.map((h) => h.url);
    expect(urls).toEqual(Array(3).fill(`${publicUrl}/webhooks/flaky`));
  });

  it('two registrations of one connection at once never make duplicates (the lease lets one through)', async () => {
    // WooCommerce, unlike Shopify, takes a second webhook with the same topic and address
    const both = await Promise.all([
      registerWebhooks(deps(), 'woo', connector('woo'), publicUrl),
      registerWebhooks(deps(), 'woo', connector('woo'), publicUrl),
    ]);
    expect(both.some((r) => r.state === 'done')).toBe(true);
    for (const r of both) if (r.state === 'failed') expect(r.failures.map((f) => f.action)).toEqual(['lease']);
    const ours = (woo().control.truth() as { webhooks: { topic: string; delivery_url: string }[] }).webhooks.filter(
      (h) => h.delivery_url === `${publicUrl}/webhooks/woo`,
    );
    expect(ours.map((h) => h.topic).sort()).toEqual(['order.created', 'order.updated', 'product.updated']);
  });

  it('at start, a registration that failed is retried until it converges', async () => {
    const flaky = sb.instances.get('shopify/flaky')!;
    await removeWebhooks(deps(), 'flaky', connector('flaky'), publicUrl);
    createsSeen = 0;
    failCreates = true;
    const running = registerAtStart({
      db: engine.database.db,
      log,
      publicUrl,
      connectors: new Map([['flaky', connector('flaky')]]),
      retryBaseMs: 50,
      retryMaxMs: 100,
    });
    try {
      const [first] = await running.firstPass;
      expect([first!.state, first!.created.length]).toEqual(['failed', 1]);
      failCreates = false;
      await eventually('the retry registered the rest', async () => {
        const [rec] = (await lastRegistrations(engine.database.db)).filter((r) => r.connectionId === 'flaky');
        return rec?.ok === true;
      });
      expect((flaky.control.truth() as { webhooks: { url: string }[] }).webhooks.map((h) => h.url)).toEqual(Array(3).fill(`${publicUrl}/webhooks/flaky`));
    } finally {
      running.stop();
    }
  });

  it('refuses a WooCommerce register without a webhook secret, before any call', async () => {
    sb.instances.get('woocommerce/bare')!.resetStats();
    const r = await registerWebhooks(deps(), 'bare', connector('bare'), publicUrl);
    expect(r.state).toBe('failed');
    expect(r.failures[0]!.error).toMatch(/woocommerce connection bare: credentials\.webhookSecret is required to register webhooks/);
    expect(sb.instances.get('woocommerce/bare')!.stats().calls).toEqual({});
    const [rec] = (await lastRegistrations(engine.database.db)).filter((x) => x.connectionId === 'bare');
    expect(rec).toMatchObject({ ok: false, created: 0, missing: ['order.created', 'order.updated', 'product.updated'] });
    expect(rec!.error).toMatch(/^check bare: woocommerce connection bare: credentials\.webhookSecret is required/);
  });

  it('registers the ShipBob warehouse order webhooks through its subscription API; a re-run creates nothing', async () => {
    const before = await webhookStatus('wh', connector('wh'), publicUrl);
    expect(before.state).toBe('done');
    expect(before.missing.length).toBeGreaterThan(0);
    const r = await registerWebhooks(deps(), 'wh', connector('wh'), publicUrl);
    expect(r.failures).toEqual([]);
    expect(r.missing).toEqual([]);
    expect(r.registered.map((w) => w.topic).sort()).toEqual([...before.missing].sort());
    const again = await registerWebhooks(deps(), 'wh', connector('wh'), publicUrl);
    expect(again.created).toEqual([]);
    expect(again.removed).toEqual([]);
  });
});
