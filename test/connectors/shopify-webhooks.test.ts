import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import { quoteBigIntegers } from '../../src/connectors/shopify/json.js';
import { hmacSha256Base64 } from '../../src/connectors/signature.js';
import type { InboundEvent, ParsedWebhook, WebhookInput } from '../../src/connectors/types.js';
import { shopWithConnector } from './shopify-helpers.js';

interface Delivery {
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

async function startReceiver() {
  const received: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
      received.push({ headers, rawBody: Buffer.concat(chunks) });
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/webhooks/shopify-test`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const input = (d: Delivery, rawBody = d.rawBody): WebhookInput => ({ headers: d.headers, query: {}, rawBody });

/** Throws unless the result is a ParsedWebhook the engine can rely on. */
function assertWellFormed(p: ParsedWebhook): void {
  expect(typeof p.eventId === 'string' && p.eventId.length > 0).toBe(true);
  expect(typeof p.topic).toBe('string');
  expect(p.events.length).toBeGreaterThan(0);
  const date = (d: Date) => expect(d instanceof Date && !Number.isNaN(d.getTime())).toBe(true);
  for (const e of p.events as InboundEvent[]) {
    if (e.kind === 'order') {
      expect(e.order.externalId).toMatch(/^gid:\/\/shopify\/Order\/[1-9]\d*$/);
      date(e.order.placedAt);
      date(e.order.updatedAt);
      expect(typeof e.order.cancelled).toBe('boolean');
      for (const l of e.order.lines) expect(typeof l.sku === 'string' && l.sku !== '' && Number.isSafeInteger(l.quantity) && l.quantity >= 0).toBe(true);
    } else if (e.kind === 'order_cancelled') {
      expect(e.externalId).toMatch(/^gid:\/\/shopify\/Order\/[1-9]\d*$/);
      date(e.at);
    } else if (e.kind === 'channel_quantity') {
      expect(e.item.platformIds['inventoryItemId']).toMatch(/^gid:\/\/shopify\/InventoryItem\/[1-9]\d*$/);
      expect(e.item.platformIds['locationId']).toMatch(/^gid:\/\/shopify\/Location\/[1-9]\d*$/);
      expect(Number.isSafeInteger(e.item.quantity)).toBe(true);
      date(e.at);
    } else {
      expect(e.kind).toBe('ignored');
    }
  }
}

describe('shopify webhooks from the simulator', () => {
  let env: Awaited<ReturnType<typeof shopWithConnector>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
    env = await shopWithConnector({ skus: [{ sku: 'BIG', quantity: 10 }] });
    env.shop.control.subscribe('*', receiver.url);
    expect(env.shop.control.shopperOrder([{ sku: 'BIG', quantity: 3 }]).ok).toBe(true);
    await env.sandbox.flushWebhooks();
    expect(env.shop.control.cancelOrder!(env.truth().orders[0]!.id)).toBe(true);
    await env.sandbox.flushWebhooks();
  });
  afterAll(async () => {
    await env.close();
    await receiver.close();
  });

  it('receives, verifies and parses the real deliveries, ids beyond 2^53 exact', () => {
    const topics = receiver.received.map((d) => d.headers['x-shopify-topic']).sort();
    expect(topics).toEqual(['inventory_levels/update', 'inventory_levels/update', 'orders/cancelled', 'orders/create']);
    const t = env.truth();
    expect(t.items[0]!.inventoryItemId).toBe('gid://shopify/InventoryItem/271878346596884015');
    for (const d of receiver.received) {
      expect(env.connector.verifyWebhook(input(d))).toBe(true);
      const parsed = env.connector.parseWebhook(input(d));
      assertWellFormed(parsed);
      expect(parsed.eventId).toBe(d.headers['x-shopify-event-id']);
      const [event] = parsed.events;
      if (parsed.topic === 'orders/create') {
        expect(event).toMatchObject({ kind: 'order', order: { externalId: t.orders[0]!.id, cancelled: false, lines: [{ sku: 'BIG', quantity: 3 }] } });
      } else if (parsed.topic === 'orders/cancelled') {
        expect(event).toMatchObject({ kind: 'order_cancelled', externalId: t.orders[0]!.id });
      } else {
        expect(event).toMatchObject({
          kind: 'channel_quantity',
          item: { sku: '', platformIds: { inventoryItemId: 'gid://shopify/InventoryItem/271878346596884015', locationId: t.locations[0]!.id } },
        });
      }
    }
    const levels = receiver.received.filter((d) => d.headers['x-shopify-topic'] === 'inventory_levels/update');
    const quantities = levels
      .map((d) => (env.connector.parseWebhook(input(d)).events[0] as { item: { quantity: number } }).item.quantity)
      .sort((a, b) => a - b);
    expect(quantities).toEqual([7, 10]);
  });

  it('the order id is the same from a webhook and from pollOrders', async () => {
    const created = receiver.received.find((d) => d.headers['x-shopify-topic'] === 'orders/create')!;
    const fromHook = (env.connector.parseWebhook(input(created)).events[0] as { order: { externalId: string } }).order.externalId;
    const polled = await env.connector.pollOrders(new Date(0), null);
    expect(polled.items.map((o) => o.externalId)).toEqual([fromHook]);
  });

  it('a tampered body, a wrong secret or a missing signature fails verification', () => {
    const d = receiver.received[0]!;
    const tampered = Buffer.from(
      d.rawBody
        .toString('utf8')
        .replace(/"available":\d+/, '"available":999')
        .replace(/"quantity":3/, '"quantity":30'),
    );
    expect(tampered.equals(d.rawBody)).toBe(false);
    expect(env.connector.verifyWebhook(input(d, tampered))).toBe(false);
    expect(env.connector.verifyWebhook({ ...input(d), headers: { ...d.headers, 'x-shopify-hmac-sha256': hmacSha256Base64('other', d.rawBody) } })).toBe(false);
    expect(env.connector.verifyWebhook({ ...input(d), headers: { ...d.headers, 'x-shopify-hmac-sha256': undefined } })).toBe(false);
  });

  it('missing headers and wrong shapes are precise PARSE errors; other topics are ignored', () => {
    const d = receiver.received.find((x) => x.headers['x-shopify-topic'] === 'inventory_levels/update')!;
    const parse = (headers: Record<string, string | undefined>, body: string) => {
      try {
        env.connector.parseWebhook({ headers, query: {}, rawBody: Buffer.from(body) });
        return 'parsed';
      } catch (e) {
        expect(e).toBeInstanceOf(ConnectorError);
        expect((e as ConnectorError).connectorCode).toBe('PARSE');
        return (e as Error).message;
      }
    };
    const body = d.rawBody.toString('utf8');
    expect(parse({ ...d.headers, 'x-shopify-event-id': undefined }, body)).toMatch(/missing X-Shopify-Event-Id/);
    expect(parse({ ...d.headers, 'x-shopify-topic': undefined }, body)).toMatch(/missing X-Shopify-Topic/);
    expect(parse(d.headers, '{"inventory_item_id": "abc"}')).toMatch(/inventory_item_id must be a positive integer id/);
    expect(parse(d.headers, body.replace(/"available":\d+/, '"available":1.5'))).toMatch(/available must be an integer/);
    expect(parse(d.headers, body.slice(0, 30))).toMatch(/body is not JSON/);
    expect(parse(d.headers, '[]')).toMatch(/body must be an object/);
    expect(parse({ ...d.headers, 'x-shopify-topic': 'orders/create' }, '{"id": 1, "line_items": 3}')).toMatch(/line_items must be an array/);
    expect(
      env.connector.parseWebhook({ headers: { ...d.headers, 'x-shopify-topic': 'products/update' }, query: {}, rawBody: Buffer.from('not json') }).events,
    ).toEqual([{ kind: 'ignored', reason: 'topic products/update is not used by stocksync' }]);
  });
});

describe('shopify webhook parsing without the simulator', () => {
  const headers = (topic: string) => ({ 'x-shopify-topic': topic, 'x-shopify-event-id': 'e-1', 'x-shopify-hmac-sha256': 'x' });
  const { create } = { create: async () => (await import('../../src/connectors/shopify/index.js')).create };
  let connector: Awaited<ReturnType<Awaited<ReturnType<typeof create>>>>;
  beforeAll(async () => {
    connector = (await create())({ connectionId: 'c', baseUrl: 'http://127.0.0.1:9', credentials: { accessToken: 't', webhookSecret: 's' }, options: {} });
  });

  const level =
    '{"inventory_item_id":271878346596884015,"location_id":24826418,"available":-2,"updated_at":"2026-04-01T09:00:00-04:00","admin_graphql_api_id":"gid://shopify/InventoryLevel/24826418?inventory_item_id=271878346596884015"}';
  const order =
    '{"id":9007199255561975,"admin_graphql_api_id":"gid://shopify/Order/9007199255561975","created_at":"2026-04-01T09:00:00-04:00","updated_at":"2026-04-01T09:00:01-04:00",' +
    '"cancelled_at":null,"line_items":[{"id":9007199255207151,"sku":"A","quantity":2,"price":"1.50"},{"id":9007199255207152,"sku":null,"quantity":1}],"note":"say \\"271878346596884015\\" 12345678901234567890"}';

  it('keeps every digit of ids beyond 2^53 (JSON.parse alone would not)', () => {
    expect(String(JSON.parse(level).inventory_item_id)).not.toBe('271878346596884015');
    const parsed = connector.parseWebhook({ headers: headers('inventory_levels/update'), query: {}, rawBody: Buffer.from(level) });
    expect(parsed.events[0]).toMatchObject({
      kind: 'channel_quantity',
      item: { platformIds: { inventoryItemId: 'gid://shopify/InventoryItem/271878346596884015', locationId: 'gid://shopify/Location/24826418' }, quantity: -2 },
    });
    const o = connector.parseWebhook({ headers: headers('orders/create'), query: {}, rawBody: Buffer.from(order) });
    expect(o.events[0]).toMatchObject({ kind: 'order', order: { externalId: 'gid://shopify/Order/9007199255561975', lines: [{ sku: 'A', quantity: 2 }] } });
    // strings are left alone, numbers outside strings quoted, fractions kept
    expect(quoteBigIntegers('{"a":"9007199254740993","b":9007199254740993,"c":1.5e300,"d":[-12345678901234567]}')).toBe(
      '{"a":"9007199254740993","b":"9007199254740993","c":1.5e300,"d":["-12345678901234567"]}',
    );
  });

  it("an order's location_id names the location it was taken at; null (an online order) names none", () => {
    const parse = (body: string) => connector.parseWebhook({ headers: headers('orders/create'), query: {}, rawBody: Buffer.from(body) }).events[0];
    const at = parse(order.replace('"cancelled_at":null', '"cancelled_at":null,"location_id":24826419'));
    expect(at).toMatchObject({ kind: 'order', order: { location: 'gid://shopify/Location/24826419' } });
    const online = parse(order.replace('"cancelled_at":null', '"cancelled_at":null,"location_id":null'));
    expect(online).toMatchObject({ kind: 'order' });
    expect(online).not.toHaveProperty('order.location');
    expect(() => parse(order.replace('"cancelled_at":null', '"cancelled_at":null,"location_id":"east"'))).toThrow(/location_id/);
  });

  const check = (topic: string, raw: Uint8Array) => {
    try {
      assertWellFormed(connector.parseWebhook({ headers: headers(topic), query: {}, rawBody: Buffer.from(raw) }));
    } catch (e) {
      if (!(e instanceof ConnectorError) || e.connectorCode !== 'PARSE') throw e;
      expect(e.message.length).toBeGreaterThan(10);
    }
  };
  const topics = fc.constantFrom('orders/create', 'orders/cancelled', 'inventory_levels/update', 'products/update');

  it('fuzz: random bytes never crash it', () => {
    fc.assert(
      fc.property(topics, fc.uint8Array({ maxLength: 400 }), (topic, bytes) => check(topic, bytes)),
      { numRuns: 400 },
    );
  });

  it('fuzz: random JSON never crashes it', () => {
    fc.assert(
      fc.property(topics, fc.json({ maxDepth: 4 }), (topic, json) => check(topic, Buffer.from(json))),
      { numRuns: 400 },
    );
  });

  it('fuzz: truncated and field-mutated real payloads never crash it', () => {
    const real = [
      ['inventory_levels/update', level],
      ['orders/create', order],
      ['orders/cancelled', order.replace('"cancelled_at":null', '"cancelled_at":"2026-04-01T10:00:00Z"')],
    ] as const;
    fc.assert(
      fc.property(fc.constantFrom(...real), fc.nat(), (pick, cut) => check(pick[0], Buffer.from(pick[1].slice(0, cut % (pick[1].length + 1))))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...real), fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 }), (pick, key, value) => {
        const body = JSON.parse(quoteBigIntegers(pick[1])) as Record<string, unknown>;
        const keys = Object.keys(body);
        body[keys[key.length % keys.length]!] = value;
        check(pick[0], Buffer.from(JSON.stringify(body)));
      }),
      { numRuns: 300 },
    );
  });
});
