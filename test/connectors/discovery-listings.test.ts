// listListings / listProducts of each connector against its sandbox, over several pages:
// Shopify pages sized to the shop's cost bucket (never throttled), WooCommerce variations
// of variable products, Amazon past searchListingsItems' 1,000-result ceiling (creation
// windows), the 3PL's products with barcodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFaultProfile } from '../../sandbox/core/faults.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { Page } from '../../src/connectors/types.js';
import { amazonSellerId, discoveryConnectors } from '../../src/harness/discovery-stack.js';
import type { ShopifyConnector } from '../../src/connectors/shopify/index.js';
import { canListListings, canListProducts } from '../../src/engine/catalog-discovery/run.js';

const skus = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ sku: `${prefix}-${String(i).padStart(4, '0')}`, quantity: 3, barcode: `${prefix}${i}`, name: `${prefix} ${i}` }));

let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 5,
    faults: 'none',
    timeScale: 0.0001,
    instances: [
      { platform: 'shopify', name: 'shop', skus: skus('S', 600), options: { restoreRate: 1000, bucketSize: 300 } },
      { platform: 'woocommerce', name: 'woo', skus: skus('W', 250), options: { variationsPerProduct: 3 } },
      { platform: 'amazon', name: 'amz', skus: skus('A', 1050), options: { sellerId: amazonSellerId('amz'), rateScale: 100 } },
      { platform: 'warehouse', name: 'wh', skus: skus('H', 600) },
    ],
  });
});
afterAll(async () => sandbox.close());

async function drain<T>(list: (cursor: string | null) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let pages = 0;
  for (let cursor: string | null = null; ;) {
    const page: Page<T> = await list(cursor);
    items.push(...page.items);
    pages++;
    if (page.next === null) return { items, pages };
    cursor = page.next;
  }
}

describe('catalogue discovery reads', () => {
  it('Shopify: every variant with SKU, barcode, inventory item and location, pages sized to the bucket', async () => {
    const c = (await discoveryConnectors(sandbox.url, [{ platform: 'shopify', name: 'shop', options: { restoreRate: 1000, bucketSize: 300 } }])).get(
      'shopify-shop',
    ) as ShopifyConnector;
    const { items, pages } = await drain((cursor) => c.listListings(cursor));
    expect(items).toHaveLength(600);
    expect(pages).toBe(Math.ceil(600 / Math.floor((300 - 2) / 3)));
    expect(new Set(items.map((i) => i.platformIds['inventoryItemId'])).size).toBe(600);
    expect(items[7]).toEqual({
      sku: 'S-0007',
      barcode: 'S7',
      name: 'S 7 - Default Title',
      platformIds: {
        inventoryItemId: expect.stringMatching(/^gid:\/\/shopify\/InventoryItem\/\d+$/),
        locationId: expect.stringMatching(/^gid:\/\/shopify\/Location\//),
      },
    });
    expect(c.stats().throttled).toBe(0);
  });

  it('WooCommerce: the variations of variable products, with their parent and barcode', async () => {
    const c = (await discoveryConnectors(sandbox.url, [{ platform: 'woocommerce', name: 'woo' }])).get('woocommerce-woo')!;
    if (!canListListings(c)) throw new Error('no listListings');
    const { items } = await drain((cursor) => c.listListings(cursor));
    expect(items).toHaveLength(250); // the variable parents manage no stock: not listings
    expect(items.every((i) => i.platformIds['variationId'] !== undefined)).toBe(true);
    expect(items.find((i) => i.sku === 'W-0004')).toMatchObject({ barcode: 'W4', name: 'W 4' });
  });

  it('Amazon: every listing, past the 1,000 results one search can page through', async () => {
    const c = (await discoveryConnectors(sandbox.url, [{ platform: 'amazon', name: 'amz', options: { rateScale: 100 } }])).get('amazon-amz')!;
    if (!canListListings(c)) throw new Error('no listListings');
    const { items } = await drain((cursor) => c.listListings(cursor));
    const unique = new Set(items.map((i) => i.sku));
    expect(unique.size).toBe(1050);
    expect(items.length - unique.size).toBeLessThanOrEqual(2); // the window boundary, read twice
    expect(items[0]).toEqual({ sku: 'A-0000', name: 'A 0', platformIds: { sellerSku: 'A-0000' } });
  });

  it('the 3PL: every product with SKU, name, barcode and inventory id', async () => {
    const c = (await discoveryConnectors(sandbox.url, [{ platform: 'warehouse', name: 'wh' }])).get('warehouse-wh')!;
    if (!canListProducts(c)) throw new Error('no listProducts');
    const { items, pages } = await drain((cursor) => c.listProducts(cursor));
    expect(items).toHaveLength(600);
    expect(pages).toBe(3);
    expect(items[5]).toEqual({
      sku: 'H-0005',
      barcode: 'H5',
      name: 'H 5',
      platformIds: { productId: expect.any(String), variantId: expect.any(String), inventoryId: expect.any(String) },
    });
  });
});

describe('catalogue discovery reads under faults', () => {
  // every platform answers 429 and 5xx now and then: each read retries and still reads all
  const flaky = { ...resolveFaultProfile('none'), latencyMs: { min: 0, max: 2 }, rate429: 0.1, rate5xx: 0.1 };

  let faulty: RunningSandbox;
  beforeAll(async () => {
    faulty = await startSandbox({
      seed: 9,
      faults: flaky,
      timeScale: 0.0001,
      instances: [
        { platform: 'shopify', name: 'shop', skus: skus('S', 300), options: { restoreRate: 1000, bucketSize: 300 } },
        { platform: 'woocommerce', name: 'woo', skus: skus('W', 150) },
        { platform: 'amazon', name: 'amz', skus: skus('A', 120), options: { sellerId: amazonSellerId('amz'), rateScale: 100 } },
        { platform: 'warehouse', name: 'wh', skus: skus('H', 300) },
      ],
    });
  });
  afterAll(async () => faulty.close());

  it('reads every item of every platform', async () => {
    const connectors = await discoveryConnectors(faulty.url, [
      { platform: 'shopify', name: 'shop', options: { restoreRate: 1000, bucketSize: 300 } },
      { platform: 'woocommerce', name: 'woo' },
      { platform: 'amazon', name: 'amz', options: { rateScale: 100 } },
      { platform: 'warehouse', name: 'wh', options: { rateLimit: { requests: 1000, windowMs: 1000 } } },
    ]);
    const counts: Record<string, number> = {};
    for (const [id, c] of connectors) {
      const { items } = await drain<{ sku: string | null }>((cursor) =>
        canListListings(c) ? c.listListings(cursor) : canListProducts(c) ? c.listProducts(cursor) : Promise.reject(new Error(`${id} cannot list`)),
      );
      counts[id] = new Set(items.map((i) => i.sku)).size;
    }
    expect(counts).toEqual({ 'shopify-shop': 300, 'woocommerce-woo': 150, 'amazon-amz': 120, 'warehouse-wh': 300 });
  });
});
