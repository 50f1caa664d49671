// Listings Items API 2021-08-01: the merchant-fulfilled quantity of a SKU, set with
// patchListingsItem (one SKU per call) and read with searchListingsItems (20 SKUs a call:
// reconciliation, verification, resolving ids) or getListingsItem (a push's own read, a
// SKU the search cannot take). The bulk write path (JSON_LISTINGS_FEED through the Feeds
// API, 25,000 messages a feed, minutes to process) is out of scope here.
import { isRaise } from '../../domain/push-priority.js';
import { ConnectorError } from '../errors.js';
import type { Lane } from '../rate-limit.js';
import type { ChannelQuantity, ListingRef, Page, PushItem, PushOutcome } from '../types.js';
import type { AmazonClient } from './client.js';
import { asArray, asObject, asString, type Json } from './json.js';
import { AMAZON_USAGE_PLANS } from './limits.js';
import { createReadGate, type ReadGate } from './read-gate.js';

const FA_PATH = '/attributes/fulfillment_availability';
/** searchListingsItems takes at most 20 identifiers and returns at most 20 items a page. */
export const SEARCH_MAX_SKUS = 20;

export const sellerSkuOf = (l: ListingRef): string => l.platformIds['sellerSku'] || l.sku;

function itemPath(c: AmazonClient, sku: string, included?: string): string {
  const q = new URLSearchParams({ marketplaceIds: c.marketplaceId });
  if (included) q.set('includedData', included);
  return `/listings/2021-08-01/items/${encodeURIComponent(c.sellerId)}/${encodeURIComponent(sku)}?${q.toString()}`;
}

/** getListingsItem; undefined when Amazon has no such listing. */
async function getItem(c: AmazonClient, sku: string, included: string, lane: Lane = 'normal'): Promise<Json | undefined> {
  try {
    return asObject(await c.call('getListingsItem', 'GET', itemPath(c, sku, included), undefined, lane), 'getListingsItem');
  } catch (e) {
    if (e instanceof ConnectorError && e.connectorCode === 'NOT_FOUND') return undefined;
    throw e;
  }
}

/** searchListingsItems by seller SKU (at most 20, none with a comma): the items found, by SKU. */
async function searchItems(c: AmazonClient, skus: readonly string[], included: string): Promise<Map<string, Json>> {
  const found = new Map<string, Json>();
  let pageToken: string | undefined;
  // Every SKU fits on the first page; a server that pages anyway is followed, within reason.
  for (let page = 0; page <= skus.length; page++) {
    const q = new URLSearchParams({
      marketplaceIds: c.marketplaceId,
      identifiers: skus.join(','),
      identifiersType: 'SKU',
      includedData: included,
      pageSize: String(SEARCH_MAX_SKUS),
    });
    if (pageToken) q.set('pageToken', pageToken);
    const body = asObject(
      await c.call('searchListingsItems', 'GET', `/listings/2021-08-01/items/${encodeURIComponent(c.sellerId)}?${q.toString()}`),
      'searchListingsItems',
    );
    for (const [i, raw] of asArray(body['items'] ?? [], 'searchListingsItems items').entries()) {
      const item = asObject(raw, `searchListingsItems items[${i}]`);
      found.set(asString(item['sku'], `searchListingsItems items[${i}].sku`), item);
    }
    const pagination = body['pagination'];
    const next = typeof pagination === 'object' && pagination !== null ? (pagination as Json)['nextToken'] : undefined;
    if (typeof next !== 'string' || next === '' || next === pageToken) return found;
    pageToken = next;
  }
  throw new ConnectorError('PARSE', `Amazon searchListingsItems kept paging past ${skus.length} SKUs`);
}

/**
 * The listings items of these seller SKUs, by SKU (absent: Amazon has none), 20 to a
 * searchListingsItems call (each through `gate`, when given). A SKU with a comma is read
 * alone (Amazon cannot tell it from the list's separator), and so is one the search did
 * not return: a listing missing from a search must not pass for one the seller deleted.
 */
