// Issue 14, defects 4 and 5, through the engine's real server (buildServer) on real
// PostgreSQL: values PostgreSQL cannot hold are refused at the door and never fail the
// good events sharing their batch; a different body under a stored event id is kept;
// refused floods are counted exactly while what they store stays bounded; WooCommerce's
// unsigned pings are answered and counted, never stored.
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnector } from '../../src/connectors/index.js';
import { createOrderBatcher } from '../../src/engine/order-batcher.js';
import { processInboxOnce } from '../../src/engine/workers/inbox-processor.js';
import { buildServer } from '../../src/server/app.js';
import { insertInboxEvents } from '../../src/store/inbox.js';
import type { WebhookRefusalOptions } from '../../src/server/webhook-refusals.js';
import { loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const SECRET = 'bounds-secret';
let t: TestDatabase;
let app: FastifyInstance;

async function server(refusals?: WebhookRefusalOptions): Promise<FastifyInstance> {
  const base = { baseUrl: 'http://127.0.0.1:1', options: {} };
  const shop = await createConnector('shopify', { ...base, connectionId: 'ch1', credentials: { accessToken: 'shpat_test', webhookSecret: SECRET } });
  const woo = await createConnector('woocommerce', {
    ...base,
    connectionId: 'woo1',
    credentials: { consumerKey: 'ck', consumerSecret: 'cs', webhookSecret: SECRET },
  });
  return buildServer({
    db: t.db,
    logger: pino({ level: 'silent' }),
    connectors: new Map([
      ['ch1', shop],
      ['woo1', woo],
    ]),
    bodyLimit: 2_000_000,
    ...(refusals && { webhookRefusals: refusals }),
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 1 });
  app = await server();
});
afterAll(async () => {
  await app?.close();
  await t.drop();
});
beforeEach(async () => {
  await t.db.query(`TRUNCATE inbox, quarantine, webhook_counts`);
});

const sign = (body: string | Buffer) => createHmac('sha256', SECRET).update(body).digest('base64');

function order(id: number, line: string = '{"sku":"A","quantity":1}'): string {
  return `{"id":${id},"line_items":[${line}],"created_at":"2026-11-28T10:00:00Z","updated_at":"2026-11-28T10:00:00Z"}`;
}

function post(server: FastifyInstance, body: string | Buffer, eventId: string, opts: { signed?: boolean; from?: string; connection?: string } = {}) {
  return server.inject({
    method: 'POST',
    url: `/webhooks/${opts.connection ?? 'ch1'}`,
    remoteAddress: opts.from ?? '203.0.113.1',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': 'orders/create',
      'x-shopify-event-id': eventId,
      ...(opts.signed !== false && { 'x-shopify-hmac-sha256': sign(body) }),
    },
    payload: body,
  });
}

async function one<T>(sql: string): Promise<T> {
  return (await t.db.query(sql)).rows[0] as T;
}

async function counts(): Promise<Record<string, { requests: number; bytes: number }>> {
  const { rows } = await t.db.query(
    `SELECT connection_id, outcome, sum(requests)::int AS requests, sum(body_bytes)::int AS bytes FROM webhook_counts GROUP BY 1, 2`,
  );
  return Object.fromEntries(rows.map((r) => [`${r.connection_id}/${r.outcome}`, { requests: r.requests, bytes: r.bytes }]));
}

