// Listings Items API 2021-08-01: searchListingsItems, many listings in one call. By
// identifiers (at most 20 seller SKUs or ASINs a call) or the whole catalogue, by default
// newest change first (`sortBy` lastUpdatedDate | createdDate | sku, `sortOrder` DESC |
// ASC; `createdAfter` keeps listings created at or after a time); `pageSize` at most 20,
// `pageToken` opaque; at most 1,000 results can be paged through, as Amazon documents.
// Listings not found are simply absent.
import type { FastifyInstance } from 'fastify';
import { amzError, type AmazonHttp } from './http.js';
import { checkCommon, listingJson, INCLUDED_DATA } from './listings.js';
import type { AmazonStore, Listing } from './store.js';

export const SEARCH_MAX_IDENTIFIERS = 20;
const MAX_PAGE_SIZE = 20;
const DEFAULT_PAGE_SIZE = 10;
const MAX_RESULTS = 1000;
const IDENTIFIER_TYPES = ['SKU', 'ASIN'];

const token = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');
function offsetOf(pageToken: string): number | undefined {
  const m = /^o:(\d{1,7})$/.exec(Buffer.from(pageToken, 'base64url').toString());
  return m ? Number(m[1]) : undefined;
}

export function registerSearchRoute(app: FastifyInstance, d: { store: AmazonStore; http: AmazonHttp }): void {
  const { store, http } = d;
  app.get(
    '/listings/2021-08-01/items/:sellerId',
    http.route('searchListingsItems', async (request, reply) => {
      const markets = checkCommon(request, reply, store);
      if (!markets) return reply;
      if (markets.length > 1) return amzError(reply, 400, 'InvalidInput', 'marketplaceIds: at most 1 value is allowed.');
      const q = request.query as Record<string, string | undefined>;
      const included = (q.includedData ?? 'summaries').split(',');
      const bad = included.filter((i) => !INCLUDED_DATA.includes(i));
      if (bad.length > 0) return amzError(reply, 400, 'InvalidInput', `Invalid includedData: ${bad.join(',')}.`);
      const pageSize = q.pageSize === undefined ? DEFAULT_PAGE_SIZE : Number(q.pageSize);
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
        return amzError(reply, 400, 'InvalidInput', `pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
      }
      const offset = q.pageToken === undefined ? 0 : offsetOf(q.pageToken);
      if (offset === undefined) return amzError(reply, 400, 'InvalidInput', 'Invalid pageToken.');

      let matches: Listing[];
      if (q.identifiers !== undefined) {
        const ids = q.identifiers.split(',');
        if (ids.length > SEARCH_MAX_IDENTIFIERS)
          return amzError(reply, 400, 'InvalidInput', `identifiers: at most ${SEARCH_MAX_IDENTIFIERS} values are allowed.`);
        if (!q.identifiersType || !IDENTIFIER_TYPES.includes(q.identifiersType)) {
          return amzError(reply, 400, 'InvalidInput', 'identifiersType is required with identifiers (SKU, ASIN, ...).');
        }
        const wanted = new Set(ids);
        matches =
          q.identifiersType === 'SKU'
            ? [...wanted].flatMap((sku) => store.listings.get(sku) ?? [])
            : [...store.listings.values()].filter((l) => wanted.has(l.asin));
      } else {
        const sorted = sortedListings(store, q.sortBy, q.sortOrder, q.createdAfter);
        if (typeof sorted === 'string') return amzError(reply, 400, 'InvalidInput', sorted);
        matches = sorted;
      }
      const reachable = matches.slice(0, MAX_RESULTS);
      const page = reachable.slice(offset, offset + pageSize);
      const next = offset + pageSize < reachable.length ? token(offset + pageSize) : undefined;
      const prev = offset > 0 ? token(Math.max(0, offset - pageSize)) : undefined;
      return {
        numberOfResults: matches.length,
        ...((next || prev) && { pagination: { ...(next && { nextToken: next }), ...(prev && { previousToken: prev }) } }),
        items: page.map((l) => listingJson(l, store, included)),
      };
    }),
  );
}

const SORT_KEYS: Record<string, (l: Listing) => number | string> = {
  lastUpdatedDate: (l) => l.modified.getTime(),
  createdDate: (l) => l.created.getTime(),
  sku: (l) => l.sku,
};

/** The whole catalogue, filtered and sorted as asked; a string is the InvalidInput message. */
function sortedListings(store: AmazonStore, sortBy = 'lastUpdatedDate', sortOrder = 'DESC', createdAfter?: string): Listing[] | string {
  const key = SORT_KEYS[sortBy];
  if (!key) return `sortBy must be one of ${Object.keys(SORT_KEYS).join(', ')}.`;
  if (sortOrder !== 'ASC' && sortOrder !== 'DESC') return 'sortOrder must be ASC or DESC.';
  const after = createdAfter === undefined ? undefined : Date.parse(createdAfter);
  if (after !== undefined && Number.isNaN(after)) return 'createdAfter must be an ISO 8601 date-time.';
  const sign = sortOrder === 'ASC' ? 1 : -1;
  const compare = (a: Listing, b: Listing): number => {
    const x = key(a);
    const y = key(b);
    if (x !== y) return (x < y ? -1 : 1) * sign;
    return a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0;
  };
  return [...store.listings.values()].filter((l) => after === undefined || l.created.getTime() >= after).sort(compare);
}
