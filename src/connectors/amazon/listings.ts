// Listings Items API 2021-08-01: the merchant-fulfilled quantity of one SKU, read with
// getListingsItem and set with patchListingsItem (one SKU per call: maxBatch 1). The
// bulk path (JSON_LISTINGS_FEED through the Feeds API, 25,000 messages a feed, minutes
// to process) is out of scope here.
import { ConnectorError } from '../errors.js';
import type { ChannelQuantity, ListingRef, Page, PushItem, PushOutcome } from '../types.js';
import type { AmazonClient } from './client.js';
import { asArray, asObject, asString, type Json } from './json.js';
import { AMAZON_USAGE_PLANS } from './limits.js';
import { createReadGate, type ReadGate } from './read-gate.js';

const FA_PATH = '/attributes/fulfillment_availability';

export const sellerSkuOf = (l: ListingRef): string => l.platformIds['sellerSku'] || l.sku;

function itemPath(c: AmazonClient, sku: string, included?: string): string {
  const q = new URLSearchParams({ marketplaceIds: c.marketplaceId });
  if (included) q.set('includedData', included);
  return `/listings/2021-08-01/items/${encodeURIComponent(c.sellerId)}/${encodeURIComponent(sku)}?${q.toString()}`;
}

/** The DEFAULT (merchant-fulfilled) quantity; undefined when Amazon has no such listing. */
export async function readDefaultQuantity(c: AmazonClient, sku: string): Promise<number | undefined> {
  let body: Json;
  try {
    body = asObject(await c.call('getListingsItem', 'GET', itemPath(c, sku, 'fulfillmentAvailability')), 'getListingsItem');
  } catch (e) {
    if (e instanceof ConnectorError && e.connectorCode === 'NOT_FOUND') return undefined;
    throw e;
  }
  const entries = asArray(body['fulfillmentAvailability'] ?? [], 'fulfillmentAvailability');
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

export async function pushOne(c: AmazonClient, item: PushItem): Promise<PushOutcome> {
  const listingId = item.listing.listingId;
  const failed = (error: ConnectorError): PushOutcome => ({ status: 'failed', listingId, error });
  if (!Number.isSafeInteger(item.quantity) || item.quantity < 0) {
    return failed(new ConnectorError('REJECTED', `quantity ${item.quantity} for ${item.listing.sku} is not a non-negative integer`));
  }
  const sku = sellerSkuOf(item.listing);
  try {
    // No compare-and-set on Amazon: read, compare, write, in the shortest window we can.
    const actual = await readDefaultQuantity(c, sku);
    if (actual === undefined) return failed(new ConnectorError('NOT_FOUND', `Amazon has no listing ${sku} for seller ${c.sellerId}`, { status: 404 }));
    if (item.expected !== null && actual !== item.expected) return { status: 'stale', listingId, actual };
    if (actual === item.quantity) return { status: 'applied', listingId, quantity: actual };
    const body = {
      productType: c.productType,
      patches: [{ op: 'replace', path: FA_PATH, value: [{ fulfillment_channel_code: 'DEFAULT', quantity: item.quantity }] }],
    };
    const res = asObject(await c.call('patchListingsItem', 'PATCH', itemPath(c, sku), body), 'patchListingsItem');
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
  const read = (l: ListingRef) => readDefaultQuantity(c, sellerSkuOf(l));
  const counts = await Promise.all(listings.map((l) => (gate ? gate.run(() => read(l)) : read(l))));
  const out = new Map<number, number>();
  listings.forEach((l, i) => {
    const q = counts[i];
    if (q !== undefined) out.set(l.listingId, q);
  });
  return out;
}

/** The seller SKU is the merchant's SKU; the ASIN comes with it from the summaries. */
export async function resolveListings(c: AmazonClient, listings: readonly ListingRef[]): Promise<Map<number, Record<string, string>>> {
  const found = await Promise.all(
    listings.map(async (l) => {
      const sku = sellerSkuOf(l);
      try {
        const body = asObject(await c.call('getListingsItem', 'GET', itemPath(c, sku, 'summaries')), 'getListingsItem');
        const summary = Array.isArray(body['summaries']) ? (body['summaries'][0] as Json | undefined) : undefined;
        const asin = typeof summary?.['asin'] === 'string' ? summary['asin'] : undefined;
        return { sellerSku: asString(body['sku'] ?? sku, 'sku'), ...(asin && { asin }) };
      } catch (e) {
        if (e instanceof ConnectorError && e.connectorCode === 'NOT_FOUND') return undefined;
        throw e;
      }
    }),
  );
  const out = new Map<number, Record<string, string>>();
  listings.forEach((l, i) => {
    const ids = found[i];
    if (ids) out.set(l.listingId, ids);
  });
  return out;
}

/**
 * The Listings API cannot enumerate a seller's catalogue cheaply (reports can, in
 * minutes): read the known listings instead, `pageSize` at a time, the cursor an offset.
 *
 * A page waits for its slowest read (a 429 is retried after a backoff), and the engine
 * asks for the next page only after that: read page by page, the getListingsItem bucket
 * would idle between pages. So the reads of about one second of the bucket's rate past
 * the page asked for are queued already (never less than one page): the limiter always
 * has work, and a push's own read waits behind at most about a second of them. So many
 * reads at once would arrive bunched whenever Amazon is slow to answer: read-gate.ts
 * keeps them within what its bucket accepts.
 * One read-ahead per `known` array, which the engine passes unchanged on every page of
 * one full read.
 */
export function createListReader(c: AmazonClient, pageSize: number) {
  const ahead = Math.max(pageSize, Math.ceil(c.limiters.rate('getListingsItem')));
  const gate = createReadGate(c.limiters.rate('getListingsItem'), AMAZON_USAGE_PLANS.getListingsItem.burst);
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
