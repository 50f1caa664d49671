// Catalogue discovery: every listing of the seller in the marketplace, through
// searchListingsItems (20 a page, 5 calls/s). Amazon pages through at most 1,000 results of
// one search, so the catalogue is read in windows, oldest creation first: each window asks
// for listings created at or after the last one the previous window returned (a listing on
// the boundary is read twice; the engine keys items by SKU, so that is harmless).
// sortBy=createdDate, sortOrder and createdAfter are searchListingsItems parameters of the
// 2021-08-01 API (the parameter names are from its model; the 1,000 ceiling is
// documented; whether createdAfter is inclusive is not, nor the dates' resolution: a
// window starts a second before the last creation time read, which is right either way).
import { ConnectorError } from '../errors.js';
import type { DiscoveredListing, Page } from '../types.js';
import type { AmazonClient } from './client.js';
import { asArray, asDate, asObject, asString, type Json } from './json.js';
import { SEARCH_MAX_SKUS } from './listings.js';

/** Amazon's documented ceiling on the results one search pages through. */
export const SEARCH_MAX_RESULTS = 1000;

interface Cursor {
  /** ISO time the window starts at (createdAfter); null: the first window. */
  after: string | null;
  token: string | null;
  /** Results of this window read so far. */
  seen: number;
}

const encode = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

function decode(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString()) as Cursor;
    if ((c.after === null || typeof c.after === 'string') && (c.token === null || typeof c.token === 'string') && Number.isInteger(c.seen)) return c;
  } catch {
    // falls through to the error below
  }
  throw new ConnectorError('REJECTED', `Amazon: bad listListings cursor ${raw.slice(0, 40)}`);
}

function listingOf(raw: unknown, i: number): { listing: DiscoveredListing; created: Date | undefined } {
  const item = asObject(raw, `searchListingsItems items[${i}]`);
  const sku = asString(item['sku'], `searchListingsItems items[${i}].sku`);
  const summary = item['summaries'] === undefined ? undefined : (asArray(item['summaries'], `items[${i}].summaries`)[0] as Json | undefined);
  const name = summary && typeof summary['itemName'] === 'string' ? summary['itemName'] : undefined;
  const created = summary?.['createdDate'] === undefined ? undefined : asDate(summary['createdDate'], `items[${i}].summaries[0].createdDate`);
  return { listing: { sku, ...(name !== undefined && { name }), platformIds: { sellerSku: sku } }, created };
}

export async function listListings(c: AmazonClient, raw: string | null): Promise<Page<DiscoveredListing>> {
  const cursor = raw === null ? { after: null, token: null, seen: 0 } : decode(raw);
  const q = new URLSearchParams({
    marketplaceIds: c.marketplaceId,
    includedData: 'summaries',
    pageSize: String(SEARCH_MAX_SKUS),
    sortBy: 'createdDate',
    sortOrder: 'ASC',
  });
  if (cursor.after !== null) q.set('createdAfter', cursor.after);
  if (cursor.token !== null) q.set('pageToken', cursor.token);
  const body = asObject(
    await c.call('searchListingsItems', 'GET', `/listings/2021-08-01/items/${encodeURIComponent(c.sellerId)}?${q.toString()}`),
    'searchListingsItems',
  );
  const read = asArray(body['items'] ?? [], 'searchListingsItems items').map(listingOf);
  const seen = cursor.seen + read.length;
  const pagination = body['pagination'] === undefined ? {} : asObject(body['pagination'], 'searchListingsItems pagination');
  const token = typeof pagination['nextToken'] === 'string' ? pagination['nextToken'] : null;
  const items = read.map((r) => r.listing);
  if (token !== null) return { items, next: encode({ after: cursor.after, token, seen }) };
  const total = typeof body['numberOfResults'] === 'number' ? body['numberOfResults'] : seen;
  if (seen < SEARCH_MAX_RESULTS || total <= seen) return { items, next: null };
  // the window's 1,000 are read and more exist: the next window starts at the last creation time
  const last = read[read.length - 1]?.created;
  if (!last) throw new ConnectorError('PARSE', 'Amazon searchListingsItems: a listing without summaries.createdDate; cannot page past 1,000');
  const after = new Date(last.getTime() - 1000).toISOString();
  if (cursor.after !== null && Date.parse(after) <= Date.parse(cursor.after)) {
    throw new ConnectorError(
      'REJECTED',
      `Amazon: more than ${SEARCH_MAX_RESULTS} listings were created within a second of ${last.toISOString()}; searchListingsItems cannot page through them`,
    );
  }
  return { items, next: encode({ after, token: null, seen: 0 }) };
}
