// WooCommerce connector against the WooCommerce simulator over loopback.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import { hmacSha256Base64 } from '../../src/connectors/signature.js';
import type { ChannelConnector, ListingRef, WebhookInput } from '../../src/connectors/types.js';
import { createConnector } from '../../src/connectors/index.js';
import { create } from '../../src/connectors/woocommerce/index.js';
import { parseWooWebhook } from '../../src/connectors/woocommerce/webhooks.js';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { WooInstance } from '../../sandbox/woocommerce/index.js';
import { asInput, eventually, parsesOrRejects, sleep, startReceiver } from './woocommerce-helpers.js';

const skus = (prefix: string, n: number, quantity = 10) => Array.from({ length: n }, (_, i) => ({ sku: `${prefix}-${i + 1}`, quantity }));
const fastRetry = { attempts: 8, baseMs: 5, maxMs: 40 };

let sb: RunningSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const inst = (name: string) => sb.instances.get(`woocommerce/${name}`) as WooInstance;
const connector = (name: string, extra: Record<string, unknown> = {}): ChannelConnector =>
  create({
    connectionId: `woo-${name}`,
    baseUrl: `${sb.url}/woocommerce/${name}`,
    credentials: { consumerKey: `ck_${name}`, consumerSecret: `cs_${name}`, webhookSecret: `whsec_${name}` },
    options: { retry: fastRetry, ...extra },
  });
const refs = (names: string[], startId = 1): ListingRef[] => names.map((sku, i) => ({ listingId: startId + i, sku, platformIds: {} }));
async function resolved(c: ChannelConnector, names: string[]): Promise<ListingRef[]> {
  const listings = refs(names);
  const ids = await c.resolveListings(listings);
  return listings.map((l) => ({ ...l, platformIds: ids.get(l.listingId) ?? {} }));
}

beforeAll(async () => {
  receiver = await startReceiver();
  sb = await startSandbox({
    seed: 3,
    timeScale: 0.01,
    faults: { 'woocommerce/flaky': { ...FAULT_PROFILES.none, rate5xx: 0.3 }, default: 'none' },
    instances: [
      { platform: 'woocommerce', name: 'store', skus: skus('W', 5) },
      { platform: 'woocommerce', name: 'vars', skus: skus('V', 6), options: { variationsPerProduct: 3 } },
      { platform: 'woocommerce', name: 'big', skus: skus('B', 120, 1000) },
      { platform: 'woocommerce', name: 'flaky', skus: skus('F', 20) },
      { platform: 'woocommerce', name: 'hooks', skus: skus('H', 3) },
    ],
  });
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});

