// The GET_MERCHANT_LISTINGS_ALL_DATA document as Amazon writes it: tab-separated, a header
// row with Amazon's column names (US layout, checked against public parsers of the real
// report), no quoting, one row per listing; gzip when the document says GZIP; UTF-8 in
// North America, Cp1252 in Europe (the download's Content-Type names the charset).
import { gzipSync } from 'node:zlib';
import type { Rng } from '../core/rng.js';
import { defaultQuantity, type Listing } from './store.js';

export const MERCHANT_LISTINGS_COLUMNS = [
  'item-name',
  'item-description',
  'listing-id',
  'seller-sku',
  'price',
  'quantity',
  'open-date',
  'image-url',
  'item-is-marketplace',
  'product-id-type',
  'zshop-shipping-fee',
  'item-note',
  'item-condition',
  'zshop-category1',
  'zshop-browse-path',
  'zshop-storefront-feature',
  'asin1',
  'asin2',
  'asin3',
  'will-ship-internationally',
  'expedited-shipping',
  'zshop-boldface',
  'product-id',
  'bid-for-featured-placement',
  'add-delete',
  'pending-quantity',
  'fulfillment-channel',
  'merchant-shipping-group',
  'status',
] as const;

export type ReportCharset = 'UTF-8' | 'Cp1252';

/** A field never holds the report's separators. */
const clean = (v: string): string => v.replace(/[\t\r\n]+/g, ' ');

/** Amazon's open-date: "2026-12-05 01:02:03 PST" (the marketplace's zone; UTC here). */
function openDate(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function listingId(rng: Rng): string {
  return Array.from({ length: 11 }, () => '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'[rng.int(0, 35)]).join('');
}

/** One row per listing, in Amazon's column order. A listing fulfilled by Amazon has no merchant quantity. */
export function merchantListingsRow(l: Listing, rng: Rng): string {
  const channel = l.availability.find((a) => a.fulfillment_channel_code === 'DEFAULT') ? 'DEFAULT' : (l.availability[0]?.fulfillment_channel_code ?? 'DEFAULT');
  const quantity = channel === 'DEFAULT' ? String(defaultQuantity(l)) : '';
  const values: Record<(typeof MERCHANT_LISTINGS_COLUMNS)[number], string> = {
    'item-name': clean(l.itemName),
    'item-description': '',
    'listing-id': listingId(rng),
    'seller-sku': clean(l.sku),
    price: '19.99',
    quantity,
    'open-date': openDate(l.created),
    'image-url': '',
    'item-is-marketplace': 'y',
    'product-id-type': '1',
    'zshop-shipping-fee': '',
    'item-note': '',
    'item-condition': '11',
    'zshop-category1': '',
    'zshop-browse-path': '',
    'zshop-storefront-feature': '',
    asin1: l.asin,
    asin2: '',
    asin3: '',
    'will-ship-internationally': '',
    'expedited-shipping': '',
    'zshop-boldface': '',
    'product-id': l.asin,
    'bid-for-featured-placement': '',
    'add-delete': '',
    'pending-quantity': '0',
    'fulfillment-channel': channel,
    'merchant-shipping-group': 'Migrated Template',
    status: channel !== 'DEFAULT' || defaultQuantity(l) > 0 ? 'Active' : 'Inactive',
  };
  return MERCHANT_LISTINGS_COLUMNS.map((c) => values[c]).join('\t');
}

/** The document's bytes: header and rows, encoded in `charset`, gzipped when asked. */
export function merchantListingsDocument(rows: readonly string[], charset: ReportCharset, gzip: boolean): Buffer {
  const text = `${MERCHANT_LISTINGS_COLUMNS.join('\t')}\n${rows.map((r) => `${r}\n`).join('')}`;
  // Latin-1 stands for Cp1252 (they differ only in 0x80-0x9F, which a SKU rarely holds).
  const bytes = Buffer.from(text, charset === 'Cp1252' ? 'latin1' : 'utf8');
  return gzip ? gzipSync(bytes) : bytes;
}
