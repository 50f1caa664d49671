// The Shopify connector's full reads through bulk operations, against the sandbox: the
// JSONL streamed page by page with asOf, paged reads as the fallback, cancellation.
import { createServer, type Server } from 'node:http';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifyInstance } from '../../sandbox/shopify/instance.js';
import { create } from '../../src/connectors/shopify/index.js';
import type { ChannelQuantity, Page } from '../../src/connectors/types.js';
import { FAST_RETRY, shopWithConnector, skus } from './shopify-helpers.js';

let env: Awaited<ReturnType<typeof shopWithConnector>> | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** A connector on the test shop with these options, logging into `lines`. */
async function setup(n: number, options: Record<string, unknown>, shopOptions: Record<string, unknown> = {}) {
  env = await shopWithConnector({ skus: skus(n, 4), shopOptions: { bulkObjectsPerSecond: 20_000, ...shopOptions } });
  const lines: { msg: string; err?: string }[] = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const connector = create({
    connectionId: 'shopify-bulk',
    baseUrl: `${env.sandbox.url}/shopify/shop`,
    credentials: { accessToken: 'shpat_test', webhookSecret: 'test-secret' },
    options: { retry: FAST_RETRY, bulkPollMs: 20, ...options },
    log,
  });
  const bulk = (env.shop as ShopifyInstance).bulk;
  return { env, connector, bulk, lines };
}

async function readAll(c: { listQuantities: (cursor: string | null, known: []) => Promise<Page<ChannelQuantity>> }) {
  const pages: Page<ChannelQuantity>[] = [];
  let cursor: string | null = null;
  do {
    const p: Page<ChannelQuantity> = await c.listQuantities(cursor, []);
    pages.push(p);
    cursor = p.next;
  } while (cursor !== null);
  return pages;
}

