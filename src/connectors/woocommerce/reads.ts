// Reading stock counts: by id for push and readQuantities, by SKU for resolveListings,
// and page by page for full reconciliation.
import { ConnectorError } from '../errors.js';
import type { ChannelQuantity, ListingRef, Page } from '../types.js';
import type { WooClient } from './client.js';
import { gmtDate, idOf, stockOf, strOf, type Json } from './json.js';

/** Where a listing lives in WooCommerce: a simple product, or a variation of a product. */
export interface WooTarget {
  productId: string;
  variationId?: string;
}

export function targetOf(listing: ListingRef): WooTarget {
  const productId = listing.platformIds['productId'];
  if (!productId || !/^\d+$/.test(productId)) {
    throw new ConnectorError('REJECTED', `listing ${listing.listingId} (${listing.sku}) has no WooCommerce productId: resolve it first`);
  }
  const variationId = listing.platformIds['variationId'];
  if (variationId !== undefined && variationId !== '' && variationId !== '0') {
    if (!/^\d+$/.test(variationId)) throw new ConnectorError('REJECTED', `listing ${listing.listingId}: variationId ${variationId} is not an id`);
    return { productId, variationId };
  }
  return { productId };
}

/** The item id WooCommerce writes and reads (a variation has its own post id). */
export const itemId = (t: WooTarget): string => t.variationId ?? t.productId;

/** Which list endpoint holds a target: "" for products, the parent id for variations. */
export const groupOf = (t: WooTarget): string => (t.variationId ? t.productId : '');

export const collectionPath = (group: string): string => (group ? `products/${group}/variations` : 'products');

/**
 * Current stock_quantity of each target, one list call per group of 100 (`include=`).
 * Items WooCommerce does not return are absent; unmanaged stock reads as null.
 */
export async function readStock(client: WooClient, targets: readonly WooTarget[], useOnce = false): Promise<Map<string, number | null>> {
  const byGroup = new Map<string, string[]>();
  for (const t of targets) {
    const ids = byGroup.get(groupOf(t)) ?? [];
    if (!ids.includes(itemId(t))) ids.push(itemId(t));
    byGroup.set(groupOf(t), ids);
  }
  const out = new Map<string, number | null>();
  for (const [group, ids] of byGroup) {
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const path = `${collectionPath(group)}?include=${chunk.join(',')}&per_page=100`;
      const rows = useOnce ? await onceList(client, path) : (await client.list(path)).rows;
      for (const row of rows) {
        const id = idOf(row['id'], 'product.id');
        if (chunk.includes(id)) out.set(id, stockOf(row, `product ${id}`));
      }
    }
  }
  return out;
}

async function onceList(client: WooClient, path: string): Promise<Json[]> {
  const { data } = await client.once<unknown>('GET', path);
  if (!Array.isArray(data) || data.some((r) => typeof r !== 'object' || r === null)) {
    throw new ConnectorError('PARSE', `WooCommerce: GET ${path.split('?')[0]} is not a list of objects`);
  }
  return data as Json[];
}

function quantityOf(row: Json, parentId: string | undefined): ChannelQuantity | undefined {
  const quantity = stockOf(row, `product ${String(row['id'])}`);
  const sku = strOf(row['sku']);
  // Unmanaged stock has no count to reconcile; a SKU-less item cannot match a listing.
  if (quantity === null || !sku) return undefined;
  const id = idOf(row['id'], 'product.id');
  const platformIds: Record<string, string> = parentId ? { productId: parentId, variationId: id } : { productId: id };
  const item: ChannelQuantity = { sku, platformIds, quantity };
  if (row['date_modified_gmt']) item.updatedAt = gmtDate(row['date_modified_gmt'], `product ${id}.date_modified_gmt`);
  return item;
}

/** Every variation of a variable product, all pages. */
export async function variationsOf(client: WooClient, parentId: string): Promise<Json[]> {
  const rows: Json[] = [];
  for (let page = 1; ; page++) {
    const r = await client.list(`products/${parentId}/variations?per_page=100&page=${page}&orderby=id&order=asc`);
    rows.push(...r.rows);
    if (page >= r.totalPages || r.rows.length === 0) return rows;
  }
}

/** One page of products (cursor = page number), with the variations of its variable products. */
/** One page of products (per_page 100, oldest id first); next is the following page's cursor. */
export async function productPage(client: WooClient, cursor: string | null, what: string): Promise<{ rows: Json[]; next: string | null }> {
  const page = cursor === null ? 1 : Number(cursor);
  if (!Number.isSafeInteger(page) || page < 1) throw new ConnectorError('REJECTED', `WooCommerce: bad ${what} cursor ${cursor}`);
  const { rows, totalPages } = await client.list(`products?per_page=100&page=${page}&orderby=id&order=asc`);
  return { rows, next: page < totalPages && rows.length > 0 ? String(page + 1) : null };
}

export async function listQuantities(client: WooClient, cursor: string | null): Promise<Page<ChannelQuantity>> {
  const { rows, next } = await productPage(client, cursor, 'listQuantities');
  const items: ChannelQuantity[] = [];
  for (const row of rows) {
    const id = idOf(row['id'], 'product.id');
    if (row['type'] === 'variable') {
      for (const v of await variationsOf(client, id)) {
        const q = quantityOf(v, id);
        if (q) items.push(q);
      }
      // A variable parent may also manage stock at product level; then it is a listing too.
      if (row['manage_stock'] !== true) continue;
    }
    const q = quantityOf(row, undefined);
    if (q) items.push(q);
  }
  return { items, next };
}

/**
 * Platform ids by SKU. `products?sku=a,b` finds products (and, on real WooCommerce,
 * variations too, with their parent_id); SKUs still missing are looked for among the
 * variations of variable products.
 */
export async function resolveBySku(client: WooClient, skus: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const found = new Map<string, Record<string, string>>();
  const record = (row: Json, parentId: string | undefined) => {
    const sku = strOf(row['sku']);
    if (!sku || found.has(sku) || !skus.includes(sku)) return;
    const id = idOf(row['id'], 'product.id');
    found.set(sku, parentId ? { productId: parentId, variationId: id } : { productId: id });
  };
  for (let i = 0; i < skus.length; i += 100) {
    const chunk = skus.slice(i, i + 100);
    // SKUs with commas cannot be asked for in a comma list: the variation walk finds them.
    const askable = chunk.filter((s) => !s.includes(','));
    if (askable.length === 0) continue;
    const { rows } = await client.list(`products?sku=${encodeURIComponent(askable.join(','))}&per_page=100`);
    for (const row of rows) {
      const parent = row['parent_id'];
      record(row, typeof parent === 'number' && parent > 0 ? String(parent) : undefined);
    }
  }
  if (found.size === skus.length) return found;
  for (let page = 1; ; page++) {
    const r = await client.list(`products?type=variable&per_page=100&page=${page}&orderby=id&order=asc`);
    for (const row of r.rows) {
      if (row['type'] !== 'variable') continue;
      const id = idOf(row['id'], 'product.id');
      for (const v of await variationsOf(client, id)) record(v, id);
      if (found.size === skus.length) return found;
    }
    if (page >= r.totalPages || r.rows.length === 0) return found;
  }
}
