// Amazon SP-API connector against the Amazon simulator over loopback (plus a tiny fake
// for what the simulator cannot be made to answer: INVALID, Login with Amazon).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from '../../src/connectors/amazon/index.js';
import { parseNotification } from '../../src/connectors/amazon/notifications.js';
import type { ChannelConnector, ListingRef, WebhookInput } from '../../src/connectors/types.js';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { asInput, eventually, parsesOrRejects, sleep, startReceiver } from './woocommerce-helpers.js';

const SELLER = 'ASELLER1';
const MARKET = 'ATVPDKIKX0DER';
const TOKEN = 'Atza|test';
const skus = (prefix: string, n: number, quantity = 10) => Array.from({ length: n }, (_, i) => ({ sku: `${prefix}-${i + 1}`, quantity }));
const sim = (rateScale: number) => ({ sellerId: SELLER, accessToken: TOKEN, processingDelayMs: 6_000, rateScale });

let sb: RunningSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const inst = (name: string) => sb.instances.get(`amazon/${name}`)!;
const connector = (name: string, rateScale: number, extra: Record<string, unknown> = {}, baseUrl = `${sb.url}/amazon/${name}`): ChannelConnector =>
  create({
    connectionId: `amz-${name}`,
    baseUrl,
    credentials: { accessToken: TOKEN, notificationToken: 's3cret' },
    options: { sellerId: SELLER, marketplaceId: MARKET, rateScale, retry: { attempts: 12, baseMs: 5, maxMs: 50 }, ...extra },
  });
const listing = (listingId: number, sku: string): ListingRef => ({ listingId, sku, platformIds: { sellerSku: sku } });

beforeAll(async () => {
  receiver = await startReceiver();
  sb = await startSandbox({
    seed: 5,
    timeScale: 0.05,
    faults: {
      'amazon/storm': { ...FAULT_PROFILES.none, rate429: 0.4 },
      'amazon/notify': { ...FAULT_PROFILES.none, webhookDuplicate: 1 },
      default: 'none',
    },
    instances: [
      { platform: 'amazon', name: 'main', skus: skus('A', 7), options: sim(10) },
      { platform: 'amazon', name: 'paced', skus: skus('P', 16), options: sim(2) },
      { platform: 'amazon', name: 'lanes', skus: skus('L', 9), options: sim(10) },
      { platform: 'amazon', name: 'storm', skus: skus('S', 10), options: sim(10) },
      { platform: 'amazon', name: 'orders', skus: skus('O', 3, 10_000), options: sim(1000) },
      { platform: 'amazon', name: 'notify', skus: skus('N', 2), options: sim(10) },
      { platform: 'amazon', name: 'bulk', skus: [...skus('B', 44, 7), { sku: 'B,45', quantity: 3 }], options: sim(10) },
    ],
  });
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});