describe('Shopify full reads through bulk operations', () => {
  it('streams every count of the location page by page, each page as of the moment the operation started', async () => {
    const { env, connector, bulk } = await setup(1_250, { fullRead: 'bulk', bulkPageSize: 500 });
    env.shop.control.setStock('SKU-0007', 9);
    const before = Date.now();
    const pages = await readAll(connector);
    expect(pages.map((p) => p.items.length)).toEqual([500, 500, 250]);
    const ops = bulk.operations();
    expect(ops).toHaveLength(1);
    expect(ops[0]!.status).toBe('COMPLETED');
    for (const p of pages) {
      expect(p.asOf!.getTime()).toBeGreaterThanOrEqual(before);
      expect(p.asOf!.getTime()).toBeLessThanOrEqual(ops[0]!.createdAt.getTime() + 1);
    }
    const items = pages.flatMap((p) => p.items);
    expect(items.find((i) => i.sku === 'SKU-0007')).toMatchObject({
      quantity: 9,
      platformIds: { inventoryItemId: env.itemId('SKU-0007'), locationId: env.truth().locations[0]!.id },
    });
    expect(new Set(items.map((i) => i.sku)).size).toBe(1_250);
    // one run, its polls, no paged inventoryItems read
    const calls = env.shop.stats().calls as Record<string, number>;
    expect(calls['mutation bulkOperationRunQuery']).toBe(1);
    expect(calls['query inventoryItems']).toBeUndefined();
  });

  it('auto: pages through a small catalogue and runs a bulk operation for a large one', async () => {
    const { connector, bulk } = await setup(30, { fullRead: 'auto', bulkThreshold: 100 });
    const small = await connector.listQuantities(null, []);
    expect(small.asOf).toBeUndefined();
    expect(bulk.operations()).toHaveLength(0);
    const known = Array.from({ length: 100 }, (_, i) => ({ listingId: i, sku: `X${i}`, platformIds: {} }));
    const large = await connector.listQuantities(null, known);
    expect(large.asOf).toBeInstanceOf(Date);
    expect(bulk.operations()).toHaveLength(1);
  });

  it('falls back to paged reads, logged, when the operation fails', async () => {
    const { connector, bulk, lines } = await setup(40, { fullRead: 'bulk' });
    bulk.failNext('INTERNAL_SERVER_ERROR', 10);
    const pages = await readAll(connector);
    expect(pages.flatMap((p) => p.items)).toHaveLength(40);
    expect(pages[0]!.asOf).toBeUndefined();
    expect(lines.find((l) => l.msg.includes('reading page by page'))?.err).toMatch(/FAILED \(INTERNAL_SERVER_ERROR\)/);
  });

  it('resumes a download that breaks off mid-file after the lines already read, each count once', async () => {
    const { connector, bulk } = await setup(1_200, { fullRead: 'bulk', bulkPageSize: 100 });
    bulk.breakDownloads(2, 1_000);
    const items = (await readAll(connector)).flatMap((p) => p.items);
    expect(items).toHaveLength(1_200);
    expect(new Set(items.map((i) => i.platformIds['inventoryItemId'])).size).toBe(1_200);
    expect(items.every((i) => i.sku !== '')).toBe(true);
    // a download that keeps breaking fails the read (pages were handed over already: no fallback)
    bulk.breakDownloads(3, 1_000);
    await expect(readAll(connector)).rejects.toThrow(/bulk result download broke off after \d+ lines/);
  });

  it('falls back to paged reads when the result URL has expired before the download', async () => {
    const { env, connector, lines } = await setup(40, { fullRead: 'bulk' }, { bulkUrlTtlMs: 1 });
    // every request, the download included, takes 5 ms: a URL seen fresh has lapsed when fetched
    await fetch(`${env.sandbox.url}/_sandbox/shopify/shop/latency`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fixedMs: 5 }),
    });
    const pages = await readAll(connector);
    expect(pages.flatMap((p) => p.items)).toHaveLength(40);
    expect(pages[0]!.asOf).toBeUndefined();
    expect(lines.find((l) => l.msg.includes('reading page by page'))?.err).toMatch(/EXPIRED/);
  });

  it('waits for a free slot while the shop runs five, then falls back when none frees', async () => {
    const { env, connector, lines, bulk } = await setup(5_000, { fullRead: 'bulk', bulkSlotWaitMs: 150, pageSize: 250 }, { bulkObjectsPerSecond: 50 });
    const run = `mutation { bulkOperationRunQuery(query: "{ inventoryItems { nodes { id } } }") { userErrors { code } } }`;
    for (let i = 0; i < 5; i++) {
      await fetch(`${env.sandbox.url}/shopify/shop/admin/api/2026-04/graphql.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_test' },
        body: JSON.stringify({ query: run }),
      });
    }
    const first = await connector.listQuantities(null, []);
    expect(first.items).toHaveLength(250);
    expect(first.asOf).toBeUndefined();
    expect(lines.find((l) => l.msg.includes('reading page by page'))?.err).toMatch(/LIMIT_REACHED/);
    expect(bulk.operations()).toHaveLength(5);
  });

  it('cancels the running operation when the connector closes', async () => {
    const { connector, bulk } = await setup(3_000, { fullRead: 'bulk' }, { bulkObjectsPerSecond: 200 });
    const reading = connector.listQuantities(null, []);
    await new Promise((r) => setTimeout(r, 100));
    await connector.close!();
    await expect(reading).rejects.toThrow(/closed/);
    for (let i = 0; i < 50 && bulk.operations()[0]!.status !== 'CANCELED'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(bulk.operations()[0]!.status).toBe('CANCELED');
  });

  it('is woken by the bulk_operations/finish webhook instead of waiting for its next poll', async () => {
    const { env, connector } = await setup(200, { fullRead: 'bulk', bulkPollMs: 60_000 });
    const hook: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        const input = { headers, query: {}, rawBody: Buffer.concat(chunks) };
        expect(connector.verifyWebhook(input)).toBe(true);
        expect(connector.parseWebhook(input).events[0]!.kind).toBe('ignored');
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      env.shop.control.subscribe('bulk_operations/finish', `http://127.0.0.1:${(hook.address() as { port: number }).port}/`);
      const t = performance.now();
      const page = await connector.listQuantities(null, []);
      expect(page.items.length).toBeGreaterThan(0);
      expect(performance.now() - t).toBeLessThan(30_000);
    } finally {
      hook.close();
    }
  });
});