export async function lookUpItems(c: AmazonClient, skus: readonly string[], included: string, gate?: ReadGate): Promise<Map<string, Json>> {
  const unique = [...new Set(skus)];
  const searchable = unique.filter((s) => !s.includes(',') && s.trim() === s && s !== '');
  const chunks: string[][] = [];
  for (let i = 0; i < searchable.length; i += SEARCH_MAX_SKUS) chunks.push(searchable.slice(i, i + SEARCH_MAX_SKUS));
  const found = new Map<string, Json>();
  for (const part of await Promise.all(chunks.map((chunk) => (gate ? gate.run(() => searchItems(c, chunk, included)) : searchItems(c, chunk, included))))) {
    for (const [sku, item] of part) found.set(sku, item);
  }
  const alone = unique.filter((s) => !found.has(s));
  const read = await Promise.all(alone.map((sku) => getItem(c, sku, included)));
  alone.forEach((sku, i) => {
    const item = read[i];
    if (item) found.set(sku, item);
  });
  return found;
}

/** The DEFAULT (merchant-fulfilled) quantity of a listings item. */
function defaultQuantityOf(item: Json, sku: string): number {
  const entries = asArray(item['fulfillmentAvailability'] ?? [], 'fulfillmentAvailability');
  for (const [i, raw] of entries.entries()) {
    const a = asObject(raw, `fulfillmentAvailability[${i}]`);
    if (a['fulfillmentChannelCode'] !== 'DEFAULT') continue;
    const q = a['quantity'];
    // A listing without a quantity yet sells nothing.
    if (q === undefined || q === null) return 0;
    if (typeof q !== 'number' || !Number.isSafeInteger(q)) throw new ConnectorError('PARSE', `Amazon: ${sku} quantity is not an integer`);
    return q;
  }
  return 0;
}

/** The DEFAULT (merchant-fulfilled) quantity; undefined when Amazon has no such listing. */
export async function readDefaultQuantity(c: AmazonClient, sku: string, lane: Lane = 'normal'): Promise<number | undefined> {
  const item = await getItem(c, sku, 'fulfillmentAvailability', lane);
  return item && defaultQuantityOf(item, sku);
}

export async function pushOne(c: AmazonClient, item: PushItem): Promise<PushOutcome> {
  const listingId = item.listing.listingId;
  const failed = (error: ConnectorError): PushOutcome => ({ status: 'failed', listingId, error });
  if (!Number.isSafeInteger(item.quantity) || item.quantity < 0) {
    return failed(new ConnectorError('REJECTED', `quantity ${item.quantity} for ${item.listing.sku} is not a non-negative integer`));
  }
  const sku = sellerSkuOf(item.listing);
  // A raise waits in the buckets behind every lowering, even one asked for later: a raise
  // ends an undersell, a lowering an oversell (src/domain/push-priority.ts). The limiter
  // still lets a raise go once it has waited BACKGROUND_MAX_WAIT_MS: it never starves.
  const lane: Lane = isRaise(item) ? 'background' : 'normal';
  try {
    // No compare-and-set on Amazon: read, compare, write, in the shortest window we can;
    // unless the engine vouches for `expected` (src/domain/push-read.ts: a sale since would
    // fall in the window the patch's late apply overwrites anyway, and is accounted for).
    if (!(item.expectedCurrent && item.expected !== null)) {
      const actual = await readDefaultQuantity(c, sku, lane);
      if (actual === undefined) return failed(new ConnectorError('NOT_FOUND', `Amazon has no listing ${sku} for seller ${c.sellerId}`, { status: 404 }));
      if (item.expected !== null && actual !== item.expected) return { status: 'stale', listingId, actual };
      if (actual === item.quantity) return { status: 'applied', listingId, quantity: actual };
    } else if (item.expected === item.quantity) return { status: 'applied', listingId, quantity: item.quantity };
    const body = {
      productType: c.productType,
      patches: [{ op: 'replace', path: FA_PATH, value: [{ fulfillment_channel_code: 'DEFAULT', quantity: item.quantity }] }],
    };
    const res = asObject(await c.call('patchListingsItem', 'PATCH', itemPath(c, sku), body, lane), 'patchListingsItem');
    const status = res['status'];
    if (status === 'ACCEPTED') return { status: 'accepted', listingId, quantity: item.quantity };
    if (status === 'INVALID') {
      return failed(new ConnectorError('REJECTED', `Amazon refused ${sku}: ${issuesText(res['issues'])}`, { platformCode: 'INVALID' }));
    }
    return failed(new ConnectorError('PARSE', `Amazon answered status ${String(status)} for ${sku}`));
  } catch (e) {
    if (e instanceof ConnectorError) return failed(e);
    throw e;
  }
}

