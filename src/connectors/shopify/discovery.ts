// Catalogue discovery: every product variant, page by page (Admin GraphQL productVariants),
// with its SKU, barcode and inventory item. A variant is a listing at the connection's
// location (options.locationId or the shop's primary location) only where its item is
// stocked there: elsewhere a push would fail ITEM_NOT_STOCKED_AT_LOCATION.
import type { DiscoveredListing, Page } from '../types.js';
import { fit, type ShopifyContext } from './context.js';
import { nextCursor } from './orders.js';
import { reader } from './shapes.js';

export const LIST_VARIANTS = /* GraphQL */ `query StocksyncVariants($first: Int!, $after: String, $loc: ID!) {
  productVariants(first: $first, after: $after) {
    nodes { id sku barcode displayName inventoryItem { id inventoryLevel(locationId: $loc) { id } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
/** Per variant: the node 1, its inventoryItem 1, the level 1; plus 2 for the connection. */
export const VARIANT_COST = 3;
export const variantsCost = (first: number) => 2 + first * VARIANT_COST;

const r = reader('Shopify variants answer');

/** One variant node as a listing; null where its item is not stocked at the location. */
function listingOf(ctx: ShopifyContext, n: unknown, path: string, location: string): DiscoveredListing | null {
  const node = r.obj(n, path);
  const item = r.obj(node['inventoryItem'], `${path}.inventoryItem`);
  if (item['inventoryLevel'] == null) return null;
  const sku = r.optStr(node['sku'], `${path}.sku`);
  const inventoryItemId = r.str(item['id'], `${path}.inventoryItem.id`);
  const name = r.optStr(node['displayName'], `${path}.displayName`);
  if (sku) ctx.skuCache.set(sku, inventoryItemId);
  return { sku, barcode: r.optStr(node['barcode'], `${path}.barcode`), ...(name !== null && { name }), platformIds: { inventoryItemId, locationId: location } };
}

export async function listListings(ctx: ShopifyContext, cursor: string | null): Promise<Page<DiscoveredListing>> {
  const location = await ctx.location();
  // as many variants as one query may cost (the bucket, or Shopify's 1,000 points)
  const first = fit(ctx, VARIANT_COST, ctx.listPageSize, 2);
  const data = await ctx.client.call(LIST_VARIANTS, { first, after: cursor, loc: location }, variantsCost(first), 'background');
  const conn = r.obj(data['productVariants'], 'data.productVariants');
  const nodes = r.arr(conn['nodes'], 'data.productVariants.nodes');
  const items = nodes.flatMap((n, i) => listingOf(ctx, n, `data.productVariants.nodes[${i}]`, location) ?? []);
  return { items, next: nextCursor(conn, 'data.productVariants') };
}
