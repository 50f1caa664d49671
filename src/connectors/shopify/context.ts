// What the connector's operations share: the GraphQL client, the location, the SKU
// cache and the size limits derived from the shop's bucket.
import type { ListingRef } from '../types.js';
import type { GraphqlClient } from './client.js';

export interface ShopifyContext {
  connectionId: string;
  client: GraphqlClient;
  /** The configured location GID, or the shop's primary location (asked once). */
  location(): Promise<string>;
  /** sku -> inventory item GID, filled by resolveListings. */
  skuCache: Map<string, string>;
  /** Largest cost one query may have: Shopify's 1,000, or the bucket if smaller. */
  maxCost(): number;
  /** Orders per pollOrders page. */
  orderPageSize: number;
  /** Items per listQuantities page (further bounded by maxCost). */
  listPageSize: number;
}

export interface PlatformIds {
  inventoryItemId: string;
  locationId: string;
}

/** How many units of `unitCost` fit in one query next to `fixedCost`, within [1, cap]. */
export function fit(ctx: ShopifyContext, unitCost: number, cap: number, fixedCost = 0): number {
  return Math.max(1, Math.min(cap, Math.floor((ctx.maxCost() - fixedCost) / unitCost)));
}

export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** The ids a listing already carries (its own location wins over the connection's). */
export function knownIds(listing: ListingRef, ctx: ShopifyContext, location: string): PlatformIds | undefined {
  const item = listing.platformIds['inventoryItemId'] ?? ctx.skuCache.get(listing.sku);
  if (!item) return undefined;
  return { inventoryItemId: item, locationId: listing.platformIds['locationId'] ?? location };
}