describe('Amazon push and reads', () => {
  it('resolves listings by seller SKU, with the ASIN', async () => {
    const c = connector('main', 10);
    const ids = await c.resolveListings([
      { listingId: 1, sku: 'A-1', platformIds: {} },
      { listingId: 2, sku: 'NOPE', platformIds: {} },
    ]);
    expect(ids).toEqual(new Map([[1, { sellerSku: 'A-1', asin: expect.stringMatching(/^B0/) }]]));
  });

  it('accepts a push, which shows only after the processing delay', async () => {
    const c = connector('main', 10);
    const l = listing(1, 'A-1');
    expect(await c.push([{ listing: l, quantity: 3, expected: 10 }])).toEqual([{ status: 'accepted', listingId: 1, quantity: 3 }]);
    expect(await c.readQuantities([l])).toEqual(new Map([[1, 10]])); // not applied yet
    await eventually(async () => (await c.readQuantities([l])).get(1) === 3);
  });

  it('reports a sale made since our last push as stale, pushes several listings side by side, and refuses more than 10', async () => {
    const c = connector('main', 10);
    expect(inst('main').control.shopperOrder([{ sku: 'A-2', quantity: 1 }]).ok).toBe(true);
    expect(await c.push([{ listing: listing(2, 'A-2'), quantity: 5, expected: 10 }])).toEqual([{ status: 'stale', listingId: 2, actual: 9 }]);
    // one outcome per listing, in order, each its own read-compare-patch
    expect(
      await c.push([
        { listing: listing(6, 'A-6'), quantity: 4, expected: 10 },
        { listing: listing(2, 'A-2'), quantity: 5, expected: 10 },
        { listing: listing(7, 'A-7'), quantity: 6, expected: 10 },
      ]),
    ).toEqual([
      { status: 'accepted', listingId: 6, quantity: 4 },
      { status: 'stale', listingId: 2, actual: 9 },
      { status: 'accepted', listingId: 7, quantity: 6 },
    ]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ listing: listing(3, 'A-3'), quantity: i, expected: null }));
    await expect(c.push(eleven)).rejects.toMatchObject({ connectorCode: 'REJECTED' });
    const [gone] = await c.push([{ listing: listing(9, 'NOPE'), quantity: 1, expected: null }]);
    expect(gone).toMatchObject({ status: 'failed', error: { connectorCode: 'NOT_FOUND' } });
    const [negative] = await c.push([{ listing: listing(3, 'A-3'), quantity: -2, expected: null }]);
    expect(negative).toMatchObject({ status: 'failed', error: { connectorCode: 'REJECTED' } });
  });

  it('paces itself under the token buckets: the simulator never throttles it', async () => {
    // rates x2 (10/s): the one spare token leaves 100 ms for arrival jitter on a busy CI
    // machine; at Amazon's real rates it is 200 ms (listings) to 2 s (order items).
    const c = connector('paced', 2);
    inst('paced').resetStats();
    const listings = skus('P', 16).map((s, i) => listing(i + 1, s.sku));
    const started = performance.now();
    const out = await Promise.all(listings.map((l) => c.push([{ listing: l, quantity: 4, expected: 10 }])));
    expect(out.flat().every((o) => o.status === 'accepted')).toBe(true);
    const stats = inst('paced').stats();
    expect(stats.calls).toEqual({ getListingsItem: 16, patchListingsItem: 16 });
    expect(stats.throttled).toBe(0);
    // and it did have to wait: 16 reads through a bucket of 4 at 9.5/s take over a second
    expect(performance.now() - started).toBeGreaterThan(1000);
  });

  it('serves a lowering before the raises queued ahead of it: a raise waits in the buckets behind every lowering', async () => {
    // At half Amazon's rates: 2.4 reads and patches a second, 4 of each at once.
    const c = connector('lanes', 0.5);
    const done: string[] = [];
    const push = async (id: number, sku: string, quantity: number) => {
      const [outcome] = await c.push([{ listing: listing(id, sku), quantity, expected: 10 }]);
      expect(outcome).toEqual({ status: 'accepted', listingId: id, quantity });
      done.push(sku);
    };
    const raises = skus('L', 8).map((s, i) => push(i + 1, s.sku, 12));
    await sleep(50); // the burst took four raises; four wait for tokens
    const lowering = push(9, 'L-9', 4);
    await Promise.all([...raises, lowering]);
    // Served in arrival order, the lowering would be last: it overtakes the four waiting raises.
    expect(done.indexOf('L-9')).toBeLessThanOrEqual(4);
    expect(inst('lanes').stats().calls).toEqual({ getListingsItem: 9, patchListingsItem: 9 });
  });

  it('retries through a 429 storm to success', async () => {
    const c = connector('storm', 10);
    const listings = skus('S', 10).map((s, i) => listing(i + 1, s.sku));
    const out = await Promise.all(listings.map((l) => c.push([{ listing: l, quantity: 2, expected: 10 }])));
    expect(out.flat().map((o) => o.status)).toEqual(Array(10).fill('accepted'));
    expect(inst('storm').stats().throttled).toBeGreaterThan(0);
  });

  it('lists the known listings page by page, skipping those Amazon lacks', async () => {
    const c = connector('main', 10, { listPageSize: 2 });
    const known = [listing(1, 'A-3'), listing(2, 'A-4'), listing(3, 'NOPE')];
    const first = await c.listQuantities(null, known);
    expect(first).toEqual({
      items: [
        { sku: 'A-3', platformIds: { sellerSku: 'A-3' }, quantity: 10 },
        { sku: 'A-4', platformIds: { sellerSku: 'A-4' }, quantity: 10 },
      ],
      next: '2',
    });
    expect(await c.listQuantities(first.next, known)).toEqual({ items: [], next: null });
  });

  it('queues the reads of the following pages while the engine handles the first', async () => {
    const c = connector('main', 10, { listPageSize: 2 });
    const known = skus('A', 5).map((s, i) => listing(i + 1, s.sku));
    // answered searches: a 429 (the simulator's bucket still drained by the tests before) is retried
    const reads = () => (inst('main').stats().calls['searchListingsItems'] ?? 0) - inst('main').stats().throttled;
    const before = reads();
    expect((await c.listQuantities(null, known)).items.map((i) => i.sku)).toEqual(['A-1', 'A-2']);
    // about a second of the bucket's rate (here all 3 pages, one search each) is read without being asked for
    await eventually(() => reads() - before === 3);
    const rest = await c.listQuantities('2', known);
    expect(rest.items.map((i) => i.sku)).toEqual(['A-3', 'A-4']);
    expect((await c.listQuantities(rest.next, known)).items.map((i) => i.sku)).toEqual(['A-5']);
    expect(reads() - before).toBe(3);
  });

  it('reads ahead of the page asked for, through 429s, each listing once and every page in order', async () => {
    const c = connector('storm', 10, { listPageSize: 3 });
    const known = skus('S', 10).map((s, i) => listing(i + 1, s.sku));
    const before = inst('storm').stats();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<ChannelConnector['listQuantities']>> = await c.listQuantities(cursor, known);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i) => i.sku));
      cursor = page.next;
    } while (cursor !== null);
    expect(seen).toEqual(known.map((l) => l.sku));
    const after = inst('storm').stats();
    const calls = (op: string) => (after.calls[op] ?? 0) - (before.calls[op] ?? 0);
    // 4 pages of at most 3, one searchListingsItems each, retried through the 429s
    expect(calls('searchListingsItems') - (after.throttled - before.throttled)).toBe(4);
    expect(calls('getListingsItem')).toBe(0);
  });

  it('reads 20 SKUs a search; a SKU with a comma, or one the search misses, alone', async () => {
    const c = connector('bulk', 10);
    inst('bulk').resetStats();
    const known = [...skus('B', 44).map((s, i) => listing(i + 1, s.sku)), listing(45, 'B,45'), listing(46, 'GONE')];
    const counts = await c.readQuantities(known);
    expect(counts).toEqual(new Map([...Array.from({ length: 44 }, (_, i) => [i + 1, 7] as [number, number]), [45, 3]]));
    // 44 searchable SKUs = 20 + 20 + 4; 'B,45' and the missing 'GONE' (a 404) by getListingsItem
    expect(inst('bulk').stats().calls).toEqual({ searchListingsItems: 3, getListingsItem: 2 });
    const ids = await c.resolveListings([listing(1, 'B-1'), listing(45, 'B,45'), listing(46, 'GONE')]);
    expect([...ids.keys()]).toEqual([1, 45]);
    expect(ids.get(45)).toEqual({ sellerSku: 'B,45', asin: expect.stringMatching(/^B0/) });
  });
});