describe('WooCommerce push', () => {
  it('is registered with the connector factory', async () => {
    const c = await createConnector('woocommerce', { connectionId: 'w', baseUrl: sb.url, credentials: { consumerKey: 'k', consumerSecret: 's' }, options: {} });
    expect(c).toMatchObject({ kind: 'channel', platform: 'woocommerce' });
    const a = await createConnector('amazon', {
      connectionId: 'a',
      baseUrl: sb.url,
      credentials: { accessToken: 't' },
      options: { sellerId: 'S', marketplaceId: 'M' },
    });
    expect(a).toMatchObject({ kind: 'channel', platform: 'amazon', capabilities: { maxBatch: 10, asyncApply: true, webhookVerification: 'url-token' } });
  });

  it('declares its capabilities', () => {
    const c = connector('store');
    expect(c.capabilities).toEqual({
      maxBatch: 100,
      compareAndSet: false,
      relativeAdjust: false,
      webhookVerification: 'hmac-sha256-base64',
      asyncApply: false,
      rateLimit: { kind: 'none' },
    });
    expect(connector('store', { requestsPerSecond: 4 }).capabilities.rateLimit).toEqual({ kind: 'token-bucket', ratePerSecond: 4, burst: 4 });
  });

  it('applies a batch and the store shows the new counts', async () => {
    const c = connector('store');
    const listings = await resolved(c, ['W-1', 'W-2']);
    expect(listings[0]!.platformIds).toEqual({ productId: expect.stringMatching(/^\d+$/) });
    const out = await c.push([
      { listing: listings[0]!, quantity: 7, expected: 10 },
      { listing: listings[1]!, quantity: 4, expected: null },
    ]);
    expect(out).toEqual([
      { status: 'applied', listingId: 1, quantity: 7 },
      { status: 'applied', listingId: 2, quantity: 4 },
    ]);
    expect(inst('store').control.getStock('W-1')).toBe(7);
    expect(await c.readQuantities(listings)).toEqual(
      new Map([
        [1, 7],
        [2, 4],
      ]),
    );
  });

  it('reports a shopper sale between our read and write as stale instead of overwriting it', async () => {
    const c = connector('store');
    const listings = await resolved(c, ['W-3', 'W-4']);
    // The engine last pushed 10; a shopper buys 2 right before our push lands.
    expect(inst('store').control.shopperOrder([{ sku: 'W-3', quantity: 2 }]).ok).toBe(true);
    const out = await c.push([
      { listing: listings[0]!, quantity: 9, expected: 10 },
      { listing: listings[1]!, quantity: 9, expected: 10 },
    ]);
    expect(out).toEqual([
      { status: 'stale', listingId: 1, actual: 8 },
      { status: 'applied', listingId: 2, quantity: 9 },
    ]);
    expect(inst('store').control.getStock('W-3')).toBe(8); // the sale survived
  });

  it('refuses more than 100 items before sending anything', async () => {
    const c = connector('big');
    inst('big').resetStats();
    const items = refs(skus('B', 101).map((s) => s.sku)).map((listing, i) => ({
      listing: { ...listing, platformIds: { productId: String(10 + i) } },
      quantity: 1,
      expected: null,
    }));
    await expect(c.push(items)).rejects.toMatchObject({ connectorCode: 'REJECTED' });
    expect(inst('big').stats().calls).toEqual({});
    // 100 is fine, in one read and one batch write.
    const listings = await resolved(
      c,
      skus('B', 100).map((s) => s.sku),
    );
    inst('big').resetStats();
    const out = await c.push(listings.map((listing) => ({ listing, quantity: 5, expected: 1000 })));
    expect(out.every((o) => o.status === 'applied')).toBe(true);
    expect(inst('big').stats().calls).toEqual({ 'GET products': 1, 'POST products/batch': 1 });
  });

  it('fails bad items alone: unresolved listing, negative quantity, unknown product', async () => {
    const c = connector('store');
    const [ok] = await resolved(c, ['W-5']);
    const out = await c.push([
      { listing: { listingId: 7, sku: 'X', platformIds: {} }, quantity: 1, expected: null },
      { listing: { ...ok!, listingId: 8 }, quantity: -1, expected: null },
      { listing: { listingId: 9, sku: 'GONE', platformIds: { productId: '999999' } }, quantity: 1, expected: null },
      { listing: ok!, quantity: 3, expected: 10 },
    ]);
    expect(out.map((o) => o.status)).toEqual(['failed', 'failed', 'failed', 'applied']);
    expect(out.map((o) => (o.status === 'failed' ? o.error.connectorCode : null))).toEqual(['REJECTED', 'REJECTED', 'NOT_FOUND', null]);
  });

  it('pushes variations through products/{id}/variations/batch', async () => {
    const c = connector('vars');
    const listings = await resolved(c, ['V-1', 'V-5']);
    expect(listings[0]!.platformIds).toEqual({ productId: expect.any(String), variationId: expect.any(String) });
    inst('vars').resetStats();
    const out = await c.push(listings.map((listing) => ({ listing, quantity: 2, expected: 10 })));
    expect(out.map((o) => o.status)).toEqual(['applied', 'applied']);
    expect(inst('vars').control.getStock('V-5')).toBe(2);
    expect(inst('vars').stats().calls['POST variations/batch']).toBe(2);
    const all = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = await c.listQuantities(cursor, []);
      all.push(...page.items);
      cursor = page.next;
    }
    expect(all.map((q) => `${q.sku}=${q.quantity}`).sort()).toEqual(['V-1=2', 'V-2=10', 'V-3=10', 'V-4=10', 'V-5=2', 'V-6=10']);
  });

  it('converges through a 5xx storm without overwriting a sale', async () => {
    const c = connector('flaky');
    const names = skus('F', 20).map((s) => s.sku);
    const listings = await resolved(c, names);
    expect(listings.every((l) => l.platformIds['productId'])).toBe(true);
    inst('flaky').control.shopperOrder([{ sku: 'F-1', quantity: 1 }]);
    const out = await c.push(listings.map((listing) => ({ listing, quantity: 6, expected: 10 })));
    expect(out[0]).toEqual({ status: 'stale', listingId: 1, actual: 9 });
    expect(out.slice(1).every((o) => o.status === 'applied')).toBe(true);
    expect(inst('flaky').stats().errors).toBeGreaterThan(0);
    expect(names.map((s) => inst('flaky').control.getStock(s))).toEqual([9, ...Array(19).fill(6)]);
  });
});

