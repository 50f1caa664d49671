// The sandbox's latency knob: a fixed delay plus seeded jitter on every platform route,
// off by default, settable from the config and the control API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSandboxConfig } from '../../sandbox/core/config.js';
import { createLatency } from '../../sandbox/core/latency.js';
import { createRng } from '../../sandbox/core/rng.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';

/** One real route per platform (the answer does not matter: 401 or 400 pass the hook too). */
const ROUTES: Record<string, { method: string; path: string; body?: unknown }> = {
  'shopify/s': { method: 'POST', path: '/shopify/s/admin/api/2026-04/graphql.json', body: { query: '{ shop { name } }' } },
  'woocommerce/w': { method: 'GET', path: '/woocommerce/w/wp-json/wc/v3/products' },
  'amazon/a': { method: 'GET', path: '/amazon/a/listings/2021-08-01/items/S1/X?marketplaceIds=ATVPDKIKX0DER' },
  'warehouse/h': { method: 'GET', path: '/warehouse/h/2026-01/inventory-level' },
};

describe('sandbox latency', () => {
  let sandbox: RunningSandbox;
  const timed = async (key: string) => {
    const r = ROUTES[key]!;
    const t = performance.now();
    const res = await fetch(`${sandbox.url}${r.path}`, {
      method: r.method,
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_x' },
      ...(r.body !== undefined && { body: JSON.stringify(r.body) }),
    });
    await res.arrayBuffer();
    return performance.now() - t;
  };
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sandbox.url}/_sandbox${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  beforeAll(async () => {
    sandbox = await startSandbox({
      seed: 3,
      latency: { 'shopify/s': { fixedMs: 120, jitterMs: 0 } },
      instances: Object.keys(ROUTES).map((key) => {
        const [platform, name] = key.split('/') as ['shopify', string];
        return { platform, name, skus: [{ sku: 'X', quantity: 1 }] };
      }),
    });
  });
  afterAll(() => sandbox.close());

  it('is off by default and on where the start options say', async () => {
    expect(await control('GET', '/latency')).toEqual({
      status: 200,
      json: {
        'shopify/s': { fixedMs: 120, jitterMs: 0 },
        'woocommerce/w': { fixedMs: 0, jitterMs: 0 },
        'amazon/a': { fixedMs: 0, jitterMs: 0 },
        'warehouse/h': { fixedMs: 0, jitterMs: 0 },
      },
    });
    expect(await timed('shopify/s')).toBeGreaterThanOrEqual(119);
    // the control API itself is never delayed
    const t = performance.now();
    await control('GET', '/shopify/s/latency');
    expect(performance.now() - t).toBeLessThan(100);
  });

  it('delays every platform route by at least the fixed part once set through the control API', async () => {
    expect((await control('PUT', '/latency', { fixedMs: 150, jitterMs: 40 })).status).toBe(200);
    for (const key of Object.keys(ROUTES)) {
      const ms = await timed(key);
      expect(ms, key).toBeGreaterThanOrEqual(149);
    }
    // one instance back to none; the others keep theirs
    expect((await control('PUT', '/woocommerce/w/latency', { fixedMs: 0 })).json).toEqual({ latency: { fixedMs: 0, jitterMs: 0 } });
    expect(await timed('woocommerce/w')).toBeLessThan(120);
    expect((await control('GET', '/amazon/a/latency')).json).toEqual({ fixedMs: 150, jitterMs: 40 });
  });

  it('refuses a bad setting with the field named', async () => {
    const r = await control('PUT', '/latency', { fixedMs: -5 });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/fixedMs/);
  });

  it('draws the jitter from the seeded stream: the same seed, the same delays', () => {
    const draws = (seed: number) => {
      const l = createLatency(createRng(seed, 'x'), { fixedMs: 50, jitterMs: 100 });
      return Array.from({ length: 20 }, () => l.draw());
    };
    const a = draws(9);
    expect(draws(9)).toEqual(a);
    expect(draws(10)).not.toEqual(a);
    for (const ms of a) expect(ms >= 50 && ms < 150).toBe(true);
    expect(new Set(a).size).toBeGreaterThan(10);
  });

  it('is read from the sandbox config file, for all or per instance', () => {
    expect(parseSandboxConfig('latency: { fixedMs: 50, jitterMs: 100 }').latency).toEqual({ fixedMs: 50, jitterMs: 100 });
    expect(parseSandboxConfig('latency: { shopify: { fixedMs: 20 } }').latency).toEqual({ shopify: { fixedMs: 20, jitterMs: 0 } });
    expect(() => parseSandboxConfig('latency: { fixedMs: "slow" }')).toThrow(/latency/);
  });
});