describe('Amazon orders', () => {
  it('pages getOrders with NextToken from LastUpdatedAfter, lines from getOrderItems', async () => {
    const c = connector('orders', 1000);
    const o = inst('orders').control;
    expect(o.shopperOrder([{ sku: 'O-1', quantity: 1 }]).ok).toBe(true); // before `since`
    await sleep(5);
    const since = new Date();
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const r = o.shopperOrder([{ sku: `O-${(i % 3) + 1}`, quantity: 1 + (i % 2) }, ...(i === 7 ? [{ sku: 'O-3', quantity: 4 }] : [])]);
      if (r.ok) ids.push(r.orderId);
    }
    o.cancelOrder!(ids[1]!);
    const first = await c.pollOrders(since, null);
    expect(first.items).toHaveLength(100);
    expect(first.next).toEqual(expect.any(String));
    const second = await c.pollOrders(since, first.next);
    expect(second.next).toBeNull();
    const all = [...first.items, ...second.items];
    expect(all.map((x) => x.externalId).sort()).toEqual([...ids].sort());
    const byId = new Map(all.map((x) => [x.externalId, x]));
    expect(byId.get(ids[0]!)).toMatchObject({ cancelled: false, lines: [{ sku: 'O-1', quantity: 1 }] });
    expect(byId.get(ids[7]!)!.lines).toEqual([
      { sku: 'O-2', quantity: 2 },
      { sku: 'O-3', quantity: 4 },
    ]);
    expect(byId.get(ids[1]!)).toMatchObject({ cancelled: true, lines: [] });
    // oldest update first: the cancellation is the latest update
    for (let i = 1; i < all.length; i++) expect(all[i]!.updatedAt.getTime()).toBeGreaterThanOrEqual(all[i - 1]!.updatedAt.getTime());
    expect(all.at(-1)!.updatedAt.getTime()).toBe(byId.get(ids[1]!)!.updatedAt.getTime());
    // (rates x1000 leave the one spare token 2 ms of jitter: the odd 429 here is retried;
    // the pacing test above checks throttling at x10)

    // A re-poll of the same window with most orders recorded fetches lines for the rest
    // only; a recorded order that was cancelled still comes back, as cancelled.
    const recorded = new Set([...ids.slice(0, 140)]);
    const asked: string[] = [];
    const known = async (xs: readonly string[]) => {
      asked.push(...xs);
      return new Set(xs.filter((x) => recorded.has(x)));
    };
    const itemCalls = () => inst('orders').stats().calls['getOrderItems'] ?? 0;
    const before = itemCalls();
    const again = await c.pollOrders(since, null, known);
    const rest = again.next ? (await c.pollOrders(since, again.next, known)).items : [];
    const seen = [...again.items, ...rest];
    expect(seen.map((x) => x.externalId).sort()).toEqual([ids[1]!, ...ids.slice(140)].sort());
    expect(seen.find((x) => x.externalId === ids[1])).toMatchObject({ cancelled: true, lines: [] });
    expect(asked).not.toContain(ids[1]); // a cancelled order needs no lookup
    expect(itemCalls() - before).toBeGreaterThanOrEqual(10);
    expect(itemCalls() - before - inst('orders').stats().throttled).toBeLessThanOrEqual(10);
  });
});

