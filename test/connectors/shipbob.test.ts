// The ShipBob connector against the sandbox's ShipBob over loopback: orders, levels per
// fulfillment center, `next`-link paging, the incremental poll over full reads, and the
// sliding-window rate limit.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnector, isWarehouse } from '../../src/connectors/index.js';
import { create } from '../../src/connectors/shipbob/index.js';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { WarehouseInstance } from '../../sandbox/warehouse/index.js';
import { connector, drain, SECRET, TOKEN } from './shipbob-helpers.js';

let sb: RunningSandbox;
const skus = (n: number, prefix: string, quantity = 10) => Array.from({ length: n }, (_, i) => ({ sku: `${prefix}-${i + 1}`, quantity }));
const truth = (name: string) =>
  (sb.instances.get(`warehouse/${name}`) as WarehouseInstance).control.truth() as {
    inventory: { sku: string; on_hand: number; committed: number }[];
    orders: { id: number; reference_id: string; status: string }[];
  };
const opts = { token: TOKEN, webhookSecret: SECRET };
const quiet = FAULT_PROFILES.none;

/** Polls as the engine does: each new sweep passes a later `since` (the last sweep's start). */
function poller(c: ReturnType<typeof connector>) {
  let sweep = 0;
  return {
    sweep: () => {
      const since = new Date(++sweep * 1000);
      return drain((cur) => c.pollLevels(since, cur));
    },
    page: (cursor: string | null, again = false) => c.pollLevels(new Date((again || cursor !== null ? sweep : ++sweep) * 1000), cursor),
  };
}

beforeAll(async () => {
  sb = await startSandbox({
    seed: 11,
    timeScale: 0.01,
    faults: {
      default: 'none',
      'warehouse/flaky': { ...quiet, rate5xx: 0.3 },
    },
    instances: [
      { platform: 'warehouse', name: 'fc', skus: skus(7, 'S'), options: opts },
      { platform: 'warehouse', name: 'tight', skus: skus(2, 'T', 1000), options: { ...opts, rateLimit: { limit: 5, windowMs: 1_000 } } },
      { platform: 'warehouse', name: 'flaky', skus: skus(5, 'F'), options: opts },
      { platform: 'warehouse', name: 'lossy', skus: skus(1, 'L', 1000), options: opts },
    ],
  });
});
afterAll(async () => {
  await sb.close();
});

