// GET /metrics on a whole engine (sandbox Shopify + 3PL): behind its own token, every
// listed metric exposed, and the counters moving when a webhook is stored and an order
// recorded.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../e2e/stack.js';
import { ats, eventually } from '../e2e/helpers.js';
import pino from 'pino';
import { metricsRegistry, parseListenAddress } from '../../src/server/metrics.js';
import { createPool } from '../../src/store/db.js';

const TOKEN = 'metrics-test-token';

const METRIC_NAMES = [
  'stocksync_webhooks_received_total',
  'stocksync_inbox_pending',
  'stocksync_orders_recorded_total',
  'stocksync_pushes_total',
  'stocksync_lowering_latency_seconds',
  'stocksync_dirty_listings',
  'stocksync_oldest_dirty_age_seconds',
  'stocksync_throttled_calls_total',
  'stocksync_oversell_incidents_total',
  'stocksync_open_oversell_incidents',
  'stocksync_reconciliation_drift_units',
  'stocksync_reconciliation_duration_seconds',
  'stocksync_reconciliation_failed',
  'stocksync_lease_owner',
  'stocksync_connection_failing',
  'stocksync_alerts_firing',
  'stocksync_alert_deliveries_pending',
  'stocksync_database_up',
  'stocksync_process_cpu_user_seconds_total',
  'stocksync_nodejs_heap_size_used_bytes',
];

/** The value of one sample, e.g. sample(text, 'stocksync_orders_recorded_total{connection="shop"}'); 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('/metrics', () => {
  let stack: Stack;
  let url: string;
  const scrape = async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  beforeAll(async () => {
    stack = await startStack({
      channels: ['shopify', 'woocommerce'],
      skus: [{ sku: 'MUG', quantity: 10 }],
      server: `metricsToken: { env: METRICS_TOKEN, default: ${TOKEN} }`,
    });
    url = stack.engine.metricsUrl!;
    expect(url).toBe(`${stack.engine.url}/metrics`);
  });
  afterAll(async () => stack?.close());

  it('answers 401 without its token, or with a wrong one (the admin token is not it)', async () => {
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: TOKEN } })).status).toBe(401);
  });

  it('exposes every listed metric, with the stocksync_ prefix', async () => {
    await eventually('first pushes', async () => (await ats(stack, 'MUG')) === 10);
    const text = await scrape();
    for (const name of METRIC_NAMES) expect(text, name).toContain(`# TYPE ${name} `);
    expect(sample(text, 'stocksync_database_up')).toBe(1);
    // Backlogs are reported at 0 rather than left out.
    expect(text).toMatch(/^stocksync_inbox_pending\{connection="wh"\} \d+$/m);
    expect(text).toMatch(/^stocksync_dirty_listings\{connection="woo"\} \d+$/m);
    expect(text).not.toMatch(/^stocksync_dirty_listings\{connection="wh"\}/m); // a warehouse has no listings
    // Gauges read from the database: the engine's leases are owned now.
    expect(text).toMatch(/^stocksync_lease_owner\{lease="dispatch:shop",owner="[^"]+"\} 1$/m);
  });

  it('the Grafana dashboard in examples/ uses only metrics the engine exposes', async () => {
    const dashboard = await readFile(new URL('../../examples/grafana-dashboard.json', import.meta.url), 'utf8');
    const used = new Set([...dashboard.matchAll(/\bstocksync_[a-z0-9_]+/g)].map((m) => m[0].replace(/_bucket$/, '')));
    expect(used.size).toBeGreaterThan(15);
    const text = await scrape();
    for (const name of used) expect(text, name).toContain(`# TYPE ${name} `);
  });

  it('counts a stored webhook and a recorded order, and the pushes that follow', async () => {
    const before = await scrape();
    const order = stack.instance('shopify').control.shopperOrder([{ sku: 'MUG', quantity: 2 }]);
    expect(order.ok).toBe(true);
    await eventually('order recorded', async () => (await ats(stack, 'MUG')) === 8);
    const after = await eventually('counters moved', async () => {
      const text = await scrape();
      const applied = 'stocksync_pushes_total{connection="woo",outcome="applied"}';
      return sample(text, applied) > sample(before, applied) ? text : undefined;
    });
    const stored = 'stocksync_webhooks_received_total{connection="shop",result="stored"}';
    const orders = 'stocksync_orders_recorded_total{connection="shop"}';
    expect(sample(after, stored)).toBeGreaterThan(sample(before, stored));
    expect(sample(after, orders)).toBe(sample(before, orders) + 1);
    // Shopify sold the units itself; WooCommerce's lowering 10 -> 8 is measured.
    const lowerings = 'stocksync_lowering_latency_seconds_count{connection="woo"}';
    await eventually('the lowering on WooCommerce measured', async () => sample(await scrape(), lowerings) > sample(before, lowerings));
  });

  it('counts a refused webhook under its reason, and a made-up connection id as "unknown"', async () => {
    const before = await scrape();
    await fetch(`${stack.engine.url}/webhooks/shop`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await fetch(`${stack.engine.url}/webhooks/no-such-shop`, { method: 'POST', body: '{}' });
    const after = await scrape();
    const bad = 'stocksync_webhooks_received_total{connection="shop",result="bad_signature"}';
    const unknown = 'stocksync_webhooks_received_total{connection="unknown",result="unknown_connection"}';
    expect(sample(after, bad)).toBe(sample(before, bad) + 1);
    expect(sample(after, unknown)).toBe(sample(before, unknown) + 1);
    expect(after).not.toContain('no-such-shop');
  });
});

describe('/metrics on server.metricsAddress', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ channels: ['shopify'], skus: [{ sku: 'MUG', quantity: 1 }], server: 'metricsAddress: "127.0.0.1:0"' });
  });
  afterAll(async () => stack?.close());

  it('serves it on its own listener without a token, and not on the main port', async () => {
    const url = stack.engine.metricsUrl!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(url.startsWith(stack.engine.url)).toBe(false);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('# TYPE stocksync_webhooks_received_total counter');
    expect((await fetch(`${stack.engine.url}/metrics`)).status).toBe(404);
  });
});

describe('metrics without a database', () => {
  it('still answers: database_up 0, no database gauge samples, the counters as they are', async () => {
    const db = createPool('postgres://nobody@127.0.0.1:1/none', 1);
    try {
      const text = await metricsRegistry(db, pino({ level: 'silent' })).metrics();
      expect(sample(text, 'stocksync_database_up')).toBe(0);
      expect(text).toContain('# TYPE stocksync_orders_recorded_total counter');
      expect(text).not.toMatch(/^stocksync_dirty_listings\{/m);
    } finally {
      await db.end();
    }
  });
});

describe('metrics listener address', () => {
  it('parses host:port, IPv6 in brackets', () => {
    expect(parseListenAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListenAddress('9464')).toThrow();
  });
});