describe('Amazon notifications', () => {
  const deliveries: WebhookInput[] = [];

  beforeAll(async () => {
    const n = inst('notify').control;
    n.subscribe('*', `${receiver.url}/amz?token=s3cret`);
    const r = n.shopperOrder([{ sku: 'N-1', quantity: 2 }]);
    await sb.flushWebhooks();
    if (r.ok) n.cancelOrder!(r.orderId);
    await sb.flushWebhooks();
    deliveries.push(...receiver.received.filter((d) => d.path === '/amz').map(asInput));
  });

  it('verifies the URL token', () => {
    const c = connector('notify', 10);
    const d = deliveries[0]!;
    expect(c.verifyWebhook(d)).toBe(true);
    expect(c.verifyWebhook({ ...d, query: { token: 's3cres' } })).toBe(false);
    expect(c.verifyWebhook({ ...d, query: { token: 's3cret-and-more' } })).toBe(false);
    expect(c.verifyWebhook({ ...d, query: {} })).toBe(false);
  });

  it('parses duplicates to the same event id, orders and quantities to engine events', () => {
    const c = connector('notify', 10);
    // every notification was sent twice (fault profile): 4 events, 8 deliveries
    expect(deliveries).toHaveLength(8);
    const parsed = deliveries.map((d) => c.parseWebhook(d));
    const byId = new Map(parsed.map((p) => [p.eventId, p]));
    expect(byId.size).toBe(4);
    for (const p of parsed) expect(byId.get(p.eventId)).toEqual(p);
    const events = [...byId.values()].flatMap((p) => p.events);
    expect(
      events
        .filter((e) => e.kind === 'channel_quantity')
        .map((e) => e.kind === 'channel_quantity' && e.item.quantity)
        .sort(),
    ).toEqual([10, 8]);
    expect(events.find((e) => e.kind === 'order')).toMatchObject({ order: { cancelled: false, lines: [{ sku: 'N-1', quantity: 2 }] } });
    expect(events.filter((e) => e.kind === 'order_cancelled')).toHaveLength(1);
  });

  it('ignores an ORDER_CHANGE without item SKUs (the engine polls for it)', () => {
    const c = connector('notify', 10);
    const d = deliveries.find((x) => x.rawBody.toString().includes('ORDER_CHANGE') && x.rawBody.toString().includes('Unshipped'))!;
    const body = JSON.parse(d.rawBody.toString());
    for (const item of body.Payload.OrderChangeNotification.Summary.OrderItems) delete item.SellerSKU;
    const parsed = c.parseWebhook({ ...d, rawBody: Buffer.from(JSON.stringify(body)) });
    expect(parsed.events).toEqual([{ kind: 'ignored', reason: expect.stringContaining('pollOrders') }]);
  });

  it('names an odd fulfillment channel without throwing (found by the fuzz test: {"toString": null})', () => {
    const c = connector('notify', 10);
    const d = deliveries.find((x) => x.rawBody.toString().includes('LISTINGS_ITEM_MFN_QUANTITY_CHANGE'))!;
    const body = JSON.parse(d.rawBody.toString());
    body.Payload.FulfillmentChannelCode = { toString: null };
    const parsed = c.parseWebhook({ ...d, rawBody: Buffer.from(JSON.stringify(body)) });
    expect(parsed.events).toEqual([{ kind: 'ignored', reason: 'quantity change on fulfillment channel {"toString":null}, we set DEFAULT' }]);
  });

  it('parses only to PARSE errors or well-formed results (fuzz)', () => {
    const parse = (i: WebhookInput) => parseNotification(i, SELLER);
    const input = (rawBody: Buffer): WebhookInput => ({ headers: {}, query: {}, rawBody });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void parsesOrRejects(parse, input(Buffer.from(b)))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => void parsesOrRejects(parse, input(Buffer.from(JSON.stringify(v) ?? 'null')))),
      { numRuns: 300 },
    );
    const real = fc.constantFrom(...deliveries);
    fc.assert(
      fc.property(real, fc.nat(), (d, cut) => void parsesOrRejects(parse, { ...d, rawBody: d.rawBody.subarray(0, cut % (d.rawBody.length + 1)) })),
      { numRuns: 300 },
    );
    // real envelopes with one nested field replaced by anything
    fc.assert(
      fc.property(real, fc.nat(), fc.jsonValue(), (d, pick, value) => {
        const body = JSON.parse(d.rawBody.toString('utf8'));
        const holders: Record<string, unknown>[] = [];
        const walk = (o: unknown) => {
          if (typeof o === 'object' && o !== null) {
            holders.push(o as Record<string, unknown>);
            Object.values(o).forEach(walk);
          }
        };
        walk(body);
        const holder = holders[pick % holders.length]!;
        const keys = Object.keys(holder);
        if (keys.length > 0) holder[keys[pick % keys.length]!] = value;
        parsesOrRejects(parse, { ...d, rawBody: Buffer.from(JSON.stringify(body)) });
      }),
      { numRuns: 400 },
    );
  });
});

