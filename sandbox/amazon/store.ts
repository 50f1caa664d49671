// Amazon seller state: merchant-fulfilled listings (fulfillment_availability per channel
// code) and orders. Patches are accepted now and applied later (asynchronous processing),
// as absolute values: a sale made in between is overwritten, as on the real platform.
import { createHash } from 'node:crypto';
import type { Rng } from '../core/rng.js';

export interface Availability {
  fulfillment_channel_code: string;
  quantity: number;
}

export interface Listing {
  sku: string;
  asin: string;
  productType: string;
  itemName: string;
  created: Date;
  modified: Date;
  availability: Availability[];
}

export interface Patch {
  op: 'add' | 'replace' | 'merge' | 'delete';
  path: string;
  value?: unknown;
}

export interface Submission {
  submissionId: string;
  sku: string;
  patches: Patch[];
  acceptedAt: Date;
  appliedAt?: Date;
}

export interface AmazonOrderItem {
  orderItemId: string;
  sku: string;
  asin: string;
  quantity: number;
  title: string;
}

export interface AmazonOrder {
  id: string;
  purchased: Date;
  lastUpdated: Date;
  status: 'Unshipped' | 'Canceled' | 'Shipped';
  /** MFN: the merchant ships from its count; AFN: Amazon ships from the seller's FBA stock. */
  fulfillment: 'MFN' | 'AFN';
  items: AmazonOrderItem[];
  /** Orders reach getOrders only after Amazon's own indexing delay (real ms clock). */
  visibleAt: number;
}

export type AmazonEvent =
  { type: 'quantity'; sku: string; channel: string; quantity: number } | { type: 'order'; order: AmazonOrder; change: 'created' | 'canceled' };

/** A seller SKU's stock in Amazon's fulfillment network (FBA Inventory API's inventoryDetails). */
export interface FbaStock {
  fnSku: string;
  fulfillable: number;
  /** Units held for customer orders not yet shipped (reservedQuantity.pendingCustomerOrderQuantity). */
  pendingCustomerOrder: number;
  inboundShipped: number;
  unfulfillable: number;
  lastUpdated: Date;
}

export interface AmazonStore {
  sellerId: string;
  marketplaceId: string;
  listings: Map<string, Listing>;
  /** FBA stock per seller SKU; empty unless the seller uses FBA (option `fba`). */
  fba: Map<string, FbaStock>;
  orders: Map<string, AmazonOrder>;
  submissions: Submission[];
  now: () => Date;
  rng: Rng;
  listeners: ((e: AmazonEvent) => void)[];
}

export function createStore(sellerId: string, marketplaceId: string, now: () => Date, rng: Rng): AmazonStore {
  return { sellerId, marketplaceId, listings: new Map(), fba: new Map(), orders: new Map(), submissions: [], now, rng, listeners: [] };
}

function emit(store: AmazonStore, e: AmazonEvent): void {
  for (const l of store.listeners) l(e);
}

export function addListing(store: AmazonStore, sku: string, quantity: number, opts: { itemName?: string; created?: Date } = {}): Listing {
  const asin = `B0${store.rng.int(10_000_000, 99_999_999)}`;
  const now = store.now();
  const listing: Listing = {
    sku,
    asin,
    productType: 'PRODUCT',
    itemName: opts.itemName ?? sku,
    created: opts.created ?? now,
    modified: now,
    availability: [{ fulfillment_channel_code: 'DEFAULT', quantity }],
  };
  store.listings.set(sku, listing);
  return listing;
}

export function defaultQuantity(listing: Listing): number {
  return listing.availability.find((a) => a.fulfillment_channel_code === 'DEFAULT')?.quantity ?? 0;
}

