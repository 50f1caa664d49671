// Reads: SKU resolution, current counts of given listings, and the full list of counts.
import { ConnectorError } from '../errors.js';
import type { ChannelQuantity, ListingRef, Page } from '../types.js';
import { chunks, fit, knownIds, type PlatformIds, type ShopifyContext } from './context.js';
import { LEVEL_COST_PER_ITEM, LIST_QUANTITIES, listCost, levelsQuery, SKU_COST_PER_SEARCH, skuQuery } from './documents.js';
import { reader } from './shapes.js';

const r = reader('Shopify inventory answer');

/** Shopify search syntax for one exact SKU; null when it cannot be quoted safely. */
export function skuSearch(sku: string): string | null {
  if (sku === '' || /[\\\n\r]/.test(sku)) return null;
  if (!sku.includes('"')) return `sku:"${sku}"`;
  if (!sku.includes("'")) return `sku:'${sku}'`;
  return null;
}

/**
 * Finds inventory items by SKU, many SKUs per query (aliases), keeping only exact
 * matches stocked at the location. Found ids are cached; misses are not (the merchant
 * may create the SKU later).
 */
export async function resolveListings(ctx: ShopifyContext, listings: readonly ListingRef[]): Promise<Map<number, Record<string, string>>> {
  const location = await ctx.location();
  const out = new Map<number, Record<string, string>>();
  const wanted = new Set<string>();
  for (const l of listings) {
    const ids = l.platformIds['inventoryItemId'] ? knownIds(l, ctx, location) : undefined;
    if (ids) out.set(l.listingId, { ...ids });
    else if (skuSearch(l.sku) !== null) wanted.add(l.sku);
  }
  const found = await searchSkus(ctx, [...wanted], location);
  for (const l of listings) {
    const item = found.get(l.sku);
    if (!out.has(l.listingId) && item) out.set(l.listingId, { inventoryItemId: item, locationId: l.platformIds['locationId'] ?? location });
  }
  return out;
}

async function searchSkus(ctx: ShopifyContext, skus: string[], location: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const batch of chunks(skus, fit(ctx, SKU_COST_PER_SEARCH, 50))) {
    const vars: Record<string, unknown> = { loc: location };
    batch.forEach((sku, i) => (vars[`s${i}`] = skuSearch(sku)));
    const data = await ctx.client.call(skuQuery(batch.length), vars, batch.length * SKU_COST_PER_SEARCH);
    batch.forEach((sku, i) => {
      const nodes = r.arr(r.obj(data[`s${i}`], `data.s${i}`)['nodes'], `data.s${i}.nodes`);
      for (const [j, n] of nodes.entries()) {
        const node = r.obj(n, `data.s${i}.nodes[${j}]`);
        // search is token-based on Shopify: "A-1" may also match "A-1-RED"
        if (node['sku'] !== sku || node['inventoryLevel'] == null) continue;
        const id = r.str(node['id'], `data.s${i}.nodes[${j}].id`);
        found.set(sku, id);
        ctx.skuCache.set(sku, id);
        break;
      }
    });
  }
  return found;
}

/** Ids for every listing, resolving by SKU those configured without them. */
export async function idsFor(ctx: ShopifyContext, listings: readonly ListingRef[]): Promise<Map<number, PlatformIds>> {
  // listings that carry both ids need no location lookup (the engine's usual case)
  const complete = listings.every((l) => l.platformIds['inventoryItemId'] && l.platformIds['locationId']);
  const location = complete ? '' : await ctx.location();
  const ids = new Map<number, PlatformIds>();
  const missing: ListingRef[] = [];
  for (const l of listings) {
    const known = knownIds(l, ctx, location);
    if (known) ids.set(l.listingId, known);
    else missing.push(l);
  }
  if (missing.length > 0) {
    for (const [listingId, found] of await resolveListings(ctx, missing)) {
      ids.set(listingId, { inventoryItemId: found['inventoryItemId']!, locationId: found['locationId']! });
    }
  }
  return ids;
}