function issuesText(issues: unknown): string {
  if (!Array.isArray(issues) || issues.length === 0) return 'no issues given';
  return issues
    .slice(0, 5)
    .map((i) => {
      const o = (typeof i === 'object' && i !== null ? i : {}) as Json;
      return `${String(o['code'] ?? '?')} ${String(o['message'] ?? '')}`.trim();
    })
    .join('; ')
    .slice(0, 500);
}

/** Current counts; listings Amazon does not have are absent. Paced by the limiter. */
export async function readQuantities(c: AmazonClient, listings: readonly ListingRef[], gate?: ReadGate): Promise<Map<number, number>> {
  const items = await lookUpItems(c, listings.map(sellerSkuOf), 'fulfillmentAvailability', gate);
  const out = new Map<number, number>();
  for (const l of listings) {
    const sku = sellerSkuOf(l);
    const item = items.get(sku);
    if (item) out.set(l.listingId, defaultQuantityOf(item, sku));
  }
  return out;
}

/** The seller SKU is the merchant's SKU; the ASIN comes with it from the summaries. */
export async function resolveListings(c: AmazonClient, listings: readonly ListingRef[]): Promise<Map<number, Record<string, string>>> {
  const items = await lookUpItems(c, listings.map(sellerSkuOf), 'summaries');
  const out = new Map<number, Record<string, string>>();
  for (const l of listings) {
    const sku = sellerSkuOf(l);
    const item = items.get(sku);
    if (!item) continue;
    const summary = Array.isArray(item['summaries']) ? (item['summaries'][0] as Json | undefined) : undefined;
    const asin = typeof summary?.['asin'] === 'string' ? summary['asin'] : undefined;
    out.set(l.listingId, { sellerSku: asString(item['sku'] ?? sku, 'sku'), ...(asin && { asin }) });
  }
  return out;
}

/**
 * The Listings API cannot enumerate a seller's catalogue cheaply (reports can, in
 * minutes): read the known listings instead, `pageSize` at a time (20 to a
 * searchListingsItems call), the cursor an offset.
 *
 * A page waits for its slowest read (a 429 is retried after a backoff), and the engine
 * asks for the next page only after that: read page by page, the search bucket would
 * idle between pages. So the reads of about one second of the bucket's rate past the
 * page asked for are queued already (never less than one page): the limiter always has
 * work. So many reads at once would arrive bunched whenever Amazon is slow to answer:
 * read-gate.ts keeps them within what its bucket accepts. A push's own read is a
 * getListingsItem, another bucket: a full read does not hold up pushes.
 * One read-ahead per `known` array, which the engine passes unchanged on every page of
 * one full read.
 */
export function createListReader(c: AmazonClient, pageSize: number) {
  const ahead = Math.max(pageSize, Math.ceil(c.limiters.rate('searchListingsItems') * SEARCH_MAX_SKUS));
  const gate = createReadGate(c.limiters.rate('searchListingsItems'), AMAZON_USAGE_PLANS.searchListingsItems.burst);
  const passes = new WeakMap<readonly ListingRef[], Map<number, Promise<Map<number, number>>>>();
  return async function listQuantities(cursor: string | null, known: readonly ListingRef[]): Promise<Page<ChannelQuantity>> {
    const offset = cursor === null ? 0 : Number(cursor);
    if (!Number.isSafeInteger(offset) || offset < 0) throw new ConnectorError('REJECTED', `Amazon: bad listQuantities cursor ${cursor}`);
    let pass = passes.get(known);
    if (!pass) passes.set(known, (pass = new Map()));
    const read = (at: number): Promise<Map<number, number>> => {
      let p = pass.get(at);
      if (!p) {
        p = readQuantities(c, known.slice(at, at + pageSize), gate);
        // Awaited when its page is asked for; a pass abandoned earlier must not crash the process.
        p.catch(() => {});
        pass.set(at, p);
      }
      return p;
    };
    const current = read(offset);
    for (let at = offset + pageSize; at < Math.min(known.length, offset + pageSize + ahead); at += pageSize) void read(at);
    let counts: Map<number, number>;
    try {
      counts = await current;
    } finally {
      pass.delete(offset);
    }
    const items: ChannelQuantity[] = [];
    for (const l of known.slice(offset, offset + pageSize)) {
      const quantity = counts.get(l.listingId);
      if (quantity !== undefined) items.push({ sku: l.sku, platformIds: { ...l.platformIds, sellerSku: sellerSkuOf(l) }, quantity });
    }
    return { items, next: offset + pageSize < known.length ? String(offset + pageSize) : null };
  };
}