export function setQuantity(store: AmazonStore, listing: Listing, channel: string, quantity: number): void {
  const entry = listing.availability.find((a) => a.fulfillment_channel_code === channel);
  const previous = entry?.quantity;
  if (entry) entry.quantity = quantity;
  else listing.availability.push({ fulfillment_channel_code: channel, quantity });
  listing.modified = store.now();
  if (previous !== quantity) emit(store, { type: 'quantity', sku: listing.sku, channel, quantity });
}

export interface Issue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  attributeNames?: string[];
}

const FA_PATH = '/attributes/fulfillment_availability';

/** Validation done synchronously by patchListingsItem; a non-empty result means INVALID. */
export function validatePatches(patches: unknown): Issue[] {
  if (!Array.isArray(patches) || patches.length === 0) {
    return [{ code: '4000001', message: 'patches must be a non-empty array.', severity: 'ERROR' }];
  }
  const issues: Issue[] = [];
  for (const p of patches as Record<string, unknown>[]) {
    const op = p?.op;
    if (op !== 'add' && op !== 'replace' && op !== 'merge' && op !== 'delete') {
      issues.push({ code: '4000001', message: `Unsupported patch operation '${String(op)}'.`, severity: 'ERROR' });
      continue;
    }
    if (typeof p.path !== 'string' || !p.path.startsWith('/attributes/')) {
      issues.push({ code: '4000001', message: `Invalid patch path '${String(p.path)}'.`, severity: 'ERROR' });
      continue;
    }
    if (p.path !== FA_PATH || op === 'delete') continue;
    const value = p.value;
    const ok =
      Array.isArray(value) &&
      value.length > 0 &&
      value.every(
        (v: Record<string, unknown>) => typeof v?.fulfillment_channel_code === 'string' && Number.isInteger(v.quantity) && (v.quantity as number) >= 0,
      );
    if (!ok) {
      issues.push({
        code: '90244',
        message: "The value for 'fulfillment_availability' is invalid: expected [{fulfillment_channel_code, quantity (integer >= 0)}].",
        severity: 'ERROR',
        attributeNames: ['fulfillment_availability'],
      });
    }
  }
  return issues;
}

export function newSubmissionId(rng: Rng): string {
  return Array.from({ length: 32 }, () => '0123456789abcdef'[rng.int(0, 15)]).join('');
}

export function accept(store: AmazonStore, sku: string, patches: Patch[]): Submission {
  const submissionId = newSubmissionId(store.rng);
  const sub: Submission = { submissionId, sku, patches, acceptedAt: store.now() };
  store.submissions.push(sub);
  return sub;
}

/** Applies an accepted submission: absolute values, merge by channel code or replace all. */
export function applySubmission(store: AmazonStore, sub: Submission): void {
  sub.appliedAt = store.now();
  const listing = store.listings.get(sub.sku);
  if (!listing) return;
  for (const p of sub.patches) {
    if (p.path !== FA_PATH) continue;
    if (p.op === 'delete') {
      for (const a of listing.availability) setQuantity(store, listing, a.fulfillment_channel_code, 0);
      continue;
    }
    const values = p.value as Availability[];
    if (p.op === 'replace' || p.op === 'add') {
      const keep = new Set(values.map((v) => v.fulfillment_channel_code));
      listing.availability = listing.availability.filter((a) => keep.has(a.fulfillment_channel_code));
    }
    for (const v of values) setQuantity(store, listing, v.fulfillment_channel_code, v.quantity);
  }
}

function orderId(rng: Rng): string {
  const d = (n: number): string => Array.from({ length: n }, () => rng.int(0, 9)).join('');
  return `${d(3)}-${d(7)}-${d(7)}`;
}

export type SaleResult = { ok: true; order: AmazonOrder } | { ok: false; reason: string };

/** The units an order of this fulfillment can take of a listing: its MFN count, or its FBA fulfillable stock. */
function sellable(store: AmazonStore, listing: Listing, fulfillment: 'MFN' | 'AFN'): number {
  return fulfillment === 'AFN' ? (store.fba.get(listing.sku)?.fulfillable ?? 0) : defaultQuantity(listing);
}

