import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import '../../sandbox/amazon/index.js';
import { amazonOptions } from '../../sandbox/amazon/index.js';
import { createFaults, FAULT_PROFILES, type FaultProfile } from '../../sandbox/core/faults.js';
import { createRng } from '../../sandbox/core/rng.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { startReceiver, type Receiver } from './woocommerce-helpers.js';

const SEED = 11;
const TOKEN = 'Atza|test';
const MARKET = 'ATVPDKIKX0DER';
const noisy: FaultProfile = {
  ...FAULT_PROFILES.none,
  webhookDuplicate: 0.3,
  webhookReorder: 0.2,
};
const skus = Array.from({ length: 5 }, (_, i) => ({ sku: `A-${i + 1}`, quantity: 10 }));
const common = { accessToken: TOKEN, sellerId: 'ASELLER1', processingDelayMs: 4_000, rateScale: 100 };

let sb: RunningSandbox;
let receiver: Receiver;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls, so a loaded machine's late timers do not fail the test; bounded at 3 s. */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  const until = Date.now() + 3_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met within 3 s');
    await sleep(10);
  }
}
async function call(seller: string, method: string, path: string, body?: unknown, token = TOKEN) {
  const res = await fetch(`${sb.url}/amazon/${seller}${path}`, {
    method,
    headers: { 'x-amz-access-token': token, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}
const item = (sku: string) => `/listings/2021-08-01/items/ASELLER1/${sku}?marketplaceIds=${MARKET}`;
const patchBody = (quantity: number, op = 'replace') => ({
  productType: 'PRODUCT',
  patches: [{ op, path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity }] }],
});

beforeAll(async () => {
  receiver = await startReceiver();
  sb = await startSandbox({
    seed: SEED,
    timeScale: 0.05,
    faults: { 'amazon/noisy': noisy, default: 'none' },
    instances: [
      { platform: 'amazon', name: 'main', skus, options: common },
      { platform: 'amazon', name: 'limits', skus, options: { ...common, rateScale: 1 } },
      { platform: 'amazon', name: 'search-limits', skus, options: { ...common, rateScale: 1 } },
      { platform: 'amazon', name: 'noisy', skus, options: common },
    ],
  });
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});
afterEach(() => {
  receiver.received.length = 0;
});

describe('Amazon SP-API listings', () => {
  it('requires x-amz-access-token', async () => {
    const res = await call('main', 'GET', item('A-1'), undefined, 'wrong');
    expect(res.status).toBe(403);
    expect(res.json.errors[0].code).toBe('Unauthorized');
  });

  it('accepts a PATCH at once and applies the quantity after the processing delay', async () => {
    const res = await call('main', 'PATCH', item('A-1'), patchBody(3));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ sku: 'A-1', status: 'ACCEPTED', issues: [] });
    expect(res.json.submissionId).toMatch(/^[0-9a-f]{32}$/);
    const before = await call('main', 'GET', `${item('A-1')}&includedData=fulfillmentAvailability,summaries`);
    expect(before.json.fulfillmentAvailability).toEqual([{ fulfillmentChannelCode: 'DEFAULT', quantity: 10 }]);
    expect(before.json.summaries[0].marketplaceId).toBe(MARKET);
    // 4,000 platform ms x 0.05 = 200 ms after the PATCH
    await eventually(
      async () => (await call('main', 'GET', `${item('A-1')}&includedData=fulfillmentAvailability`)).json.fulfillmentAvailability[0].quantity === 3,
    );
  });

  it('answers INVALID with issues for a bad patch and changes nothing', async () => {
    const res = await call('main', 'PATCH', item('A-2'), patchBody(-1));
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('INVALID');
    expect(res.json.issues[0]).toMatchObject({ severity: 'ERROR', attributeNames: ['fulfillment_availability'] });
    expect((await call('main', 'PATCH', item('A-2'), { patches: [] })).status).toBe(400);
    await sleep(250); // past the processing delay: an INVALID patch is never applied
    expect(sb.instances.get('amazon/main')!.control.getStock('A-2')).toBe(10);
  });

  it('an absolute PATCH applied later overwrites a sale made in between', async () => {
    const amz = sb.instances.get('amazon/main')!;
    await call('main', 'PATCH', item('A-3'), patchBody(10, 'merge'));
    expect(amz.control.shopperOrder([{ sku: 'A-3', quantity: 4 }]).ok).toBe(true);
    expect(amz.control.getStock('A-3')).toBe(6);
    await eventually(() => amz.control.getStock('A-3') === 10);
  });
});

