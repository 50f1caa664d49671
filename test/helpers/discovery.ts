// A sandbox catalogue for discovery tests: a 3PL and three channels whose listings match
// by SKU (some padded), by barcode, not at all, or twice (ambiguous).
import { expect } from 'vitest';
import type { InstanceSpec } from '../../sandbox/core/instance.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { amazonSellerId, type SandboxConnection } from '../../src/harness/discovery-stack.js';

export const CONNECTIONS: SandboxConnection[] = [
  { platform: 'warehouse', name: 'wh', id: 'wh' },
  { platform: 'shopify', name: 'shop', id: 'shop' },
  { platform: 'woocommerce', name: 'woo', id: 'woo' },
  { platform: 'amazon', name: 'amz', id: 'amz' },
];

/** A fault-free sandbox serving these instances. */
export function quietSandbox(instances: InstanceSpec[], seed = 3): Promise<RunningSandbox> {
  return startSandbox({ seed, faults: 'none', timeScale: 0.0001, instances });
}

export async function catalogueSandbox(): Promise<RunningSandbox> {
  const sandbox = await quietSandbox([
    {
      platform: 'warehouse',
      name: 'wh',
      skus: [
        { sku: 'A-1', quantity: 10, name: 'Mug', barcode: '0001' },
        { sku: 'B-2', quantity: 5, name: 'Bowl', barcode: '0002' },
        { sku: 'C-3', quantity: 7, name: 'Plate' },
        { sku: 'D-4', quantity: 1, name: 'Spoon' },
        { sku: 'E-5', quantity: 4, name: 'Fork', barcode: '0005' },
      ],
    },
    {
      platform: 'shopify',
      name: 'shop',
      skus: [
        { sku: 'A-1', quantity: 10 },
        // two variants, one SKU (the second with a stray space): ambiguous
        { sku: 'B-2', quantity: 5 },
        { sku: 'B-2 ', quantity: 5 },
        { sku: ' C-3', quantity: 7 },
        { sku: 'X-9', quantity: 1 },
      ],
    },
    { platform: 'woocommerce', name: 'woo', skus: [{ sku: 'A-1', quantity: 10 }] },
    {
      platform: 'amazon',
      name: 'amz',
      skus: [
        { sku: 'A-1', quantity: 10 },
        { sku: 'c-3', quantity: 7 },
      ],
      options: { sellerId: amazonSellerId('amz') },
    },
  ]);
  // a WooCommerce product without a SKU, found by its barcode (global_unique_id)
  const res = await fetch(`${sandbox.url}/woocommerce/woo/wp-json/wc/v3/products`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('ck_woo:cs_woo').toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Fork (no SKU)', global_unique_id: '0005', manage_stock: true, stock_quantity: 4 }),
  });
  expect(res.status).toBe(201);
  return sandbox;
}
