// Catalogue discovery: every product, page by page (per_page 100), and the variations of
// each variable product (/products/{id}/variations). The barcode is `global_unique_id`
// (GTIN, UPC, EAN or ISBN; WooCommerce 9.2+). A variable parent is a listing only where it
// manages stock itself, as in listQuantities.
import type { DiscoveredListing, Page } from '../types.js';
import type { WooClient } from './client.js';
import { idOf, strOf, type Json } from './json.js';
import { productPage, variationsOf } from './reads.js';

function listingOf(row: Json, parentId: string | undefined): DiscoveredListing {
  const id = idOf(row['id'], 'product.id');
  const sku = strOf(row['sku']);
  const barcode = strOf(row['global_unique_id']);
  const name = strOf(row['name']);
  return {
    sku: sku === '' ? null : sku,
    barcode: barcode === '' ? null : barcode,
    ...(name !== '' && { name }),
    platformIds: parentId ? { productId: parentId, variationId: id } : { productId: id },
  };
}

export async function listListings(client: WooClient, cursor: string | null): Promise<Page<DiscoveredListing>> {
  const { rows, next } = await productPage(client, cursor, 'listListings');
  const items: DiscoveredListing[] = [];
  for (const row of rows) {
    if (row['type'] === 'variable') {
      const id = idOf(row['id'], 'product.id');
      for (const v of await variationsOf(client, id)) items.push(listingOf(v, id));
      if (row['manage_stock'] !== true) continue;
    }
    items.push(listingOf(row, undefined));
  }
  return { items, next };
}
