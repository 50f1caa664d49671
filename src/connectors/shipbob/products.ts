// The warehouse's catalogue for discovery: GET /product, paged by `next` links. A product
// holds variants; each variant is one SKU with its inventory id. A bundle's variant has no
// stock of its own (ShipBob tracks inventory at the component level) and lists its
// components in bundle_definition.
import type { DiscoveredProduct, Page } from '../types.js';
import { getLink, type Api } from './api.js';
import { id, isObject, pagedItems, parseError, quantity, type Json } from './json.js';

export async function listProducts(api: Api, pageSize: number, pageCursor: string | null): Promise<Page<DiscoveredProduct>> {
  let link = `/${api.version}/product?PageSize=${pageSize}`;
  if (pageCursor !== null) {
    link = api.link(pageCursor);
    if (!link.startsWith(`/${api.version}/product?`)) throw parseError(`not a product cursor: ${pageCursor.slice(0, 60)}`);
  }
  const page = pagedItems((await getLink(api, { link })).json<unknown>(), 'product');
  return { items: page.items.flatMap(productVariants), next: page.next === null ? null : api.link(page.next) };
}

function productVariants(product: unknown): DiscoveredProduct[] {
  if (!isObject(product)) throw parseError('product is not an object');
  const productId = id(product.id, 'product id');
  if (!Array.isArray(product.variants)) throw parseError(`product ${productId} has no variants list`);
  // A variant without a SKU cannot be matched to anything; a digital one holds no stock.
  return product.variants
    .filter((v) => isObject(v) && typeof v.sku === 'string' && v.sku !== '' && v.is_digital !== true)
    .map((v) => variant(productId, v as Json));
}

function variant(productId: string, v: Json): DiscoveredProduct {
  const sku = v.sku as string;
  const variantId = id(v.id, `${sku} variant id`);
  const inventory = isObject(v.inventory) ? v.inventory : {};
  const inventoryId = inventory.inventory_id === null || inventory.inventory_id === undefined ? null : id(inventory.inventory_id, `${sku} inventory_id`);
  const definition = Array.isArray(v.bundle_definition) ? v.bundle_definition : [];
  const components = definition.map((c, i) => {
    if (!isObject(c) || typeof c.variant_sku !== 'string' || c.variant_sku === '') throw parseError(`${sku} bundle component ${i} has no variant_sku`);
    const n = quantity(c.quantity, `${sku} bundle component ${c.variant_sku} quantity`);
    if (n === 0) throw parseError(`${sku} bundle component ${c.variant_sku} has quantity 0`);
    return { sku: c.variant_sku, quantity: n };
  });
  return {
    sku,
    barcode: barcodeOf(v),
    ...(typeof v.name === 'string' && v.name !== '' && { name: v.name }),
    ...(components.length > 0 && { components }),
    platformIds: { productId, variantId, ...(inventoryId !== null && { inventoryId }) },
  };
}

/** The first barcode ShipBob lists, else the UPC, else the GTIN. */
function barcodeOf(v: Json): string | null {
  const listed = Array.isArray(v.barcodes) ? v.barcodes.find((b) => isObject(b) && typeof b.value === 'string' && b.value !== '') : undefined;
  if (isObject(listed)) return listed.value as string;
  for (const f of ['upc', 'gtin'] as const) if (typeof v[f] === 'string' && v[f] !== '') return v[f];
  return null;
}