/** `available` at each listing's location; listings unknown there are absent. */
export async function readQuantities(ctx: ShopifyContext, listings: readonly ListingRef[]): Promise<Map<number, number>> {
  const ids = await idsFor(ctx, listings);
  const out = new Map<number, number>();
  const targets = listings.filter((l) => ids.has(l.listingId));
  for (const batch of chunks(targets, fit(ctx, LEVEL_COST_PER_ITEM, 250))) {
    const vars: Record<string, unknown> = {};
    batch.forEach((l, i) => {
      const id = ids.get(l.listingId)!;
      vars[`i${i}`] = id.inventoryItemId;
      vars[`l${i}`] = id.locationId;
    });
    const data = await ctx.client.call(levelsQuery(batch.length), vars, batch.length * LEVEL_COST_PER_ITEM);
    batch.forEach((l, i) => {
      const q = availableOf(data[`q${i}`], `data.q${i}`);
      if (q !== undefined) out.set(l.listingId, q);
    });
  }
  return out;
}

/** item{inventoryLevel{quantities[{quantity}]}} -> available; undefined when item or level is absent. */
function availableOf(item: unknown, path: string): number | undefined {
  if (item == null) return undefined;
  const level = r.obj(item, path)['inventoryLevel'];
  if (level == null) return undefined;
  return quantityOf(level, `${path}.inventoryLevel`);
}

function quantityOf(level: unknown, path: string): number {
  const quantities = r.arr(r.obj(level, path)['quantities'], `${path}.quantities`);
  return r.int(r.obj(quantities[0], `${path}.quantities[0]`)['quantity'], `${path}.quantities[0].quantity`);
}

/**
 * Every count at each of these locations (a connection showing a count per location), one
 * location after the other; the cursor is [location index, Shopify's endCursor].
 */
export async function listQuantitiesAt(ctx: ShopifyContext, locations: readonly string[], cursor: string | null): Promise<Page<ChannelQuantity>> {
  let [index, inner] = [0, null as string | null];
  if (cursor !== null) {
    const parsed = JSON.parse(cursor) as unknown;
    if (!Array.isArray(parsed) || !Number.isInteger(parsed[0]) || !(parsed[1] === null || typeof parsed[1] === 'string') || !locations[parsed[0] as number]) {
      throw new ConnectorError('PARSE', `listQuantities: cursor ${cursor.slice(0, 80)} is not one this connector gave`);
    }
    [index, inner] = [parsed[0] as number, parsed[1] as string | null];
  }
  const location = locations[index]!;
  const page = await listQuantities({ ...ctx, location: () => Promise.resolve(location) }, inner);
  const next = page.next !== null ? [index, page.next] : index + 1 < locations.length ? [index + 1, null] : null;
  return { items: page.items, next: next && JSON.stringify(next) };
}

/** Every inventory item stocked at the location, page by page (cursor = Shopify's endCursor). */
export async function listQuantities(ctx: ShopifyContext, cursor: string | null): Promise<Page<ChannelQuantity>> {
  const location = await ctx.location();
  const first = fit(ctx, 3, ctx.listPageSize, 2);
  const data = await ctx.client.call(LIST_QUANTITIES, { first, after: cursor, loc: location }, listCost(first), 'background');
  const conn = r.obj(data['inventoryItems'], 'data.inventoryItems');
  const items: ChannelQuantity[] = [];
  for (const [i, n] of r.arr(conn['nodes'], 'data.inventoryItems.nodes').entries()) {
    const path = `data.inventoryItems.nodes[${i}]`;
    const node = r.obj(n, path);
    if (node['inventoryLevel'] == null) continue; // not stocked at this location
    const level = r.obj(node['inventoryLevel'], `${path}.inventoryLevel`);
    const item: ChannelQuantity = {
      sku: r.optStr(node['sku'], `${path}.sku`) ?? '',
      platformIds: { inventoryItemId: r.str(node['id'], `${path}.id`), locationId: location },
      quantity: quantityOf(level, `${path}.inventoryLevel`),
    };
    const updatedAt = r.optDate(level['updatedAt'], `${path}.inventoryLevel.updatedAt`);
    if (updatedAt) item.updatedAt = updatedAt;
    if (item.sku) ctx.skuCache.set(item.sku, item.platformIds['inventoryItemId']!);
    items.push(item);
  }
  const pageInfo = r.obj(conn['pageInfo'], 'data.inventoryItems.pageInfo');
  const next = r.bool(pageInfo['hasNextPage'], 'data.inventoryItems.pageInfo.hasNextPage')
    ? r.str(pageInfo['endCursor'], 'data.inventoryItems.pageInfo.endCursor')
    : null;
  return { items, next };
}
