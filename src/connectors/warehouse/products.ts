// Catalogue discovery: the 3PL's products (ShipBob 1.0 GET /product, Page/Limit paging):
// SKU (reference_id), name, barcode, and the inventory item of a one-item product. A
// product of several items, or of one item more than once, is a bundle of them: its
// components are named by the items' `sku` (the sandbox's extension; ShipBob names items
// by id: the ShipBob connector replacing this one maps them).
import type { DiscoveredProduct, Page } from '../types.js';
import type { Api } from './api.js';
import { parseError } from './levels.js';

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function productOf(raw: unknown, i: number): DiscoveredProduct {
  if (typeof raw !== 'object' || raw === null) throw parseError(`product[${i}] is not an object`);
  const p = raw as Record<string, unknown>;
  if (typeof p['id'] !== 'number') throw parseError(`product[${i}].id is not a number`);
  const sku = str(p['reference_id']);
  if (sku === undefined) throw parseError(`product[${i}].reference_id is missing`);
  const items = Array.isArray(p['fulfillable_inventory_items']) ? (p['fulfillable_inventory_items'] as Record<string, unknown>[]) : [];
  const parts = items.filter((x) => typeof x?.['id'] === 'number' && typeof x['quantity'] === 'number' && x['quantity'] > 0);
  const product: DiscoveredProduct = { sku, barcode: str(p['barcode']) ?? null, platformIds: { productId: String(p['id']) } };
  const name = str(p['name']);
  if (name !== undefined) product.name = name;
  if (parts.length === 1 && parts[0]!['quantity'] === 1) product.platformIds['inventoryId'] = String(parts[0]!['id']);
  else if (parts.length > 0) {
    const components = parts.flatMap((x) => (str(x['sku']) === undefined ? [] : [{ sku: x['sku'] as string, quantity: x['quantity'] as number }]));
    if (components.length < parts.length) throw parseError(`product[${i}] (${sku}) is a bundle whose items carry no sku`);
    product.components = components;
  }
  return product;
}

export async function listProducts(api: Api, pageSize: number, cursor: string | null): Promise<Page<DiscoveredProduct>> {
  const page = cursor === null ? 1 : Number(cursor);
  if (!Number.isSafeInteger(page) || page < 1) throw parseError(`not a product page cursor: ${String(cursor).slice(0, 40)}`);
  const res = await api.call('GET', `/1.0/product?Page=${page}&Limit=${pageSize}`);
  const body = res.json<unknown>();
  if (!Array.isArray(body)) throw parseError('GET /1.0/product is not a list');
  const items = body.map((raw, i) => productOf(raw, i));
  const total = Number(res.headers.get('total-pages'));
  const more = res.headers.has('total-pages') && Number.isInteger(total) ? page < total : body.length === pageSize;
  return { items, next: more ? String(page + 1) : null };
}
