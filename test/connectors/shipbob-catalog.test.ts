// The ShipBob connector against the sandbox with two fulfillment centers and a bundle:
// catalogue discovery, levels per center (exception orders taken off), cancels, and the
// 429 answers (Retry-After, or only ShipBob's own x-retry-after and body).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { WarehouseInstance } from '../../sandbox/warehouse/index.js';
import { create } from '../../src/connectors/shipbob/index.js';
import { connector, drain, SECRET, TOKEN } from './shipbob-helpers.js';

let sb: RunningSandbox;
const opts = {
  token: TOKEN,
  webhookSecret: SECRET,
  fulfillmentCenters: [
    { id: 1, name: 'Cicero (IL)' },
    { id: 2, name: 'Moreno Valley (CA)' },
  ],
  bundles: [
    {
      sku: 'GIFT',
      name: 'Gift set',
      components: [
        { sku: 'C-1', quantity: 1 },
        { sku: 'C-2', quantity: 2 },
      ],
    },
  ],
};
const instance = (name: string) => sb.instances.get(`warehouse/${name}`) as WarehouseInstance;

beforeAll(async () => {
  sb = await startSandbox({
    seed: 21,
    timeScale: 0.01,
    faults: { default: 'none', 'warehouse/storm': { ...FAULT_PROFILES.none, rate429: 0.5 } },
    instances: [
      { platform: 'warehouse', name: 'two', skus: ['C-1', 'C-2', 'C-3', 'C-4', 'C-5'].map((sku) => ({ sku, quantity: 10 })), options: opts },
      { platform: 'warehouse', name: 'storm', skus: [{ sku: 'X-1', quantity: 100 }], options: { token: TOKEN } },
      { platform: 'warehouse', name: 'tight', skus: [{ sku: 'T-1', quantity: 1 }], options: { token: TOKEN, rateLimit: { limit: 2, windowMs: 1_000 } } },
    ],
  });
});
afterAll(async () => {
  await sb.close();
});

