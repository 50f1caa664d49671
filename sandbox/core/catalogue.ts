import { createRng } from './rng.js';
import type { InstanceSpec, PlatformName } from './instance.js';

/**
 * The demo catalogue: 300 SKUs, all held by the warehouse, listed on overlapping
 * subsets of the channels (as merchants do), channel counts starting in sync with
 * the warehouse's.
 */
export const DEMO_SKU_COUNT = 300;

export const DEMO_INSTANCE_NAMES: Record<PlatformName, string> = {
  shopify: 'demo-shop',
  woocommerce: 'demo-store',
  amazon: 'demo-seller',
  warehouse: 'demo-3pl',
};

export function demoSku(i: number): string {
  return `DEMO-${String(i).padStart(4, '0')}`;
}

/** Which demo SKU numbers (1-based) each platform lists. */
function listedOn(platform: PlatformName, i: number): boolean {
  switch (platform) {
    case 'warehouse':
      return true;
    case 'shopify':
      return i <= 240;
    case 'woocommerce':
      return i > 60;
    case 'amazon':
      return i % 2 === 0;
  }
}

export function demoCatalogue(seed: number, platforms: readonly PlatformName[]): InstanceSpec[] {
  const rng = createRng(seed, 'demo-catalogue');
  const onHand = Array.from({ length: DEMO_SKU_COUNT }, () => (rng.chance(0.1) ? 0 : rng.int(1, 120)));
  return platforms.map((platform) => ({
    platform,
    name: DEMO_INSTANCE_NAMES[platform],
    skus: onHand.flatMap((quantity, idx) => (listedOn(platform, idx + 1) ? [{ sku: demoSku(idx + 1), quantity }] : [])),
    // The seller's SP-API notifications also land in its SQS queue (sandbox/amazon/sqs.ts).
    ...(platform === 'amazon' && { options: { sqs: true } }),
  }));
}