describe('Amazon against a fake: INVALID and Login with Amazon', () => {
  let fake: { url: string; lwaCalls: number; seenTokens: string[]; close: () => Promise<void> };

  beforeAll(async () => {
    const state = { lwaCalls: 0, seenTokens: [] as string[] };
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/auth/o2/token') {
          state.lwaCalls++;
          const form = new URLSearchParams(Buffer.concat(chunks).toString());
          const ok = form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === 'Atzr|r' && form.get('client_id') === 'cid';
          res.statusCode = ok ? 200 : 400;
          res.end(JSON.stringify(ok ? { access_token: `Atza|lwa-${state.lwaCalls}`, token_type: 'bearer', expires_in: 3600 } : { error: 'invalid_grant' }));
          return;
        }
        state.seenTokens.push(String(req.headers['x-amz-access-token']));
        const search = new URL(req.url ?? '/', 'http://x');
        if (req.method === 'GET' && search.searchParams.has('identifiers')) {
          const items = search.searchParams
            .get('identifiers')!
            .split(',')
            .map((sku) => ({ sku, fulfillmentAvailability: [{ fulfillmentChannelCode: 'DEFAULT', quantity: 1 }] }));
          res.end(JSON.stringify({ numberOfResults: items.length, items }));
          return;
        }
        res.end(
          JSON.stringify(
            req.method === 'PATCH'
              ? { sku: 'X', status: 'INVALID', submissionId: 'x', issues: [{ code: '90244', message: 'bad value', severity: 'ERROR' }] }
              : { sku: 'X', fulfillmentAvailability: [{ fulfillmentChannelCode: 'DEFAULT', quantity: 1 }] },
          ),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fake = Object.assign(state, { url, close: () => new Promise<void>((r) => server.close(() => r())) });
  });
  afterAll(() => fake.close());

  it('maps INVALID to a REJECTED failure with the issues', async () => {
    const c = connector('fake', 1, {}, fake.url);
    const [out] = await c.push([{ listing: listing(1, 'X'), quantity: 5, expected: 1 }]);
    expect(out).toMatchObject({ status: 'failed', error: { connectorCode: 'REJECTED', message: expect.stringContaining('90244 bad value') } });
  });

  it('exchanges the refresh token once and reuses the access token', async () => {
    const lwa = (refreshToken: string) =>
      create({
        connectionId: 'amz-lwa',
        baseUrl: fake.url,
        credentials: { clientId: 'cid', clientSecret: 'sec', refreshToken },
        options: { sellerId: SELLER, marketplaceId: MARKET, lwaUrl: `${fake.url}/auth/o2/token`, retry: { attempts: 1, baseMs: 1, maxMs: 1 } },
      });
    const c = lwa('Atzr|r');
    fake.seenTokens.length = 0;
    expect(await c.readQuantities([listing(1, 'X'), listing(2, 'Y'), listing(3, 'Z')])).toEqual(
      new Map([
        [1, 1],
        [2, 1],
        [3, 1],
      ]),
    ); // one search
    await c.push([{ listing: listing(1, 'X'), quantity: 5, expected: 1 }]); // a read and a patch
    expect(fake.lwaCalls).toBe(1);
    expect(fake.seenTokens).toEqual(['Atza|lwa-1', 'Atza|lwa-1', 'Atza|lwa-1']);
    await expect(lwa('wrong').readQuantities([listing(1, 'X')])).rejects.toMatchObject({ connectorCode: 'AUTH' });
  });
});