describe('shipbob connector: orders', () => {
  it('is registered with the connector factory (and as the deprecated `warehouse`) and declares its capabilities', async () => {
    const c = await createConnector('shipbob', { connectionId: 'x', baseUrl: `${sb.url}/warehouse/fc`, credentials: { accessToken: TOKEN }, options: {} });
    expect(isWarehouse(c)).toBe(true);
    expect(c.platform).toBe('shipbob');
    const alias = await createConnector('warehouse', { connectionId: 'y', baseUrl: `${sb.url}/warehouse/fc`, credentials: { apiToken: TOKEN }, options: {} });
    expect(alias.platform).toBe('shipbob');
    expect(isWarehouse(alias) && (await alias.listLevels(null)).items.length).toBe(7);
    expect(c.capabilities).toEqual({
      maxBatch: 1,
      compareAndSet: false,
      relativeAdjust: false,
      webhookVerification: 'hmac-sha256-base64',
      asyncApply: false,
      rateLimit: { kind: 'sliding-window', requests: 150, windowMs: 60_000 },
    });
    expect(connector(sb, 'fc', { requestsPerMinute: 40 }).capabilities.rateLimit).toEqual({ kind: 'sliding-window', requests: 40, windowMs: 60_000 });
  });

  it('pushes an order once: a second push with the same reference is a duplicate', async () => {
    const c = connector(sb, 'fc');
    const before = Date.now();
    const first = await c.pushOrder({ referenceId: 'R-1', lines: [{ sku: 'S-1', quantity: 2 }] });
    expect(first).toMatchObject({ status: 'accepted', warehouseOrderId: expect.any(String) });
    if (first.status !== 'accepted') throw new Error('unreachable');
    // the warehouse's own clock, read from the created order
    expect(first.at.getTime()).toBeGreaterThanOrEqual(before - 5);
    expect(first.at.getTime()).toBeLessThanOrEqual(Date.now() + 5);
    expect(await c.pushOrder({ referenceId: 'R-1', lines: [{ sku: 'S-1', quantity: 2 }] })).toEqual({ status: 'duplicate' });
    expect(truth('fc').orders.filter((o) => o.reference_id === 'R-1')).toHaveLength(1);
    expect(truth('fc').inventory.find((i) => i.sku === 'S-1')).toMatchObject({ on_hand: 10, committed: 2 });
  });

  it('classifies refusals: unknown SKU is REJECTED, a bad token is AUTH', async () => {
    const unknown = await connector(sb, 'fc').pushOrder({ referenceId: 'R-404', lines: [{ sku: 'NOPE', quantity: 1 }] });
    expect(unknown).toMatchObject({ status: 'failed', error: { connectorCode: 'REJECTED', retryable: false } });
    const denied = await connector(sb, 'fc', {}, { accessToken: 'wrong' }).pushOrder({ referenceId: 'R-401', lines: [{ sku: 'S-1', quantity: 1 }] });
    expect(denied).toMatchObject({ status: 'failed', error: { connectorCode: 'AUTH' } });
    await expect(connector(sb, 'fc', {}, { accessToken: 'wrong' }).listLevels(null)).rejects.toMatchObject({ connectorCode: 'AUTH' });
    expect(truth('fc').orders.map((o) => o.reference_id)).not.toContain('R-401');
  });

  it('a lost response is retried and recognised as the same order (duplicate), never a second order', async () => {
    // The simulator's timeout fault cannot lose a POST /order response (see the report), so a
    // loopback proxy plays the network: it lets every other order through to the warehouse
    // and then drops the connection before the answer gets back.
    let posts = 0;
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const upstream = await fetch(`${sb.url}${req.url}`, {
        method: req.method,
        headers: Object.fromEntries(
          Object.entries(req.headers)
            .filter(([k]) => k !== 'host' && k !== 'connection')
            .map(([k, v]) => [k, String(v)]),
        ),
        ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
      });
      const body = await upstream.text();
      if (req.method === 'POST' && ++posts % 2 === 1) return void req.socket.destroy();
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const c = create({
        connectionId: 'via-proxy',
        baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/warehouse/lossy`,
        credentials: { accessToken: TOKEN },
        options: { channelId: '100001' },
      });
      const outcomes = [];
      for (let i = 1; i <= 4; i++) outcomes.push(await c.pushOrder({ referenceId: `LOST-${i}`, lines: [{ sku: 'L-1', quantity: 1 }] }));
      // each first POST reached the warehouse but its answer was lost; the retry is refused as
      // a duplicate, which the connector confirms by looking the reference up
      expect(outcomes).toEqual(Array(4).fill({ status: 'duplicate' }));
      expect(truth('lossy').orders.map((o) => o.reference_id)).toEqual(['LOST-1', 'LOST-2', 'LOST-3', 'LOST-4']);
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });
});

describe('shipbob connector: levels', () => {
  it('polls by full reads, reporting only what changed since the engine last ingested it', async () => {
    const c = connector(sb, 'fc');
    const p = poller(c);
    const start = Math.floor(Date.now() / 1000) * 1000;
    // A fresh connector knows nothing yet: everything is news.
    expect((await p.sweep()).items.map((l) => l.sku).sort()).toEqual(
      truth('fc')
        .inventory.map((i) => i.sku)
        .sort(),
    );
    expect((await p.sweep()).items).toEqual([]);
    expect(await c.pushOrder({ referenceId: 'R-2', lines: [{ sku: 'S-2', quantity: 3 }] })).toMatchObject({ status: 'accepted' });
    const { items } = await p.sweep();
    // the answer's Date header (the warehouse's clock, whole seconds) stamps the level
    expect(items).toEqual([{ sku: 'S-2', location: '1', available: 7, onHand: 10, allocated: 3, observedAt: expect.any(Date) }]);
    expect(items[0]!.observedAt.getTime()).toBeGreaterThanOrEqual(start);
    expect(items[0]!.observedAt.getTime() % 1000).toBe(0);
  });

  it('reports a SKU again after an order for it, once a snapshot is dated after the order, though its numbers did not move', async () => {
    // Z-1 has nothing to sell: an order for it waits in Exception and no number changes.
    // The engine's claim settles only on an observation dated after the order, so the
    // connector reports Z-1 again on the first poll whose answer is later than the order.
    const c = connector(sb, 'fc');
    const p = poller(c);
    const wh = sb.instances.get('warehouse/fc') as WarehouseInstance;
    wh.control.setStock('Z-1', 0);
    await p.sweep();
    expect((await p.sweep()).items).toEqual([]);
    const pushed = await c.pushOrder({ referenceId: 'R-Z', lines: [{ sku: 'Z-1', quantity: 1 }] });
    if (pushed.status !== 'accepted') throw new Error('not accepted');
    const seen = [];
    const deadline = Date.now() + 3_000;
    while (seen.length === 0 && Date.now() < deadline) {
      seen.push(...(await p.sweep()).items);
      if (seen.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toEqual([{ sku: 'Z-1', location: '1', available: 0, onHand: 0, allocated: 0, observedAt: expect.any(Date) }]);
    expect(seen[0]!.observedAt.getTime()).toBeGreaterThan(pushed.at.getTime());
    expect((await p.sweep()).items).toEqual([]); // once is enough
    expect(await c.cancelOrder({ referenceId: 'R-Z', warehouseOrderId: pushed.warehouseOrderId })).toEqual({ status: 'cancelled' });
  });

  it('reports a page again when the engine did not ingest it, and pages by next links', async () => {
    const wh = sb.instances.get('warehouse/fc') as WarehouseInstance;
    const c = connector(sb, 'fc', { pageSize: 3 });
    const p = poller(c);
    await p.sweep(); // learn the current levels
    for (const sku of ['S-3', 'S-4', 'S-5', 'S-6', 'S-7']) wh.control.adjust(sku, -1, 'count');
    const first = await p.page(null);
    expect(first.items.map((l) => l.sku)).toEqual(['S-3']); // S-1..S-3, only S-3 changed
    expect(first.next).toMatch(/^\/2026-01\/inventory-level\/locations\?/);
    // the engine failed before ingesting the next page: it asks for it again, and gets it again
    const second = await p.page(first.next);
    expect(second.items.map((l) => l.sku)).toEqual(['S-4', 'S-5', 'S-6']);
    expect((await p.page(first.next)).items.map((l) => l.sku)).toEqual(['S-4', 'S-5', 'S-6']);
    const third = await p.page(second.next);
    expect(third.items.map((l) => l.sku)).toEqual(['S-7']);
    expect(third.next).toBeNull();
    expect([...second.items, ...third.items].every((l) => l.onHand === 9 && l.available === 9)).toBe(true);
    // the sweep completed: the next one has nothing new
    expect((await p.sweep()).items).toEqual([]);
    // one page only, and the engine failed to ingest it: the retry (same since) gets it again
    const single = poller(connector(sb, 'fc'));
    await single.sweep();
    wh.control.adjust('S-1', -1, 'count');
    expect((await single.page(null)).items.map((l) => l.sku)).toEqual(['S-1']);
    expect((await single.page(null, true)).items.map((l) => l.sku)).toEqual(['S-1']);
    expect((await single.page(null)).items).toEqual([]); // a new sweep: the last one was ingested
    // a cursor that is not ours is refused, never followed
    await expect(c.pollLevels(new Date(0), 'https://evil.example/2026-01/inventory-level?Cursor=x')).rejects.toMatchObject({ connectorCode: 'PARSE' });
  });

  it('lists every SKU across pages', async () => {
    const c = connector(sb, 'fc', { pageSize: 2 });
    const { items, pages } = await drain((cur) => c.listLevels(cur));
    expect(pages).toBe(4);
    expect(items.map((l) => l.sku).sort()).toEqual(
      truth('fc')
        .inventory.map((i) => i.sku)
        .sort(),
    );
    for (const l of items) {
      const t = truth('fc').inventory.find((i) => i.sku === l.sku)!;
      expect(l).toMatchObject({ onHand: t.on_hand, allocated: t.committed, available: t.on_hand - t.committed, location: '1' });
    }
    const one = await connector(sb, 'fc', { location: 'whole-3pl' }).listLevels(null);
    expect(new Set(one.items.map((l) => l.location))).toEqual(new Set(['whole-3pl']));
    await expect(c.listLevels('garbage')).rejects.toMatchObject({ connectorCode: 'PARSE' });
  });

  it('retries server errors until the listing comes through', async () => {
    const c = connector(sb, 'flaky', { pageSize: 2, retryAttempts: 10 });
    const { items } = await drain((cur) => c.listLevels(cur));
    expect(items.map((l) => l.sku)).toEqual(['F-1', 'F-2', 'F-3', 'F-4', 'F-5']);
    expect(sb.instances.get('warehouse/flaky')!.stats().errors).toBeGreaterThan(0);
  });
});

describe('shipbob connector: rate limit', () => {
  it('paces itself inside the warehouse window: no 429 at all', async () => {
    const wh = sb.instances.get('warehouse/tight')!;
    wh.resetStats();
    // 5 per second on both sides; a little slack for loopback jitter
    const c = connector(sb, 'tight', { rateLimit: { requests: 5, windowMs: 1_100 } });
    const started = Date.now();
    const out = await Promise.all(Array.from({ length: 12 }, () => c.listLevels(null)));
    expect(out.every((p) => p.items.length === 2)).toBe(true);
    expect(wh.stats().throttled).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  });

  it('a 429 storm: honours Retry-After and every order is eventually accepted once', async () => {
    const wh = sb.instances.get('warehouse/tight')!;
    await new Promise((r) => setTimeout(r, 1_100)); // an empty window to start from
    wh.resetStats();
    // a client that believes the limit is 20x higher than it is
    const c = connector(sb, 'tight', { rateLimit: { requests: 100, windowMs: 1_000 }, retryAttempts: 10 });
    const out = await Promise.all(Array.from({ length: 12 }, (_, i) => c.pushOrder({ referenceId: `STORM-${i}`, lines: [{ sku: 'T-1', quantity: 1 }] })));
    expect(out.map((o) => o.status)).toEqual(Array(12).fill('accepted'));
    expect(wh.stats().throttled).toBeGreaterThan(0);
    // after a 429 the whole connection pauses for Retry-After: far fewer 429s than requests
    expect(wh.stats().throttled).toBeLessThan(40);
    expect(truth('tight').orders.filter((o) => o.reference_id.startsWith('STORM-'))).toHaveLength(12);
  });
});
