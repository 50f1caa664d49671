import { afterEach, describe, expect, it } from 'vitest';
import type { FaultProfile } from '../../sandbox/core/faults.js';
import { throttleWaitMs } from '../../src/connectors/shopify/client.js';
import { capabilitiesFor } from '../../src/connectors/shopify/index.js';
import { shopWithConnector, skus } from './shopify-helpers.js';

let env: Awaited<ReturnType<typeof shopWithConnector>> | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('shopify rate limits', () => {
  it('declares the cost bucket from the plan or the restore rate', () => {
    const cfg = (options: Record<string, unknown>) => ({ connectionId: 'c', baseUrl: 'http://x', credentials: {}, options });
    expect(capabilitiesFor(cfg({})).rateLimit).toEqual({ kind: 'cost-bucket', restorePerSecond: 100, bucketSize: 1000 });
    expect(capabilitiesFor(cfg({ plan: 'plus' })).rateLimit).toEqual({ kind: 'cost-bucket', restorePerSecond: 1000, bucketSize: 10000 });
    expect(capabilitiesFor(cfg({ plan: 'enterprise', restoreRate: 50 })).rateLimit).toEqual({ kind: 'cost-bucket', restorePerSecond: 50, bucketSize: 500 });
    expect(() => capabilitiesFor(cfg({ plan: 'gold' }))).toThrow(/options.plan/);
    expect(capabilitiesFor(cfg({}))).toMatchObject({
      maxBatch: 250,
      compareAndSet: true,
      relativeAdjust: true,
      asyncApply: false,
      webhookVerification: 'hmac-sha256-base64',
    });
  });

  it('computes the wait from the deficit and the restore rate', () => {
    expect(throttleWaitMs(110, 10, 50)).toBe(2000);
    expect(throttleWaitMs(10, 500, 50)).toBe(50); // never a busy loop
  });

  it('paces itself on a small bucket: few throttled calls, everything converges', async () => {
    // restore 50 points/s, bucket 500: 30 pushes (300 points) and 10 reads (300) must wait
    env = await shopWithConnector({ skus: skus(30), shopOptions: { restoreRate: 50 }, connectorOptions: { restoreRate: 50 } });
    const listings = env.truth().items.map((it, i) => env!.listing(i + 1, it.sku));
    env.shop.resetStats();
    const t0 = Date.now();
    const pushes = listings.map((l, i) => env!.connector.push([{ listing: l, quantity: i % 7, expected: 10 }]));
    const reads = Array.from({ length: 10 }, () => env!.connector.readQuantities(listings.slice(0, 10)));
    const outs = await Promise.all(pushes);
    await Promise.all(reads);
    expect(outs.flat().every((o) => o.status === 'applied')).toBe(true);
    listings.forEach((l, i) => expect(env!.available(l.sku)).toBe(i % 7));
    expect(env.shop.stats().throttled).toBeLessThanOrEqual(2);
    expect(Date.now() - t0).toBeGreaterThan(1500); // (600 - 500) / 50 = 2 s of waiting
  });

  it('a connector that believes in a larger bucket is throttled, waits as told and converges', async () => {
    env = await shopWithConnector({ skus: skus(30), shopOptions: { restoreRate: 100 }, connectorOptions: { plan: 'plus' } });
    const listings = env.truth().items.map((it, i) => env!.listing(i + 1, it.sku));
    env.shop.resetStats();
    // 30 x 10 points and 30 reads of 30 points against a 1,000-point bucket restoring 100/s
    const pushes = listings.map((l) => env!.connector.push([{ listing: l, quantity: 3, expected: 10 }]));
    const reads = Array.from({ length: 30 }, () => env!.connector.readQuantities(listings.slice(0, 10)));
    const outs = await Promise.all(pushes);
    await Promise.all(reads);
    expect(outs.flat().every((o) => o.status === 'applied')).toBe(true);
    // it learns the real bucket from throttleStatus after the first answers
    const throttled = env.shop.stats().throttled;
    expect(throttled).toBeGreaterThan(0);
    expect(throttled).toBeLessThan(15);
    expect(env.connector.stats().throttled).toBe(throttled);
    listings.forEach((l) => expect(env!.available(l.sku)).toBe(3));
  });
});

describe('shopify request faults', () => {
  const profile: FaultProfile = {
    latencyMs: { min: 0, max: 5 },
    rate429: 0.04,
    rate5xx: 0.12,
    rateTimeout: 0.08,
    timeoutMs: 400,
    webhookLoss: 0,
    webhookDuplicate: 0,
    webhookDelayMs: { min: 0, max: 0 },
    webhookReorder: 0,
    clockSkewMs: 0,
  };

  it('429, 5xx and timeouts (executed, answer lost) are retried; pushes stay exact', async () => {
    env = await shopWithConnector({
      skus: skus(5),
      faults: profile,
      timeoutMs: 200,
      connectorOptions: { plan: 'plus', retry: { attempts: 8, baseMs: 5, maxMs: 100 } },
    });
    const listings = env.truth().items.map((it, i) => env!.listing(i + 1, it.sku));
    let expected = 10;
    for (let round = 0; round < 25; round++) {
      const quantity = (round * 7) % 23;
      const out = await env.connector.push(listings.map((l) => ({ listing: l, quantity, expected })));
      // a timed-out call that was executed is replayed by its idempotency key: applied, never stale
      expect(out.map((o) => o.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
      expected = quantity;
      expect(await env.connector.readQuantities(listings)).toEqual(new Map(listings.map((l) => [l.listingId, quantity])));
    }
    const page = await env.connector.listQuantities(null, []);
    expect(page.items.map((q) => q.quantity)).toEqual(listings.map(() => expected));
    const stats = env.shop.stats();
    expect(stats.errors).toBeGreaterThan(3); // 5xx and timeouts happened
    expect(stats.throttled).toBeGreaterThan(0); // and 429s
  });
});