describe('Amazon SP-API searchListingsItems', () => {
  // The search bucket holds 5 tokens (restored 500/s here): requests back to back faster
  // than 2 ms apart run it dry, so these tests of answers wait out a 429 (the bucket has tests of its own).
  const searchOnce = (query: string, seller: string) => call(seller, 'GET', `/listings/2021-08-01/items/ASELLER1?marketplaceIds=${MARKET}&${query}`);
  const search = async (query: string, seller = 'main') => {
    for (let attempt = 0; ; attempt++) {
      const res = await searchOnce(query, seller);
      if (res.status !== 429 || attempt === 50) return res;
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('finds up to 20 SKUs at once, leaving out those the seller lacks', async () => {
    const res = await search('identifiers=A-4,NOPE,A-5,A-4&identifiersType=SKU&includedData=fulfillmentAvailability,summaries&pageSize=20');
    expect(res.status).toBe(200);
    expect(res.json.numberOfResults).toBe(2);
    expect(res.json.pagination).toBeUndefined();
    expect(res.json.items.map((i: any) => i.sku)).toEqual(['A-4', 'A-5']);
    expect(res.json.items[0].fulfillmentAvailability).toEqual([{ fulfillmentChannelCode: 'DEFAULT', quantity: 10 }]);
    expect(res.json.items[0].summaries[0].asin).toMatch(/^B0/);
    const byAsin = await search(`identifiers=${res.json.items[1].summaries[0].asin}&identifiersType=ASIN`);
    expect(byAsin.json.items.map((i: any) => i.sku)).toEqual(['A-5']);
  });

  it('pages with pageToken (default pageSize 10) and refuses what Amazon refuses', async () => {
    const first = await search('pageSize=2&includedData=summaries');
    expect(first.json.numberOfResults).toBe(5);
    expect(first.json.items).toHaveLength(2);
    const second = await search(`pageSize=2&pageToken=${first.json.pagination.nextToken}`);
    expect(second.json.items).toHaveLength(2);
    expect(second.json.pagination.previousToken).toBeDefined();
    const skusSeen = [...first.json.items, ...second.json.items].map((i: any) => i.sku);
    expect(new Set(skusSeen).size).toBe(4);
    expect((await search('')).json.items).toHaveLength(5);
    const many = Array.from({ length: 21 }, (_, i) => `X-${i}`).join(',');
    for (const q of [`identifiers=${many}&identifiersType=SKU`, 'identifiers=A-1', 'pageSize=21', 'pageSize=0', 'pageToken=zzz', 'includedData=prices']) {
      const res = await search(q);
      expect({ q, status: res.status, code: res.json.errors?.[0]?.code }).toEqual({ q, status: 400, code: 'InvalidInput' });
    }
  });

  it('has its own token bucket: burst 5', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await searchOnce('identifiers=A-1&identifiersType=SKU', 'search-limits')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    // getListingsItem's bucket is untouched
    expect((await call('search-limits', 'GET', item('A-1'))).status).toBe(200);
    await sleep(210);
    expect((await searchOnce('identifiers=A-1&identifiersType=SKU', 'search-limits')).status).toBe(200);
  });
});

describe('Amazon SP-API orders', () => {
  it('pages getOrders with NextToken and enforces CreatedAfter/LastUpdatedAfter exclusivity', async () => {
    const amz = sb.instances.get('amazon/main')!;
    const since = new Date(Date.now() - 1000).toISOString();
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = amz.control.shopperOrder([{ sku: 'A-4', quantity: 1 }]);
      if (r.ok) ids.add(r.orderId);
    }
    expect(ids.size).toBe(5);
    const seen: string[] = [];
    let res = await call('main', 'GET', `/orders/v0/orders?MarketplaceIds=${MARKET}&CreatedAfter=${since}&MaxResultsPerPage=2`);
    for (;;) {
      expect(res.status).toBe(200);
      seen.push(...res.json.payload.Orders.map((o: any) => o.AmazonOrderId));
      const next = res.json.payload.NextToken;
      if (!next) break;
      res = await call('main', 'GET', `/orders/v0/orders?MarketplaceIds=${MARKET}&NextToken=${encodeURIComponent(next)}`);
    }
    expect(seen.filter((id) => ids.has(id)).length).toBe(5);
    expect(new Set(seen).size).toBe(seen.length);

    const both = await call('main', 'GET', `/orders/v0/orders?MarketplaceIds=${MARKET}&CreatedAfter=${since}&LastUpdatedAfter=${since}`);
    expect(both.status).toBe(400);
    expect(both.json.errors[0].code).toBe('InvalidInput');
    expect((await call('main', 'GET', `/orders/v0/orders?MarketplaceIds=${MARKET}`)).status).toBe(400);
    expect((await call('main', 'GET', `/orders/v0/orders?MarketplaceIds=${MARKET}&LastUpdatedAfter=${since}&MaxResultsPerPage=101`)).status).toBe(400);
    const updated = await call('main', 'GET', `/orders/v0/orders?MarketplaceIds=${MARKET}&LastUpdatedAfter=${since}`);
    expect(updated.json.payload.LastUpdatedBefore).toBeDefined();
    const first = [...ids][0]!;
    const items = await call('main', 'GET', `/orders/v0/orders/${first}/orderItems`);
    expect(items.json.payload.OrderItems[0]).toMatchObject({ SellerSKU: 'A-4', QuantityOrdered: 1 });
  });

  it('throttles each operation with its own token bucket: 429 QuotaExceeded at the documented burst', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 21; i++) {
      last = await call('limits', 'GET', `/orders/v0/orders?MarketplaceIds=${MARKET}&CreatedAfter=${since}`);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true); // burst 20
    expect(last!.status).toBe(429);
    expect(last!.json).toEqual({ errors: [{ code: 'QuotaExceeded', message: expect.any(String), details: '' }] });
    expect(last!.headers.get('x-amzn-ratelimit-limit')).toBe('0.0167');

    // patchListingsItem: burst 5, then one token per 200 ms at 5/s
    const patch: number[] = [];
    for (let i = 0; i < 6; i++) patch.push((await call('limits', 'PATCH', item('A-5'), patchBody(i))).status);
    expect(patch).toEqual([200, 200, 200, 200, 200, 429]);
    await sleep(210);
    expect((await call('limits', 'PATCH', item('A-5'), patchBody(9))).status).toBe(200);
    expect((await call('limits', 'PATCH', item('A-5'), patchBody(9))).status).toBe(429);
    expect(sb.instances.get('amazon/limits')!.stats().throttled).toBe(3);
  });
});