describe('shipbob connector: catalogue discovery', () => {
  it('lists every product page by page: SKU, name, barcode, ids; a bundle with its components', async () => {
    const c = connector(sb, 'two', { pageSize: 2 });
    const { items, pages } = await drain((cur) => c.listProducts(cur));
    expect(pages).toBe(3);
    expect(items.map((p) => p.sku)).toEqual(['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'GIFT']);
    const truth = instance('two').control.truth() as { inventory: { sku: string; inventory_id: number }[] };
    expect(items[0]).toEqual({
      sku: 'C-1',
      name: 'C-1',
      barcode: expect.stringMatching(/^\d{12}$/),
      platformIds: { productId: expect.any(String), variantId: expect.any(String), inventoryId: String(truth.inventory[0]!.inventory_id) },
    });
    expect(new Set(items.map((p) => p.barcode)).size).toBe(6); // five barcodes and the bundle's null
    expect(items[5]).toEqual({
      sku: 'GIFT',
      name: 'Gift set',
      barcode: null,
      components: [
        { sku: 'C-1', quantity: 1 },
        { sku: 'C-2', quantity: 2 },
      ],
      platformIds: { productId: '900001', variantId: '900001' },
    });
    await expect(c.listProducts('/2026-01/inventory-level?Cursor=x')).rejects.toMatchObject({ connectorCode: 'PARSE' });
  });
});

describe('shipbob connector: levels per fulfillment center', () => {
  it('one location per center; what exception orders wait for is taken off, never sold twice', async () => {
    const c = connector(sb, 'two');
    const before = (await drain((cur) => c.listLevels(cur))).items;
    expect(before.map((l) => [l.sku, l.location])).toEqual([
      ['C-1', '1'],
      ['C-2', '2'],
      ['C-3', '1'],
      ['C-4', '2'],
      ['C-5', '1'],
    ]);
    // 15 of C-3 wanted, 10 there: the order waits in Exception and C-3 is not sellable
    expect(await c.pushOrder({ referenceId: 'SHORT', lines: [{ sku: 'C-3', quantity: 15 }] })).toMatchObject({ status: 'accepted' });
    // a bundle is fulfilled as its components
    expect(await c.pushOrder({ referenceId: 'GIFT-1', lines: [{ sku: 'GIFT', quantity: 2 }] })).toMatchObject({ status: 'accepted' });
    const after = new Map((await drain((cur) => c.listLevels(cur))).items.map((l) => [l.sku, l]));
    expect(after.get('C-3')).toMatchObject({ location: '1', onHand: 10, allocated: 0, available: 0 });
    expect(after.get('C-1')).toMatchObject({ location: '1', onHand: 10, allocated: 2, available: 8 });
    expect(after.get('C-2')).toMatchObject({ location: '2', onHand: 10, allocated: 4, available: 6 });
    // the whole 3PL as one location: network-wide sellable
    const whole = new Map((await connector(sb, 'two', { location: 'main' }).listLevels(null)).items.map((l) => [l.sku, l]));
    expect(whole.get('C-3')).toMatchObject({ location: 'main', available: 0 });
    expect(whole.get('C-2')).toMatchObject({ location: 'main', available: 6 });
  });

  it('cancels: released; again: still cancelled; shipped: not cancellable; unknown: not found', async () => {
    const c = connector(sb, 'two');
    const pushed = await c.pushOrder({ referenceId: 'CANCEL-ME', lines: [{ sku: 'C-4', quantity: 1 }] });
    if (pushed.status !== 'accepted') throw new Error('not accepted');
    expect(await c.cancelOrder({ referenceId: 'CANCEL-ME', warehouseOrderId: pushed.warehouseOrderId })).toEqual({ status: 'cancelled' });
    expect(await c.cancelOrder({ referenceId: 'CANCEL-ME', warehouseOrderId: null })).toEqual({ status: 'cancelled' });
    const shipped = await c.pushOrder({ referenceId: 'SHIP-ME', lines: [{ sku: 'C-4', quantity: 1 }] });
    if (shipped.status !== 'accepted') throw new Error('not accepted');
    instance('two').control.ship(shipped.warehouseOrderId);
    expect(await c.cancelOrder({ referenceId: 'SHIP-ME', warehouseOrderId: shipped.warehouseOrderId })).toEqual({
      status: 'not_cancellable',
      reason: expect.stringMatching(/Failure.*shipped/),
    });
    expect(await c.cancelOrder({ referenceId: 'NEVER-SENT', warehouseOrderId: null })).toEqual({ status: 'not_found' });
    expect(await c.cancelOrder({ referenceId: 'NEVER-SENT', warehouseOrderId: '999999' })).toEqual({ status: 'not_found' });
  });

  it('finds the channel to send orders for when none is configured', async () => {
    const c = create({ connectionId: 'no-channel', baseUrl: `${sb.url}/warehouse/two`, credentials: { accessToken: TOKEN }, options: {} });
    expect(await c.pushOrder({ referenceId: 'CHANNEL-LOOKUP', lines: [{ sku: 'C-5', quantity: 1 }] })).toMatchObject({ status: 'accepted' });
  });
});

describe('shipbob connector: throttling', () => {
  it('a 429 storm (injected): retries after Retry-After until every call comes through, and reports each 429', async () => {
    let throttled = 0;
    const c = create({
      connectionId: 'storm',
      baseUrl: `${sb.url}/warehouse/storm`,
      credentials: { accessToken: TOKEN },
      options: { channelId: '100001', retryAttempts: 20, rateLimit: { requests: 1_000, windowMs: 1_000 } },
      onThrottled: () => throttled++,
    });
    // the injected 429s say "Try again in 25 seconds"; scaled by the sandbox's timeScale 0.01
    const started = Date.now();
    const pages = await Promise.all(Array.from({ length: 4 }, () => c.listLevels(null)));
    expect(pages.every((p) => p.items.length === 1)).toBe(true);
    expect(throttled).toBeGreaterThan(0);
    expect(sb.instances.get('warehouse/storm')!.stats().throttled).toBe(throttled);
    expect(Date.now() - started).toBeLessThan(60_000); // waits are 25 s scaled by 0.01, plus backoff
  });

  it('a 429 that names its wait only as ShipBob does (x-retry-after and the body) is still honoured', async () => {
    // A proxy drops the standard Retry-After header the sandbox adds, leaving ShipBob's own.
    const proxy = createServer(async (req, res) => {
      const upstream = await fetch(`${sb.url}${req.url}`, { headers: { authorization: String(req.headers.authorization) } });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      for (const h of ['x-retry-after', 'x-remaining-calls', 'date']) if (upstream.headers.has(h)) headers[h] = upstream.headers.get(h)!;
      res.writeHead(upstream.status, headers).end(await upstream.text());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const c = create({
        connectionId: 'tight',
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/warehouse/tight`,
        credentials: { accessToken: TOKEN },
        options: { retryAttempts: 1, rateLimit: { requests: 100, windowMs: 1_000 }, location: 'main' },
      });
      const results = await Promise.allSettled([c.listLevels(null), c.listLevels(null), c.listLevels(null)]);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      expect(refused?.reason).toMatchObject({ connectorCode: 'RATE_LIMITED', info: { status: 429, retryAfterMs: 1_000 } });
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });
});
