// Amazon FBA (platform amazon-fba) against the Amazon simulator over loopback: the FBA
// Inventory API's pages and expiring nextToken, 429s retried, the read-only refusals, and
// AFN orders (placed by shoppers from FBA stock) seen as external by the Amazon channel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import { create as createFba } from '../../src/connectors/amazon/fba.js';
import { create as createChannel } from '../../src/connectors/amazon/index.js';
import type { WarehouseConnector, WarehouseLevel } from '../../src/connectors/types.js';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { asInput, sleep, startReceiver } from './woocommerce-helpers.js';

const SELLER = 'ASELLER1';
const MARKET = 'ATVPDKIKX0DER';
const TOKEN = 'Atza|test';
const SKUS = Array.from({ length: 120 }, (_, i) => `F-${String(i + 1).padStart(3, '0')}`);
const fbaStock = Object.fromEntries(SKUS.map((sku, i) => [sku, i % 7]));
const sim = (rateScale: number, fba: Record<string, unknown>) => ({ sellerId: SELLER, accessToken: TOKEN, processingDelayMs: 6_000, rateScale, fba });

let sb: RunningSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const inst = (name: string) => sb.instances.get(`amazon/${name}`)!;
const options = (rateScale: number) => ({ sellerId: SELLER, marketplaceId: MARKET, rateScale, retry: { attempts: 12, baseMs: 5, maxMs: 50 } });
const fba = (name: string, rateScale = 100): WarehouseConnector =>
  createFba({
    connectionId: `fba-${name}`,
    baseUrl: `${sb.url}/amazon/${name}`,
    credentials: { accessToken: TOKEN },
    options: options(rateScale),
    locations: ['amazon'],
  });

async function readAll(c: WarehouseConnector, read: (cursor: string | null) => Promise<{ items: WarehouseLevel[]; next: string | null }>) {
  const levels: WarehouseLevel[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await read(cursor);
    levels.push(...page.items);
    cursor = page.next;
    pages++;
  } while (cursor !== null);
  return { levels, pages };
}

beforeAll(async () => {
  receiver = await startReceiver();
  sb = await startSandbox({
    seed: 7,
    timeScale: 0.05,
    faults: { 'amazon/storm': { ...FAULT_PROFILES.none, rate429: 0.4 }, default: 'none' },
    instances: [
      { platform: 'amazon', name: 'main', skus: SKUS.map((sku) => ({ sku, quantity: 10 })), options: sim(100, { skus: fbaStock }) },
      // tokenTtlMs is platform ms: 8 s times the time scale 0.05 is 400 real ms.
      { platform: 'amazon', name: 'short', skus: SKUS.map((sku) => ({ sku, quantity: 10 })), options: sim(100, { skus: fbaStock, tokenTtlMs: 8_000 }) },
      { platform: 'amazon', name: 'storm', skus: SKUS.map((sku) => ({ sku, quantity: 10 })), options: sim(100, { skus: fbaStock }) },
      { platform: 'amazon', name: 'paced', skus: SKUS.slice(0, 60).map((sku) => ({ sku, quantity: 10 })), options: sim(1, { skus: fbaStock }) },
      { platform: 'amazon', name: 'shop', skus: [{ sku: 'S-1', quantity: 5 }], options: sim(1000, { skus: { 'S-1': 8 }, afnShare: 1 }) },
      { platform: 'amazon', name: 'mfn', skus: [{ sku: 'M-1', quantity: 5 }], options: { sellerId: SELLER, accessToken: TOKEN, rateScale: 1000 } },
    ],
  });
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});