describe('Amazon notifications (SQS stand-in)', () => {
  it('delivers envelopes with duplicates and reordering at the configured rates, NotificationId stable', async () => {
    const amz = sb.instances.get('amazon/noisy')!;
    amz.control.subscribe('LISTINGS_ITEM_MFN_QUANTITY_CHANGE', receiver.url);
    const n = 300;
    // replay the instance's fault stream: the same seed and label give the same plans
    const replay = createFaults(noisy, createRng(SEED, 'amazon/noisy#faults'));
    const plans = Array.from({ length: n }, () => replay.webhookPlan());
    for (let q = 1; q <= n; q++) amz.control.setStock('A-1', 100 + q);
    await sb.flushWebhooks();

    const expectedCopies = plans.reduce((s, p) => s + p.copies, 0);
    expect(receiver.received.length).toBe(expectedCopies);
    const bodies = new Map<string, string[]>();
    for (const r of receiver.received) {
      const env = JSON.parse(r.body);
      expect(env).toMatchObject({
        NotificationVersion: '1.0',
        NotificationType: 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE',
        PayloadVersion: '1.0',
        Payload: { SellerId: 'ASELLER1', FulfillmentChannelCode: 'DEFAULT', Sku: 'A-1' },
      });
      expect(Object.keys(env.NotificationMetadata).sort()).toEqual(['ApplicationId', 'NotificationId', 'PublishTime', 'SubscriptionId']);
      const id = env.NotificationMetadata.NotificationId as string;
      bodies.set(id, [...(bodies.get(id) ?? []), r.body]);
    }
    expect(bodies.size).toBe(n);
    const dups = [...bodies.values()].filter((b) => b.length > 1);
    expect(dups.length).toBe(plans.filter((p) => p.copies > 1).length);
    for (const b of dups) expect(new Set(b).size).toBe(1); // a duplicate is the same message
    expect(dups.length / n).toBeGreaterThan(0.2);
    expect(dups.length / n).toBeLessThan(0.4);

    // held-back notifications arrive after every notification sent without delay
    const arrival = new Map<number, number>();
    receiver.received.forEach((r, i) => {
      const q = JSON.parse(r.body).Payload.Quantity as number;
      if (!arrival.has(q)) arrival.set(q, i);
    });
    const held = plans.map((p, i) => (p.delayMs > 0 ? 101 + i : -1)).filter((q) => q > 0);
    const prompt = plans.map((p, i) => (p.delayMs === 0 ? 101 + i : -1)).filter((q) => q > 0);
    expect(held.length / n).toBeGreaterThan(0.12);
    expect(held.length / n).toBeLessThan(0.28);
    const lastPrompt = Math.max(...prompt.map((q) => arrival.get(q)!));
    for (const q of held) expect(arrival.get(q)!).toBeGreaterThan(lastPrompt);
  });

  it('sends ORDER_CHANGE for a shopper order', async () => {
    const amz = sb.instances.get('amazon/main')!;
    amz.control.subscribe('ORDER_CHANGE', receiver.url);
    const r = amz.control.shopperOrder([{ sku: 'A-5', quantity: 2 }]);
    await sb.flushWebhooks();
    const env = JSON.parse(receiver.received.find((x) => JSON.parse(x.body).NotificationType === 'ORDER_CHANGE')!.body);
    expect(env.Payload.OrderChangeNotification).toMatchObject({
      AmazonOrderId: r.ok ? r.orderId : '',
      SellerId: 'ASELLER1',
      Summary: { OrderStatus: 'Unshipped', OrderItems: [{ SellerSKU: 'A-5', Quantity: 2 }] },
    });
  });

  it('derives stable defaults for a seller', () => {
    expect(amazonOptions('x').sellerId).toBe(amazonOptions('x').sellerId);
    expect(amazonOptions('x').sellerId).toMatch(/^A[A-Z0-9]{13}$/);
  });
});