/**
 * A buyer checkout: sells from Amazon's own count and decrements it before anyone hears.
 * An AFN order takes FBA units instead (fulfillable to reserved); the MFN count stays.
 */
export function placeOrder(
  store: AmazonStore,
  lines: { sku: string; quantity: number }[],
  visibilityDelayMs: number,
  fulfillment: 'MFN' | 'AFN' = 'MFN',
): SaleResult {
  for (const line of lines) {
    const listing = store.listings.get(line.sku);
    if (!listing) return { ok: false, reason: `unknown sku ${line.sku}` };
    if (!Number.isInteger(line.quantity) || line.quantity <= 0) return { ok: false, reason: 'quantity must be a positive integer' };
    if (sellable(store, listing, fulfillment) < line.quantity)
      return { ok: false, reason: `not enough ${fulfillment === 'AFN' ? 'FBA ' : ''}stock for ${line.sku}` };
  }
  const now = store.now();
  const id = orderId(store.rng);
  const order: AmazonOrder = {
    id,
    purchased: now,
    lastUpdated: now,
    status: 'Unshipped',
    fulfillment,
    items: lines.map((l, i) => {
      const listing = store.listings.get(l.sku) as Listing;
      return { orderItemId: `${id.replace(/-/g, '')}${i}`, sku: l.sku, asin: listing.asin, quantity: l.quantity, title: listing.itemName };
    }),
    visibleAt: performance.now() + visibilityDelayMs,
  };
  for (const l of lines) {
    if (fulfillment === 'AFN') moveFba(store, l.sku, l.quantity);
    else {
      const listing = store.listings.get(l.sku) as Listing;
      setQuantity(store, listing, 'DEFAULT', defaultQuantity(listing) - l.quantity);
    }
  }
  store.orders.set(id, order);
  emit(store, { type: 'order', order, change: 'created' });
  return { ok: true, order };
}

/** Amazon's fulfillment network SKU: derived from the seller SKU, so the seeded streams stay as they were. */
function fnSkuOf(sku: string): string {
  return `X0${createHash('sha256').update(sku).digest('hex').slice(0, 8).toUpperCase()}`;
}

/** Sets a SKU's FBA fulfillable stock (goods received at Amazon, a count). */
export function setFbaStock(store: AmazonStore, sku: string, fulfillable: number): FbaStock {
  const prev = store.fba.get(sku);
  const stock: FbaStock = prev ?? {
    fnSku: fnSkuOf(sku),
    fulfillable: 0,
    pendingCustomerOrder: 0,
    inboundShipped: 0,
    unfulfillable: 0,
    lastUpdated: store.now(),
  };
  stock.fulfillable = fulfillable;
  stock.lastUpdated = store.now();
  store.fba.set(sku, stock);
  return stock;
}

/** `units` FBA units from fulfillable to reserved for an AFN order (negative: back, a cancellation). */
function moveFba(store: AmazonStore, sku: string, units: number): void {
  const stock = store.fba.get(sku);
  if (!stock) return;
  stock.fulfillable -= units;
  stock.pendingCustomerOrder += units;
  stock.lastUpdated = store.now();
}

/** A cancelled MFN order gives its units back to the listing; an AFN one to FBA fulfillable. */
export function cancelOrder(store: AmazonStore, id: string): boolean {
  const order = store.orders.get(id);
  if (!order || order.status === 'Canceled') return false;
  order.status = 'Canceled';
  order.lastUpdated = store.now();
  for (const item of order.items) {
    const listing = store.listings.get(item.sku);
    if (order.fulfillment === 'AFN') moveFba(store, item.sku, -item.quantity);
    else if (listing) setQuantity(store, listing, 'DEFAULT', defaultQuantity(listing) + item.quantity);
  }
  emit(store, { type: 'order', order, change: 'canceled' });
  return true;
}
