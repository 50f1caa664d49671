// The Shopify sandbox's bulk query operations: asynchronous at a rate of objects per
// second, Shopify's JSONL shape, the documented limits and failures, expiring URLs.
import { afterEach, describe, expect, it } from 'vitest';
import type { ShopifyInstance } from '../../sandbox/shopify/instance.js';
import { startShop } from './shopify-helpers.js';

const RUN = `mutation Run($q: String!) {
  bulkOperationRunQuery(query: $q) { bulkOperation { id status createdAt } userErrors { code field message } }
}`;
const POLL = `query Poll($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount rootObjectCount url partialDataUrl createdAt completedAt fileSize } }`;
const ITEMS = `{ inventoryItems { edges { node { id sku inventoryLevels { edges { node { location { id } quantities(names: ["available"]) { name quantity } } } } } } } }`;

const skus = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `B${i}`, quantity: i % 7 }));

let shop: Awaited<ReturnType<typeof startShop>> | undefined;
afterEach(async () => {
  await shop?.close();
  shop = undefined;
});

async function start(n: number, options: Record<string, unknown> = {}) {
  shop = await startShop({ skus: skus(n), options });
  const bulk = (shop.sandbox.instances.get('shopify/test-shop') as ShopifyInstance).bulk;
  const run = async (q = ITEMS) => (await shop!.gql(RUN, { q })).json.data.bulkOperationRunQuery;
  const poll = async (id: string) => (await shop!.gql(POLL, { id })).json.data.bulkOperation;
  const until = async (id: string, done: (op: any) => boolean) => {
    for (let i = 0; i < 500; i++) {
      const op = await poll(id);
      if (done(op)) return op;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('operation never finished');
  };
  return { s: shop, bulk, run, poll, until };
}

describe('Shopify sandbox bulk operations', () => {
  it('runs in the background for a time proportional to the objects, then serves Shopify-shaped JSONL', async () => {
    const { s, run, poll, until } = await start(200, { bulkObjectsPerSecond: 2_000 });
    const t = performance.now();
    const started = await run();
    expect(started.userErrors).toEqual([]);
    expect(started.bulkOperation.status).toBe('CREATED');
    expect(started.bulkOperation.id).toMatch(/^gid:\/\/shopify\/BulkOperation\/\d+$/);
    const running = await poll(started.bulkOperation.id);
    expect(['CREATED', 'RUNNING']).toContain(running.status);
    expect(running.url).toBeNull();
    const done = await until(started.bulkOperation.id, (op) => op.status === 'COMPLETED');
    // 200 items and their 200 levels at 2,000 objects/s: about 200 ms
    expect(performance.now() - t).toBeGreaterThanOrEqual(150);
    expect(done).toMatchObject({ objectCount: '400', rootObjectCount: '200', errorCode: null });
    const res = await fetch(done.url);
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(400);
    expect(Number(done.fileSize)).toBeGreaterThan(0);
    const truth = await s.truth();
    const first = truth.items[0];
    expect(lines[0]).toEqual({ id: first.inventoryItemId, sku: 'B0' });
    expect(lines[1]).toEqual({ location: { id: truth.locations[0].id }, quantities: [{ name: 'available', quantity: 0 }], __parentId: first.inventoryItemId });
    expect(lines[3]).toMatchObject({ quantities: [{ name: 'available', quantity: 1 }], __parentId: truth.items[1].inventoryItemId });
  });

  it('reads the shop progressively: an item read after a sale shows it, one read before does not', async () => {
    const { s, bulk, run, until } = await start(400, { bulkObjectsPerSecond: 500 });
    const op = (await run()).bulkOperation;
    while (bulk.operations()[0]!.objectCount < 4) await new Promise((r) => setTimeout(r, 5));
    // the first items have been read by now, the last not yet
    expect(bulk.operations()[0]!.objectCount).toBeLessThan(700);
    expect((await s.call('POST', '/orders', { lines: [{ sku: 'B1', quantity: 1 }] })).status).toBe(201);
    expect((await s.call('POST', '/orders', { lines: [{ sku: 'B398', quantity: 1 }] })).status).toBe(201);
    const done = await until(op.id, (o) => o.status === 'COMPLETED');
    const lines = (await (await fetch(done.url)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const level = (i: number) => lines[i * 2 + 1].quantities[0].quantity;
    expect(level(1)).toBe(1); // read before its sale
    expect(level(398)).toBe((398 % 7) - 1); // read after
  });

  it('refuses a query beyond the documented limits with a user error', async () => {
    const { run } = await start(2);
    const flat = await run(`{ shop { name } }`);
    expect(flat.bulkOperation).toBeNull();
    expect(flat.userErrors[0]).toMatchObject({ code: 'INVALID', field: ['query'] });
    expect(flat.userErrors[0].message).toMatch(/connection/);
    const deep = await run(`{ orders { edges { node { id lineItems { edges { node { id } } } } } } }`);
    expect(deep.userErrors).toEqual([]);
    const bad = await run(`{ inventoryItems { nodes { idd } } }`);
    expect(bad.userErrors[0]).toMatchObject({ code: 'INVALID', field: ['query'] });
    const noParentId = await run(`{ inventoryItems { nodes { sku inventoryLevels { nodes { id } } } } }`);
    expect(noParentId.userErrors[0].message).toMatch(/'id'/);
  });

  it('runs five at once per app and refuses a sixth with LIMIT_REACHED', async () => {
    const { run, s } = await start(3_000, { bulkObjectsPerSecond: 100 });
    for (let i = 0; i < 5; i++) expect((await run()).userErrors).toEqual([]);
    const sixth = await run();
    expect(sixth.bulkOperation).toBeNull();
    expect(sixth.userErrors).toEqual([{ code: 'LIMIT_REACHED', field: null, message: expect.stringMatching(/limit reached/i) }]);
    // another app (another token) has its own five
    const other = await s.gql(RUN, { q: ITEMS }, 'shpat_other');
    expect(other.json.data.bulkOperationRunQuery.userErrors).toEqual([]);
  });

  it('cancels a running operation; a finished one cannot be', async () => {
    const { s, run, until } = await start(3_000, { bulkObjectsPerSecond: 100 });
    const op = (await run()).bulkOperation;
    const cancel = `mutation C($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } userErrors { field message } } }`;
    const first = (await s.gql(cancel, { id: op.id })).json.data.bulkOperationCancel;
    expect(first).toEqual({ bulkOperation: { status: 'CANCELING' }, userErrors: [] });
    const done = await until(op.id, (o) => o.status !== 'CANCELING');
    expect(done.status).toBe('CANCELED');
    expect(done.url).toBeNull();
    const again = (await s.gql(cancel, { id: op.id })).json.data.bulkOperationCancel;
    expect(again.userErrors[0].message).toMatch(/cannot be canceled when it is canceled/);
  });

  it('fails as documented: partial data on TIMEOUT, none on ACCESS_DENIED', async () => {
    const { bulk, run, until } = await start(300, { bulkObjectsPerSecond: 5_000 });
    bulk.failNext('TIMEOUT', 100);
    const op = (await run()).bulkOperation;
    const failed = await until(op.id, (o) => o.status !== 'CREATED' && o.status !== 'RUNNING');
    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'TIMEOUT', url: null });
    const partial = (await (await fetch(failed.partialDataUrl)).text()).trim().split('\n');
    expect(partial.length).toBeGreaterThanOrEqual(100);
    expect(partial.length).toBeLessThan(600);
    bulk.failNext('ACCESS_DENIED');
    const denied = await until((await run()).bulkOperation.id, (o) => o.status === 'FAILED');
    expect(denied).toMatchObject({ errorCode: 'ACCESS_DENIED', partialDataUrl: null });
  });

  it('lets the result URL expire: the operation says EXPIRED and the old URL is refused', async () => {
    const { bulk, run, until } = await start(10, { bulkObjectsPerSecond: 10_000 });
    const op = await until((await run()).bulkOperation.id, (o) => o.status === 'COMPLETED');
    expect((await fetch(op.url)).status).toBe(200);
    // one hex digit changed (a fixed digit would leave a signature that starts with it unchanged)
    const forged = await fetch(op.url.replace(/signature=([0-9a-f])/, (_: string, c: string) => `signature=${c === '0' ? '1' : '0'}`));
    expect(forged.status).toBe(403);
    bulk.expireUrls();
    const expired = await until(op.id, () => true);
    expect(expired).toMatchObject({ status: 'EXPIRED', url: null });
    const res = await fetch(op.url);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/ExpiredToken/);
  });

  it('announces the end with the bulk_operations/finish webhook', async () => {
    const received: { topic: string; body: any }[] = [];
    const { createServer } = await import('node:http');
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ topic: String(req.headers['x-shopify-topic']), body: JSON.parse(body) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    try {
      const { s, run, until } = await start(5);
      const port = (hook.address() as { port: number }).port;
      await s.call('POST', '/webhooks', { topic: 'bulk_operations/finish', url: `http://127.0.0.1:${port}/hook` });
      const op = (await run()).bulkOperation;
      await until(op.id, (o) => o.status === 'COMPLETED');
      await s.sandbox.flushWebhooks();
      expect(received).toEqual([
        {
          topic: 'bulk_operations/finish',
          body: {
            admin_graphql_api_id: op.id,
            completed_at: expect.any(String),
            created_at: expect.any(String),
            error_code: null,
            status: 'completed',
            type: 'query',
          },
        },
      ]);
    } finally {
      hook.close();
    }
  });
});