describe('defect 4: values PostgreSQL cannot hold are refused at the door', () => {
  it('300 concurrent good webhooks and one with an 8 KB event id: every good one 200 and stored, the bad one 400 and quarantined', async () => {
    const bad = randomBytes(6144).toString('base64'); // 8,192 characters PostgreSQL cannot compress
    const answers = await Promise.all([
      ...Array.from({ length: 150 }, (_, i) => post(app, order(i + 1), `ev-${i}`)),
      post(app, order(999), bad),
      ...Array.from({ length: 150 }, (_, i) => post(app, order(i + 151), `ev-${i + 150}`)),
    ]);
    const badAnswer = answers.splice(150, 1)[0]!;
    expect(answers.map((a) => a.statusCode)).toEqual(Array(300).fill(200));
    expect(badAnswer.statusCode).toBe(400);
    expect(badAnswer.json().error).toBe('event id is 8192 characters long, the limit is 200');
    expect(await one(`SELECT count(*)::int AS n FROM inbox`)).toEqual({ n: 300 });
    expect((await t.db.query(`SELECT reason, body FROM quarantine`)).rows).toEqual([
      { reason: 'event id is 8192 characters long, the limit is 200', body: Buffer.from(order(999)) },
    ]);
  });

  it('a 3e9 quantity and a NUL in a SKU are refused with the field named, nothing stored in the inbox', async () => {
    const huge = await post(app, order(1, '{"sku":"A","quantity":3e9}'), 'q-huge');
    expect(huge.statusCode).toBe(400);
    expect(huge.json().error).toBe('orders/create webhook: line 0 (A) quantity must be an integer from 0 to 1000000000, got 3000000000');
    const nul = await post(app, order(2, '{"sku":"A\\u0000B","quantity":1}'), 'sku-nul');
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error).toBe('orders/create webhook: line 0 sku holds the control character U+0000 at position 1');
    const inventory = JSON.stringify({ inventory_item_id: 5, location_id: 6, available: 3e9, updated_at: '2026-11-28T10:00:00Z' });
    const level = await app.inject({
      method: 'POST',
      url: '/webhooks/ch1',
      headers: { 'x-shopify-topic': 'inventory_levels/update', 'x-shopify-event-id': 'lvl', 'x-shopify-hmac-sha256': sign(inventory) },
      payload: inventory,
    });
    expect(level.statusCode).toBe(400);
    expect(level.json().error).toMatch(/quantity must be an integer from -1000000000 to 1000000000, got 3000000000/);
    expect(await one(`SELECT count(*)::int AS n FROM inbox`)).toEqual({ n: 0 });
    expect(await one(`SELECT count(*)::int AS n FROM quarantine`)).toEqual({ n: 3 });
  });

  it('a different body under a stored event id is kept as a conflicting duplicate and counted; the same body is a plain duplicate', async () => {
    expect((await post(app, order(1), 'same-id')).json()).toEqual({ ok: true, duplicate: false });
    expect((await post(app, order(1), 'same-id')).json()).toEqual({ ok: true, duplicate: true });
    expect(await one(`SELECT count(*)::int AS n FROM quarantine`)).toEqual({ n: 0 });
    const other = await post(app, order(2), 'same-id');
    expect(other.statusCode).toBe(200);
    expect(other.json()).toEqual({ ok: true, duplicate: true, conflict: true });
    expect((await t.db.query(`SELECT reason, body FROM quarantine`)).rows).toEqual([
      { reason: 'conflicting duplicate: event id same-id was already stored with a different body; this one was not processed', body: Buffer.from(order(2)) },
    ]);
    expect(await counts()).toEqual({ 'ch1/conflicting_duplicate': { requests: 1, bytes: order(2).length } });
    expect((await t.db.query(`SELECT body FROM inbox`)).rows).toEqual([{ body: Buffer.from(order(1)) }]);
  });
});

describe('defect 4: the inbox processor applies the same limits', () => {
  it('an event stored before the limits existed (a NUL in a SKU) is quarantined at its first attempt, not retried', async () => {
    await insertInboxEvents(t.db, [
      {
        connectionId: 'ch1',
        eventId: 'old-nul',
        topic: 'orders/create',
        headers: { 'x-shopify-topic': 'orders/create', 'x-shopify-event-id': 'old-nul' },
        body: Buffer.from(order(5, '{"sku":"A\\u0000","quantity":1}')),
      },
    ]);
    const connectors = new Map([
      [
        'ch1',
        await createConnector('shopify', {
          baseUrl: 'http://127.0.0.1:1',
          options: {},
          connectionId: 'ch1',
          credentials: { accessToken: 'x', webhookSecret: SECRET },
        }),
      ],
    ]);
    await processInboxOnce({ db: t.db, log: pino({ level: 'silent' }), connectors, orders: createOrderBatcher(t.db) });
    expect(await one(`SELECT status, attempts, reason FROM inbox WHERE event_id = 'old-nul'`)).toEqual({
      status: 'quarantined',
      attempts: 1,
      reason: 'orders/create webhook: line 0 sku holds the control character U+0000 at position 1',
    });
    expect(await one(`SELECT count(*)::int AS n FROM orders WHERE external_id LIKE '%/5'`)).toEqual({ n: 0 });
  });
});

