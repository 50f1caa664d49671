import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEVELS, SET, startShop } from './shopify-helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Shopify reads, query cost and throttling', () => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  beforeAll(async () => {
    shop = await startShop({ skus: ['A', 'B', 'C', 'D', 'E'].map((sku) => ({ sku, quantity: 5 })) });
  });
  afterAll(() => shop.close());

  it('refuses a request without an access token', async () => {
    const r = await shop.gql('{ shop { name } }', undefined, null);
    expect(r.status).toBe(401);
    expect(r.json.errors).toMatch(/Invalid API key or access token/);
  });

  it('pages inventoryItems with cursors and reports requested and actual cost', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r = await shop.gql(LEVELS, { first: 2, after });
      const conn = r.json.data.inventoryItems;
      seen.push(...conn.edges.map((e: any) => e.node.sku));
      pages++;
      // 2 + first x (item 1 + levels connection 2 + 5 x (level 1 + location 1 + quantities 1))
      expect(r.json.extensions.cost.requestedQueryCost).toBe(2 + 2 * 18);
      expect(r.json.extensions.cost.actualQueryCost).toBe(2 + conn.edges.length * (1 + 2 + 3));
      expect(r.json.extensions.cost.throttleStatus).toMatchObject({ maximumAvailable: 1000, restoreRate: 100 });
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(pages).toBe(3);
  });

  it('inventory item ids are GIDs beyond 2^53', async () => {
    const r = await shop.gql(LEVELS, { first: 1 });
    const id = r.json.data.inventoryItems.edges[0].node.id as string;
    expect(id).toMatch(/^gid:\/\/shopify\/InventoryItem\/\d+$/);
    expect(BigInt(id.split('/').pop()!) > 2n ** 53n).toBe(true);
  });

  it('filters inventoryItems by updated_at at whole-second precision', async () => {
    const cutoff = `${new Date().toISOString().slice(0, 19)}Z`;
    await sleep(1000 - (Date.now() % 1000) + 5); // into the next second
    const { item, location } = await shop.ids('C');
    await shop.gql(SET, {
      input: { name: 'available', reason: 'correction', quantities: [{ inventoryItemId: item, locationId: location, quantity: 2, changeFromQuantity: null }] },
    });
    const r = await shop.gql(LEVELS, { first: 10, query: `updated_at:>'${cutoff}'` });
    expect(r.json.data.inventoryItems.edges.map((e: any) => e.node.sku)).toEqual(['C']);
  });

  it('lists orders filtered by updated_at, with line items and cancellation', async () => {
    const placed = await shop.call('POST', '/orders', {
      lines: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
    });
    await shop.call('POST', `/orders/${placed.json.orderId}/cancel`);
    const q = `query($q: String) { orders(first: 10, query: $q) { nodes { id name createdAt updatedAt cancelledAt lineItems(first: 10) { nodes { sku quantity } } } } }`;
    const r = await shop.gql(q, { q: "updated_at:>'2000-01-01T00:00:00Z'" });
    const order = r.json.data.orders.nodes.at(-1);
    expect(order.id).toBe(`gid://shopify/Order/${placed.json.orderId}`);
    expect(order.name).toMatch(/^#\d+$/);
    expect(order.cancelledAt).not.toBeNull();
    expect(order.lineItems.nodes).toEqual([
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 1 },
    ]);
    const none = await shop.gql(q, { q: "updated_at:>'2999-01-01T00:00:00Z'" });
    expect(none.json.data.orders.nodes).toEqual([]);
  });

  it('sorts orders by UPDATED_AT with cursors that carry the sort value', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await shop.call('POST', '/orders', { lines: [{ sku: 'D', quantity: 1 }] })).json.orderId);
      await sleep(3);
    }
    await shop.call('POST', `/orders/${ids[0]}/cancel`); // now the most recently updated
    const q = `query($after: String) { orders(first: 2, after: $after, sortKey: UPDATED_AT) { nodes { id } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const r: any = await shop.gql(q, { after });
      seen.push(...r.json.data.orders.nodes.map((n: { id: string }) => n.id.split('/').pop()));
      after = r.json.data.orders.pageInfo.hasNextPage ? r.json.data.orders.pageInfo.endCursor : null;
    } while (after);
    expect(seen.slice(-3)).toEqual([ids[1], ids[2], ids[0]]);
  });

  it('refuses a query above the single-query maximum cost', async () => {
    const r = await shop.gql(LEVELS, { first: 250 });
    expect(r.json.data).toBeUndefined();
    expect(r.json.errors[0].extensions).toMatchObject({ code: 'MAX_COST_EXCEEDED', cost: 2 + 250 * 18, maxCost: 1000 });
  });
});

describe('Shopify leaky bucket', () => {
  it('throttles once the standard bucket (1000 points, 100/s) is spent, then restores', async () => {
    const shop = await startShop({ skus: [{ sku: 'A', quantity: 5 }] });
    try {
      const { item, location } = await shop.ids('A');
      const input = {
        name: 'available',
        reason: 'correction',
        quantities: [{ inventoryItemId: item, locationId: location, quantity: 1, changeFromQuantity: null }],
      };
      const started = performance.now();
      let ok = 0;
      let throttled: any;
      while (!throttled && ok < 1000) {
        const r = await shop.gql(SET, { input });
        if (r.json.errors?.[0]?.extensions?.code === 'THROTTLED') throttled = r.json;
        else ok++;
      }
      const elapsedS = (performance.now() - started) / 1000;
      // 1000 points at 10 per mutation, plus what 100 points/s restored meanwhile
      expect(ok).toBeGreaterThanOrEqual(100);
      expect(ok).toBeLessThanOrEqual(100 + Math.ceil(elapsedS * 10) + 1);
      expect(throttled.data).toBeUndefined();
      expect(throttled.errors).toEqual([{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: expect.any(String) } }]);
      expect(throttled.extensions.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: null });
      expect(throttled.extensions.cost.throttleStatus.currentlyAvailable).toBeLessThan(10);
      expect((await shop.call('GET', '/stats')).json.throttled).toBe(1);

      // another app (token) on the same shop has its own bucket
      const otherApp = await shop.gql(SET, { input }, 'shpat_other_app');
      expect(otherApp.json.extensions.cost.throttleStatus.currentlyAvailable).toBe(990);

      await sleep(150); // 100 points/s: 15 points back, one more mutation fits
      const again = await shop.gql(SET, { input });
      expect(again.json.data.inventorySetQuantities.userErrors).toEqual([]);
    } finally {
      await shop.close();
    }
  });

  it('restore rate and bucket follow the plan', async () => {
    const shop = await startShop({ options: { plan: 'plus' } });
    try {
      const r = await shop.gql('{ shop { name myshopifyDomain } }');
      expect(r.json.data.shop.myshopifyDomain).toBe('test-shop.myshopify.com');
      expect(r.json.extensions.cost).toMatchObject({ requestedQueryCost: 1, actualQueryCost: 1 });
      expect(r.json.extensions.cost.throttleStatus).toMatchObject({ maximumAvailable: 10000, restoreRate: 1000 });
    } finally {
      await shop.close();
    }
  });
});
