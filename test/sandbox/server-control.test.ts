import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSandboxConfig } from '../../sandbox/core/config.js';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';

describe('sandbox control API', () => {
  let sandbox: RunningSandbox;
  const base = () => `${sandbox.url}/_sandbox`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as any };
  };

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      seed: 5,
      faults: { default: 'none', 'shopify/b': { ...FAULT_PROFILES.none, rate429: 0.5 } },
      instances: [
        {
          platform: 'shopify',
          name: 'a',
          skus: [
            { sku: 'X', quantity: 3 },
            { sku: 'Y', quantity: 0 },
          ],
        },
        { platform: 'shopify', name: 'b', skus: [{ sku: 'X', quantity: 1 }] },
      ],
    });
  });
  afterAll(() => sandbox.close());

  it('lists instances with their base URLs', async () => {
    const r = await call('GET', '/instances');
    expect(r.json).toEqual([
      { key: 'shopify/a', platform: 'shopify', name: 'a', baseUrl: `${sandbox.url}/shopify/a`, skus: 2 },
      { key: 'shopify/b', platform: 'shopify', name: 'b', baseUrl: `${sandbox.url}/shopify/b`, skus: 1 },
    ]);
    expect([...sandbox.instances.keys()]).toEqual(['shopify/a', 'shopify/b']);
  });

  it('sets and reads stock, one SKU or many', async () => {
    expect((await call('PUT', '/shopify/a/stock', { sku: 'X', quantity: 8 })).json).toEqual({ updated: 1 });
    await call('PUT', '/shopify/a/stock', {
      items: [
        { sku: 'Y', quantity: 2 },
        { sku: 'NEW', quantity: 4 },
      ],
    });
    expect((await call('GET', '/shopify/a/stock')).json).toEqual({ X: 8, Y: 2, NEW: 4 });
    expect((await call('GET', '/shopify/a/stock/X')).json).toEqual({ sku: 'X', quantity: 8 });
    expect((await call('GET', '/shopify/a/stock/NOPE')).status).toBe(404);
  });

  it('places shopper orders that decrement at once, refuses at zero, and cancels', async () => {
    const ok = await call('POST', '/shopify/a/orders', { lines: [{ sku: 'Y', quantity: 2 }] });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ ok: true, orderId: expect.any(String) });
    expect((await call('GET', '/shopify/a/stock/Y')).json.quantity).toBe(0);
    const refused = await call('POST', '/shopify/a/orders', { lines: [{ sku: 'Y', quantity: 1 }] });
    expect(refused.status).toBe(409);
    expect(refused.json.reason).toMatch(/insufficient stock/);
    expect((await call('POST', `/shopify/a/orders/${ok.json.orderId}/cancel`)).json).toEqual({ cancelled: true });
    expect((await call('POST', `/shopify/a/orders/${ok.json.orderId}/cancel`)).status).toBe(404);
    expect((await call('GET', '/shopify/a/stock/Y')).json.quantity).toBe(2);
  });

  it('shows ground truth and per-endpoint stats, and resets them', async () => {
    const truth = (await call('GET', '/shopify/a/truth')).json;
    expect(truth.items.find((i: any) => i.sku === 'Y').levels[0].quantities).toMatchObject({ available: 2, committed: 0, on_hand: 2 });
    expect(truth.orders).toHaveLength(1);

    await fetch(`${sandbox.url}/shopify/a/admin/api/2026-04/graphql.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': 't' },
      body: JSON.stringify({ query: '{ shop { name } }' }),
    });
    const stats = (await call('GET', '/shopify/a/stats')).json;
    expect(stats.calls).toEqual({ 'query shop': 1 });
    expect(stats).toMatchObject({ throttled: 0, errors: 0, webhooks: { sent: 0 } });
    await call('POST', '/shopify/a/stats/reset');
    expect((await call('GET', '/shopify/a/stats')).json.calls).toEqual({});
  });

  it('subscribes webhooks', async () => {
    const r = await call('POST', '/shopify/a/webhooks', { topic: 'orders/create', url: 'http://127.0.0.1:9/hook' });
    expect(r.status).toBe(201);
    expect((await call('GET', '/shopify/a/truth')).json.webhooks).toEqual([{ topic: 'orders/create', url: 'http://127.0.0.1:9/hook' }]);
  });

  it('rejects bad input with a 400 naming the field', async () => {
    const bad = [
      await call('PUT', '/shopify/a/stock', { sku: 'X', quantity: -1 }),
      await call('PUT', '/shopify/a/stock', { sku: '', quantity: 1 }),
      await call('PUT', '/shopify/a/stock', { sku: 'X', quantity: 1.5 }),
      await call('POST', '/shopify/a/orders', { lines: [] }),
      await call('POST', '/shopify/a/orders', { lines: [{ sku: 'X', quantity: 0 }] }),
      await call('POST', '/shopify/a/webhooks', { topic: 'orders/create', url: 'not a url' }),
    ];
    for (const r of bad) {
      expect(r.status).toBe(400);
      expect(r.json.error).toMatch(/^invalid body: /);
    }
    expect(bad[0]!.json.error).toContain('quantity');
    expect(bad[5]!.json.error).toContain('url');
    expect((await call('POST', '/shopify/a/receive', { sku: 'X', quantity: 1 })).json.error).toMatch(/only a warehouse/);
    expect((await call('POST', '/shopify/a/orders', { lines: [{ sku: 'UNKNOWN', quantity: 1 }] })).json.reason).toMatch(/unknown sku/);
    expect((await call('GET', '/shopify/zzz/truth')).status).toBe(404);
  });

  it('applies fault profiles per instance', async () => {
    const [a, b] = [sandbox.instances.get('shopify/a')!, sandbox.instances.get('shopify/b')!];
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${sandbox.url}/shopify/b/admin/api/2026-04/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': 't' },
        body: JSON.stringify({ query: '{ shop { name } }' }),
        signal: AbortSignal.timeout(1000),
      }).catch(() => undefined);
      if (res) statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(3);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(3);
    // instance a has no faults
    expect((await call('GET', '/shopify/a/stats')).json.throttled).toBe(0);
  });
});

describe('sandbox startup', () => {
  it('serves the demo catalogue by default', async () => {
    const sandbox = await startSandbox({ port: 0 });
    try {
      const shop = sandbox.instances.get('shopify/demo-shop');
      expect(shop?.control.listSkus().length).toBe(240);
      const res = await fetch(`${sandbox.url}/_sandbox`);
      expect(((await res.json()) as any).instances.length).toBe(sandbox.instances.size);
    } finally {
      await sandbox.close();
    }
  });

  it('parses a YAML config and explains a bad one', () => {
    const config = parseSandboxConfig('seed: 3\nfaults: lossy\ninstances:\n  - platform: shopify\n    name: s1\n    skus: [{ sku: A, quantity: 2 }]\n');
    expect(config).toMatchObject({ seed: 3, faults: 'lossy', instances: [{ platform: 'shopify', name: 's1' }] });
    expect(() => parseSandboxConfig('instances:\n  - platform: ebay\n    name: x\n', 'f.yaml')).toThrow(/f\.yaml: instances\.0\.platform/);
    expect(() => parseSandboxConfig('faults: chaotic\n')).toThrow(/faults/);
  });

  it('refuses duplicate and unregistered instances', async () => {
    await expect(
      startSandbox({
        instances: [
          { platform: 'shopify', name: 'x' },
          { platform: 'shopify', name: 'x' },
        ],
      }),
    ).rejects.toThrow(/duplicate/);
  });
});