describe('defect 4: a NUL where it harms nothing', () => {
  it("a NUL in an order's other fields (a customer note) does not cost the order: the raw JSON keeps U+FFFD", async () => {
    const body = JSON.stringify({
      id: 4242,
      status: 'processing',
      customer_note: 'leave at the door\u0000',
      date_created_gmt: '2026-12-04T10:00:00',
      date_modified_gmt: '2026-12-04T10:00:00',
      line_items: [{ id: 1, sku: 'A', quantity: 1 }],
    });
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/woo1',
      headers: { 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-delivery-id': 'd-nul', 'x-wc-webhook-signature': sign(body) },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    // The catalogue's channel ch1 stands in for the WooCommerce store: the processor reads with woo1's connector.
    await t.db.query(`UPDATE inbox SET connection_id = 'ch1'`);
    const woo = await createConnector('woocommerce', {
      baseUrl: 'http://127.0.0.1:1',
      options: {},
      connectionId: 'ch1',
      credentials: { consumerKey: 'ck', consumerSecret: 'cs', webhookSecret: SECRET },
    });
    await processInboxOnce({ db: t.db, log: pino({ level: 'silent' }), connectors: new Map([['ch1', woo]]), orders: createOrderBatcher(t.db) });
    expect(await one(`SELECT status, reason FROM inbox`)).toEqual({ status: 'processed', reason: null });
    expect(await one(`SELECT raw->>'customer_note' AS note FROM orders WHERE external_id = '4242'`)).toEqual({ note: 'leave at the door\uFFFD' });
  });
});

describe('defect 5: refused floods are counted, stored within bounds', () => {
  // FLOOD_BODY_KB=1000 replays the 1 MB bodies (slower; the bounds are the same).
  const floodKb = Number(process.env['FLOOD_BODY_KB'] ?? 100);
  it(`2,000 unsigned ${floodKb} KB POSTs from one address: 401 then 429, counted exactly, at most the sample stored, each body cut`, async () => {
    const body = Buffer.from(randomBytes(floodKb * 512).toString('hex')); // incompressible, as an attacker's would be
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < 2000; i += 100) {
      const batch = await Promise.all(Array.from({ length: 100 }, (_, j) => post(app, body, `flood-${i + j}`, { signed: false, from: '203.0.113.99' })));
      statuses.push(...batch.map((a) => a.statusCode));
    }
    const refused = statuses.filter((s) => s === 401).length;
    expect(refused).toBeGreaterThanOrEqual(30); // the source's burst
    expect(refused).toBeLessThan(40);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2000 - refused);
    const stored = await one<{ rows: number; bytes: number; lengths: number[] }>(
      `SELECT count(*)::int AS rows, coalesce(sum(octet_length(body)), 0)::int AS bytes, array_agg(DISTINCT body_length) AS lengths FROM quarantine`,
    );
    // The burst's refusals are sampled; one after the 429s' counts were written (once a
    // second) finds the hour's sample of 100 taken and is counted only.
    expect(stored.rows).toBeGreaterThanOrEqual(30);
    expect(stored.rows).toBeLessThanOrEqual(refused);
    expect(stored).toEqual({ rows: stored.rows, bytes: stored.rows * 64 * 1024, lengths: [body.length] });
    const { rows: size } = await t.db.query(`SELECT pg_total_relation_size('quarantine')::int AS bytes`);
    console.log(
      `flood: 2,000 x ${floodKb} KB in ${Date.now() - started} ms: ${refused} answered 401, ${stored.rows} sampled, ${2000 - refused} answered 429; quarantine table ${size[0].bytes} bytes`,
    );
    await new Promise((r) => setTimeout(r, 1300)); // the counts of the 429s are written once a second
    expect(await counts()).toEqual({ 'ch1/bad_signature': { requests: 2000, bytes: 2000 * body.length } });
  }, 60_000);

  it('refusals from many addresses: the first 100 an hour per connection and reason stored, every one counted', async () => {
    const answers = await Promise.all(Array.from({ length: 250 }, (_, i) => post(app, `{"n":${i}}`, `many-${i}`, { signed: false, from: `198.51.100.${i}` })));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(250).fill(401));
    expect(await one(`SELECT count(*)::int AS n FROM quarantine`)).toEqual({ n: 100 });
    expect((await counts())['ch1/bad_signature']?.requests).toBe(250);
    // Unknown connections count under one key whatever the URL says.
    await Promise.all(Array.from({ length: 20 }, (_, i) => post(app, '{}', `u-${i}`, { connection: `nope-${i}`, from: `192.0.2.${i}` })));
    expect((await counts())['/unknown_connection']?.requests).toBe(20);
  });

  it('WooCommerce pings are answered 200 and counted, never stored', async () => {
    const pings = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        app.inject({ method: 'POST', url: '/webhooks/woo1', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `webhook_id=${i + 1}` }),
      ),
    );
    expect(pings.map((p) => p.statusCode)).toEqual(Array(50).fill(200));
    expect(pings[0]!.json()).toEqual({ ok: true, ping: true });
    expect(await one(`SELECT (SELECT count(*) FROM inbox)::int AS inbox, (SELECT count(*) FROM quarantine)::int AS quarantine`)).toEqual({
      inbox: 0,
      quarantine: 0,
    });
    await new Promise((r) => setTimeout(r, 1300));
    expect((await counts())['woo1/ping']?.requests).toBe(50);
  });
});
