// FBA Inventory API v1: getInventorySummaries at marketplace granularity. Every summary
// (sorted by seller SKU), those changed after `startDateTime` (sellerSkus then ignored),
// or up to 50 `sellerSkus`; 50 summaries a page behind a nextToken that expires after 30 s
// (Amazon's figure; the expired-token answer's wording is unverified). Shapes follow the
// official model: payload {granularity, inventorySummaries[{asin, fnSku, sellerSku,
// condition, inventoryDetails{fulfillableQuantity, inbound*, reservedQuantity{...},
// unfulfillableQuantity{...}}, lastUpdatedTime, productName, totalQuantity}]}, pagination.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { amzError, type AmazonHttp } from './http.js';
import type { AmazonStore, FbaStock } from './store.js';

export const FBA_PAGE_SIZE = 50;
export const MAX_SELLER_SKUS = 50;

export interface FbaRouteDeps {
  store: AmazonStore;
  http: AmazonHttp;
  /** How long a nextToken stays valid, in real ms (30 s times the sandbox's time scale). */
  tokenTtlMs: number;
}

interface PendingPage {
  skus: string[];
  offset: number;
  details: boolean;
  expiresAt: number;
}

function summaryJson(store: AmazonStore, sku: string, stock: FbaStock, details: boolean): Record<string, unknown> {
  const listing = store.listings.get(sku);
  const reserved = stock.pendingCustomerOrder;
  const total = stock.fulfillable + reserved + stock.unfulfillable + stock.inboundShipped;
  return {
    asin: listing?.asin ?? '',
    fnSku: stock.fnSku,
    sellerSku: sku,
    condition: 'NewItem',
    ...(details && {
      inventoryDetails: {
        fulfillableQuantity: stock.fulfillable,
        inboundWorkingQuantity: 0,
        inboundShippedQuantity: stock.inboundShipped,
        inboundReceivingQuantity: 0,
        reservedQuantity: {
          totalReservedQuantity: reserved,
          pendingCustomerOrderQuantity: reserved,
          pendingTransshipmentQuantity: 0,
          fcProcessingQuantity: 0,
        },
        researchingQuantity: { totalResearchingQuantity: 0, researchingQuantityBreakdown: [] },
        unfulfillableQuantity: {
          totalUnfulfillableQuantity: stock.unfulfillable,
          customerDamagedQuantity: 0,
          warehouseDamagedQuantity: stock.unfulfillable,
          distributorDamagedQuantity: 0,
          carrierDamagedQuantity: 0,
          defectiveQuantity: 0,
          expiredQuantity: 0,
        },
      },
    }),
    lastUpdatedTime: stock.lastUpdated.toISOString(),
    productName: listing?.itemName ?? sku,
    totalQuantity: total,
  };
}

export function registerFbaInventoryRoute(app: FastifyInstance, d: FbaRouteDeps): void {
  const { store, http } = d;
  const pending = new Map<string, PendingPage>();

  app.get(
    '/fba/inventory/v1/summaries',
    http.route('getInventorySummaries', async (request, reply) => {
      const q = request.query as Record<string, string | undefined>;
      const bad = (m: string) => amzError(reply, 400, 'InvalidInput', m);
      if (q.granularityType !== 'Marketplace') return bad('granularityType must be Marketplace.');
      if (!q.granularityId) return bad('granularityId is required.');
      if (!q.marketplaceIds) return bad('marketplaceIds is required.');
      if (q.granularityId !== store.marketplaceId || !q.marketplaceIds.split(',').includes(store.marketplaceId)) {
        return bad(`The marketplace ${q.granularityId} is not one this seller sells in.`);
      }
      const now = performance.now();
      for (const [t, p] of pending) if (p.expiresAt <= now) pending.delete(t);
      let page: PendingPage;
      if (q.nextToken) {
        const found = pending.get(q.nextToken);
        if (!found) return bad('The nextToken has expired or is invalid. Request the first page again.');
        pending.delete(q.nextToken);
        page = found;
      } else {
        const start = q.startDateTime === undefined ? undefined : Date.parse(q.startDateTime);
        if (start !== undefined && Number.isNaN(start)) return bad('startDateTime must be in ISO 8601 format.');
        const wanted = start === undefined && q.sellerSkus ? q.sellerSkus.split(',').filter((s) => s !== '') : undefined;
        if (wanted && wanted.length > MAX_SELLER_SKUS) return bad(`sellerSkus holds at most ${MAX_SELLER_SKUS} SKUs.`);
        const skus = [...store.fba.entries()]
          .filter(([sku, s]) => (start === undefined || s.lastUpdated.getTime() > start) && (!wanted || wanted.includes(sku)))
          .map(([sku]) => sku)
          .sort();
        page = { skus, offset: 0, details: q.details === 'true', expiresAt: 0 };
      }
      const skus = page.skus.slice(page.offset, page.offset + FBA_PAGE_SIZE);
      const more = page.offset + FBA_PAGE_SIZE < page.skus.length;
      let nextToken: string | undefined;
      if (more) {
        nextToken = randomUUID();
        pending.set(nextToken, { ...page, offset: page.offset + FBA_PAGE_SIZE, expiresAt: now + d.tokenTtlMs });
      }
      return {
        payload: {
          granularity: { granularityType: 'Marketplace', granularityId: store.marketplaceId },
          inventorySummaries: skus.map((sku) => summaryJson(store, sku, store.fba.get(sku)!, page.details)),
        },
        ...(nextToken && { pagination: { nextToken } }),
      };
    }),
  );
}

export interface FbaOptions {
  /** Initial FBA fulfillable units per seller SKU. */
  skus: Record<string, number>;
  /** Share (0..1) of shopper orders on SKUs with FBA stock that are AFN. Default 0.5. */
  afnShare: number;
  /** nextToken lifetime in platform ms (scaled by the time scale). Default 30 s. */
  tokenTtlMs: number;
}

/** Option `fba` of an Amazon instance; absent: the seller uses no FBA (every order MFN, as before). */
export function fbaOptions(raw: unknown): FbaOptions | undefined {
  if (raw === undefined) return undefined;
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const skus = (typeof o.skus === 'object' && o.skus !== null ? o.skus : {}) as Record<string, unknown>;
  for (const [sku, n] of Object.entries(skus)) {
    if (!Number.isInteger(n) || (n as number) < 0) throw new Error(`amazon option fba.skus.${sku} must be a non-negative integer`);
  }
  const share = typeof o.afnShare === 'number' ? o.afnShare : 0.5;
  if (!(share >= 0 && share <= 1)) throw new Error('amazon option fba.afnShare must be from 0 to 1');
  return { skus: skus as Record<string, number>, afnShare: share, tokenTtlMs: typeof o.tokenTtlMs === 'number' ? o.tokenTtlMs : 30_000 };
}