describe('WooCommerce orders and listing', () => {
  it('pages orders modified after `since`, oldest first, and marks cancellations', async () => {
    const c = connector('big');
    expect(inst('big').control.shopperOrder([{ sku: 'B-101', quantity: 1 }]).ok).toBe(true); // before `since`
    await sleep(1100); // modified_after has whole-second precision
    const since = new Date();
    // Orders dated in since's own second would date (whole seconds) before it: start the next.
    await sleep(1010 - (since.getTime() % 1000));
    const ids: string[] = [];
    for (let i = 0; i < 130; i++) {
      const r = inst('big').control.shopperOrder([{ sku: `B-${(i % 20) + 101}`, quantity: 1 }]);
      if (r.ok) ids.push(r.orderId);
    }
    expect(ids).toHaveLength(130);
    inst('big').control.cancelOrder!(ids[0]!);
    const first = await c.pollOrders(since, null);
    expect(first.items).toHaveLength(100);
    expect(first.next).toBe('2');
    const second = await c.pollOrders(since, first.next);
    expect(second.next).toBeNull();
    const all = [...first.items, ...second.items];
    expect(all.map((o) => o.externalId).sort()).toEqual([...ids].sort());
    // The cancelled order is marked; it was modified last, but WooCommerce dates are whole
    // seconds, so it may tie with the newest orders (the order checked below is by date).
    expect(all.find((o) => o.externalId === ids[0])).toMatchObject({ cancelled: true });
    expect(all.at(-1)!.updatedAt.getTime()).toBe(all.find((o) => o.externalId === ids[0])!.updatedAt.getTime());
    expect(all[0]!.lines).toEqual([{ sku: 'B-102', quantity: 1 }]);
    for (let i = 1; i < all.length; i++) expect(all[i]!.updatedAt.getTime()).toBeGreaterThanOrEqual(all[i - 1]!.updatedAt.getTime());
  });

  it('lists every managed product page by page', async () => {
    const c = connector('big');
    const first = await c.listQuantities(null, []);
    expect(first.items).toHaveLength(100);
    expect(first.next).toBe('2');
    const second = await c.listQuantities(first.next, []);
    expect(second.items).toHaveLength(20);
    expect(second.next).toBeNull();
    expect(second.items[0]).toMatchObject({ sku: 'B-101', platformIds: { productId: expect.any(String) }, updatedAt: expect.any(Date) });
  });
});

