// The one place that lists the platforms a connection may use, which kind of connection
// each one is, and which ids a listing on it carries. Adding a platform starts here.

import type { ConnectionKind } from '../domain/types.js';

export interface PlatformSpec {
  kind: ConnectionKind;
  /** Listing id fields a SKU mapping on this platform must carry (channels only). */
  listingRequired: readonly string[];
  listingOptional: readonly string[];
  /**
   * Listing fields that may instead come from the connection's `options` (e.g. a Shopify
   * location shared by every listing); used to tell two listings apart.
   */
  listingFromOptions: readonly string[];
}

export const PLATFORMS = {
  shopify: {
    kind: 'channel',
    listingRequired: ['inventoryItemId'],
    listingOptional: ['locationId'],
    listingFromOptions: ['locationId'],
  },
  woocommerce: {
    kind: 'channel',
    listingRequired: ['productId'],
    listingOptional: ['variationId'],
    listingFromOptions: [],
  },
  amazon: {
    kind: 'channel',
    listingRequired: ['sellerSku'],
    listingOptional: [],
    listingFromOptions: [],
  },
  // The sandbox's generic 3PL (ShipBob/ShipStation-like REST): sku-keyed, no listings.
  warehouse: {
    kind: 'warehouse',
    listingRequired: [],
    listingOptional: [],
    listingFromOptions: [],
  },
} as const satisfies Record<string, PlatformSpec>;

export type Platform = keyof typeof PLATFORMS;
export type ChannelPlatform = {
  [P in Platform]: (typeof PLATFORMS)[P]['kind'] extends 'channel' ? P : never;
}[Platform];
export type WarehousePlatform = Exclude<Platform, ChannelPlatform>;

const names = Object.keys(PLATFORMS) as Platform[];

export const CHANNEL_PLATFORMS = names.filter(
  (p) => PLATFORMS[p].kind === 'channel',
) as ChannelPlatform[];
export const WAREHOUSE_PLATFORMS = names.filter(
  (p) => PLATFORMS[p].kind === 'warehouse',
) as WarehousePlatform[];

export function platformSpec(platform: string): PlatformSpec | undefined {
  return Object.hasOwn(PLATFORMS, platform) ? PLATFORMS[platform as Platform] : undefined;
}