describe('amazon-fba full read and polls', () => {
  it('reads every SKU 50 a page, fulfillable as available, at its one location', async () => {
    const c = fba('main');
    const { levels, pages } = await readAll(c, (cursor) => c.listLevels(cursor));
    expect(pages).toBe(3);
    expect(levels.map((l) => l.sku)).toEqual(SKUS);
    for (const l of levels) expect(l).toMatchObject({ location: 'amazon', available: fbaStock[l.sku], onHand: fbaStock[l.sku], allocated: 0 });
  });

  it('polls only the SKUs changed after `since` (startDateTime)', async () => {
    const c = fba('main');
    const since = new Date();
    await sleep(5);
    inst('main').control.setFbaStock!('F-010', 40);
    inst('main').control.setFbaStock!('F-099', 0);
    const { levels } = await readAll(c, (cursor) => c.pollLevels(since, cursor));
    expect(levels.map((l) => [l.sku, l.available])).toEqual([
      ['F-010', 40],
      ['F-099', 0],
    ]);
  });

  it('starts a read again from its first page when the nextToken expired, and continues with a live one', async () => {
    const c = fba('short');
    const first = await c.listLevels(null);
    const live = await c.listLevels(first.next);
    expect(live.items[0]!.sku).toBe(SKUS[50]);
    await sleep(800); // the token of live.next lived 400 ms
    const restarted = await c.listLevels(live.next);
    expect(restarted.items.map((l) => l.sku)).toEqual(SKUS.slice(0, 50));
    expect(restarted.next).not.toBeNull();
  });

  it('retries the 429s of a storm and still reads every SKU once', async () => {
    const c = fba('storm');
    const { levels } = await readAll(c, (cursor) => c.listLevels(cursor));
    expect(levels.map((l) => l.sku)).toEqual(SKUS);
    expect(inst('storm').stats().throttled).toBeGreaterThan(0);
  });

  it('paces calls to the documented usage plan (2/s, burst 2): no 429 from the bucket', async () => {
    const c = fba('paced', 1);
    const reads = await Promise.all([readAll(c, (cursor) => c.listLevels(cursor)), readAll(c, (cursor) => c.listLevels(cursor))]);
    // The paced seller lists 60 of the SKUs: two pages a read, two reads side by side.
    for (const r of reads) expect(r.levels.map((l) => l.sku)).toEqual(SKUS.slice(0, 60));
    expect(inst('paced').stats().calls['getInventorySummaries']).toBe(4);
    expect(inst('paced').stats().throttled).toBe(0);
  });

  it('is read only: orders and cancellations are refused with a typed error, webhooks are not accepted', async () => {
    const c = fba('main');
    expect(c.capabilities.readOnly).toBe(true);
    await expect(c.pushOrder({ referenceId: 'r1', lines: [{ sku: 'F-001', quantity: 1 }] })).rejects.toMatchObject({
      connectorCode: 'REJECTED',
      message: expect.stringContaining('read only'),
    });
    await expect(c.cancelOrder({ referenceId: 'r1', warehouseOrderId: null })).rejects.toBeInstanceOf(ConnectorError);
    expect(c.verifyWebhook({ headers: {}, query: {}, rawBody: Buffer.from('{}') })).toBe(false);
  });
});

describe('AFN orders', () => {
  it('a shopper AFN order lowers FBA stock, not the MFN count, and the channel reads it as external', async () => {
    const shop = inst('shop').control;
    shop.subscribe('ORDER_CHANGE', `${receiver.url}/afn?token=t`);
    const r = shop.shopperOrder([{ sku: 'S-1', quantity: 3 }]);
    expect(r.ok).toBe(true);
    expect(shop.getFbaStock!('S-1')).toBe(5);
    expect(shop.getStock('S-1')).toBe(5);
    const fbaRead = await fba('shop').listLevels(null);
    expect(fbaRead.items).toEqual([expect.objectContaining({ sku: 'S-1', available: 5, onHand: 8, allocated: 3 })]);

    const channel = createChannel({
      connectionId: 'amz',
      baseUrl: `${sb.url}/amazon/shop`,
      credentials: { accessToken: TOKEN, notificationToken: 't' },
      options: options(1000),
    });
    const polled = await channel.pollOrders(new Date(Date.now() - 60_000), null);
    expect(polled.items).toEqual([expect.objectContaining({ fulfilment: 'external', lines: [{ sku: 'S-1', quantity: 3 }] })]);

    await sb.flushWebhooks();
    const delivery = receiver.received.find((d) => d.path === '/afn')!;
    const events = channel.parseWebhook(asInput(delivery)).events;
    expect(events).toEqual([{ kind: 'order', order: expect.objectContaining({ fulfilment: 'external' }) }]);

    // A cancelled AFN order gives its units back to FBA fulfillable.
    if (r.ok) shop.cancelOrder!(r.orderId);
    expect(shop.getFbaStock!('S-1')).toBe(8);
  });

  it('without the fba option every shopper order stays MFN (the default)', async () => {
    const mfn = inst('mfn').control;
    expect(mfn.shopperOrder([{ sku: 'M-1', quantity: 1 }]).ok).toBe(true);
    expect(mfn.getStock('M-1')).toBe(4);
    const channel = createChannel({ connectionId: 'amz2', baseUrl: `${sb.url}/amazon/mfn`, credentials: { accessToken: TOKEN }, options: options(1000) });
    const polled = await channel.pollOrders(new Date(Date.now() - 60_000), null);
    expect(polled.items.map((o) => o.fulfilment)).toEqual(['merchant']);
  });
});