describe('WooCommerce webhooks', () => {
  const deliveries: WebhookInput[] = [];

  beforeAll(async () => {
    const h = inst('hooks');
    h.control.subscribe('product.updated', `${receiver.url}/woo`);
    h.control.subscribe('order.created', `${receiver.url}/woo`);
    h.control.subscribe('order.updated', `${receiver.url}/woo`);
    const r = h.control.shopperOrder([{ sku: 'H-1', quantity: 2 }]);
    await h.flushWebhooks();
    if (r.ok) h.control.cancelOrder!(r.orderId);
    await h.flushWebhooks();
    await eventually(() => receiver.received.filter((d) => d.path === '/woo').length >= 4);
    deliveries.push(...receiver.received.filter((d) => d.path === '/woo').map(asInput));
  });

  it('verifies and parses what the simulator delivers', () => {
    const c = connector('hooks');
    const parsed = deliveries.map((d) => {
      expect(c.verifyWebhook(d)).toBe(true);
      return c.parseWebhook(d);
    });
    const kinds = parsed.map((p) => `${p.topic}:${p.events[0]!.kind}`).sort();
    expect(kinds).toEqual(['order.created:order', 'order.updated:order_cancelled', 'product.updated:channel_quantity', 'product.updated:channel_quantity']);
    const order = parsed.find((p) => p.topic === 'order.created')!.events[0]!;
    expect(order).toMatchObject({ kind: 'order', order: { cancelled: false, lines: [{ sku: 'H-1', quantity: 2 }] } });
    const quantities = parsed.flatMap((p) => p.events).filter((e) => e.kind === 'channel_quantity');
    expect(quantities.map((e) => e.kind === 'channel_quantity' && e.item.quantity).sort()).toEqual([10, 8]);
    expect(new Set(parsed.map((p) => p.eventId)).size).toBe(parsed.length);
    // the same delivery twice is the same event
    expect(c.parseWebhook(deliveries[0]!).eventId).toBe(parsed[0]!.eventId);
  });

  it('fails verification when tampered with or signed with another secret', () => {
    const c = connector('hooks');
    const d = deliveries[0]!;
    const tampered = Buffer.from(d.rawBody.toString('utf8').replace('"H-1"', '"H-2"'));
    expect(tampered.equals(d.rawBody)).toBe(false);
    expect(c.verifyWebhook({ ...d, rawBody: tampered })).toBe(false);
    expect(c.verifyWebhook({ ...d, headers: { ...d.headers, 'x-wc-webhook-signature': hmacSha256Base64('other', d.rawBody) } })).toBe(false);
    expect(c.verifyWebhook({ ...d, headers: { ...d.headers, 'x-wc-webhook-signature': undefined } })).toBe(false);
  });

  it('accepts the unsigned ping and parses it as ignored', () => {
    const c = connector('hooks');
    const ping: WebhookInput = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: {}, rawBody: Buffer.from('webhook_id=12') };
    expect(c.verifyWebhook(ping)).toBe(true);
    expect(c.parseWebhook(ping)).toEqual({
      eventId: 'ping:12',
      topic: 'ping',
      events: [{ kind: 'ignored', reason: expect.stringContaining('ping') }],
      ping: true,
    });
    // a ping-looking body with a bad signature is not waved through
    expect(c.verifyWebhook({ ...ping, headers: { 'x-wc-webhook-signature': 'AAAA' } })).toBe(false);
  });

  it('refuses a signed body of one resource under the topic header of another (the topic header is not signed)', () => {
    const c = connector('hooks');
    const product = deliveries.find((d) => d.headers['x-wc-webhook-topic'] === 'product.updated')!;
    const order = deliveries.find((d) => d.headers['x-wc-webhook-topic'] === 'order.created')!;
    const as = (d: WebhookInput, topic: string): WebhookInput => ({ ...d, headers: { ...d.headers, 'x-wc-webhook-topic': topic } });
    // Before: a product body as order.created read as an order without lines under the product's id.
    for (const topic of ['order.created', 'order.updated']) {
      expect(c.verifyWebhook(as(product, topic))).toBe(true);
      expect(() => c.parseWebhook(as(product, topic))).toThrow(/names an order but the signed body is not an order/);
    }
    expect(() => c.parseWebhook(as(order, 'product.updated'))).toThrow(/names a product but the signed body is not a product/);
    // A deletion's `{id}` names no data under any topic.
    expect(c.parseWebhook({ ...as(product, 'product.deleted'), rawBody: Buffer.from('{"id":7}') }).events[0]!.kind).toBe('ignored');
  });

  it('parses only to PARSE errors or well-formed results (fuzz)', () => {
    const headers = deliveries[0]!.headers;
    const topics = fc.constantFrom('order.created', 'order.updated', 'product.updated', 'product.deleted', 'action.x', undefined);
    const withTopic = (topic: string | undefined, body: Buffer): WebhookInput => ({
      headers: { ...headers, 'x-wc-webhook-topic': topic },
      query: {},
      rawBody: body,
    });
    fc.assert(
      fc.property(topics, fc.uint8Array({ maxLength: 300 }), (topic, bytes) => {
        parsesOrRejects(parseWooWebhook, withTopic(topic, Buffer.from(bytes)));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(topics, fc.jsonValue(), (topic, value) => {
        parsesOrRejects(parseWooWebhook, withTopic(topic, Buffer.from(JSON.stringify(value) ?? 'null')));
      }),
      { numRuns: 300 },
    );
    const real = fc.constantFrom(...deliveries);
    fc.assert(
      fc.property(real, fc.nat(), (d, cut) => {
        parsesOrRejects(parseWooWebhook, { ...d, rawBody: d.rawBody.subarray(0, cut % (d.rawBody.length + 1)) });
      }),
      { numRuns: 300 },
    );
    // real payloads with one field replaced by anything
    fc.assert(
      fc.property(real, fc.nat(), fc.jsonValue(), (d, pick, value) => {
        const body = JSON.parse(d.rawBody.toString('utf8')) as Record<string, unknown>;
        const keys = Object.keys(body);
        body[keys[pick % keys.length]!] = value;
        parsesOrRejects(parseWooWebhook, { ...d, rawBody: Buffer.from(JSON.stringify(body)) });
      }),
      { numRuns: 300 },
    );
    expect(() => parseWooWebhook(withTopic('order.created', Buffer.from('{')))).toThrow(ConnectorError);
  });
});
