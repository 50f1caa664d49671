// Listings Items API 2021-08-01: patchListingsItem and getListingsItem (search.ts: searchListingsItems).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { amzError, type AmazonHttp } from './http.js';
import { accept, defaultQuantity, newSubmissionId, validatePatches, type AmazonStore, type Listing, type Patch, type Submission } from './store.js';

export interface ListingRouteDeps {
  store: AmazonStore;
  http: AmazonHttp;
  /** Schedules an accepted submission's asynchronous application. */
  schedule(sub: Submission): void;
}

type Params = { sellerId: string; sku: string };

export const INCLUDED_DATA = ['summaries', 'attributes', 'issues', 'offers', 'fulfillmentAvailability', 'procurement', 'relationships', 'productTypes'];

/** marketplaceIds and the seller, as every Listings Items operation checks them; the markets asked for. */
export function checkCommon(request: FastifyRequest, reply: FastifyReply, store: AmazonStore): string[] | undefined {
  const { sellerId } = request.params as Params;
  const q = request.query as Record<string, string | undefined>;
  if (!q.marketplaceIds) {
    amzError(reply, 400, 'InvalidInput', 'Missing required parameter: marketplaceIds.');
    return undefined;
  }
  const markets = q.marketplaceIds.split(',');
  if (sellerId !== store.sellerId) {
    amzError(reply, 403, 'Unauthorized', 'Access to requested resource is denied.', `The seller ${sellerId} is not authorized for this application.`);
    return undefined;
  }
  if (!markets.includes(store.marketplaceId)) {
    amzError(reply, 400, 'InvalidInput', `Invalid marketplaceIds: the seller does not sell in ${markets.join(',')}.`);
    return undefined;
  }
  return markets;
}

export function listingJson(listing: Listing, store: AmazonStore, included: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { sku: listing.sku };
  if (included.includes('summaries')) {
    out.summaries = [
      {
        marketplaceId: store.marketplaceId,
        asin: listing.asin,
        productType: listing.productType,
        conditionType: 'new_new',
        status: defaultQuantity(listing) > 0 ? ['BUYABLE', 'DISCOVERABLE'] : ['DISCOVERABLE'],
        itemName: listing.itemName,
        createdDate: listing.created.toISOString(),
        lastUpdatedDate: listing.modified.toISOString(),
      },
    ];
  }
  if (included.includes('attributes')) {
    out.attributes = {
      item_name: [{ value: listing.itemName, marketplace_id: store.marketplaceId }],
      fulfillment_availability: listing.availability.map((a) => ({ ...a })),
    };
  }
  if (included.includes('issues')) out.issues = [];
  if (included.includes('offers')) out.offers = [];
  if (included.includes('fulfillmentAvailability')) {
    out.fulfillmentAvailability = listing.availability.map((a) => ({ fulfillmentChannelCode: a.fulfillment_channel_code, quantity: a.quantity }));
  }
  return out;
}

export function registerListingRoutes(app: FastifyInstance, d: ListingRouteDeps): void {
  const { store, http } = d;
  const path = '/listings/2021-08-01/items/:sellerId/:sku';

  app.get(
    path,
    http.route('getListingsItem', async (request, reply) => {
      if (!checkCommon(request, reply, store)) return reply;
      const { sku } = request.params as Params;
      const q = request.query as Record<string, string | undefined>;
      const included = (q.includedData ?? 'summaries').split(',');
      const bad = included.filter((i) => !INCLUDED_DATA.includes(i));
      if (bad.length > 0) return amzError(reply, 400, 'InvalidInput', `Invalid includedData: ${bad.join(',')}.`);
      const listing = store.listings.get(sku);
      if (!listing) return amzError(reply, 404, 'NotFound', `The requested SKU '${sku}' was not found for seller ${store.sellerId}.`);
      return listingJson(listing, store, included);
    }),
  );

  app.patch(
    path,
    http.route('patchListingsItem', async (request, reply) => {
      if (!checkCommon(request, reply, store)) return reply;
      const { sku } = request.params as Params;
      const body = request.body as Record<string, unknown> | undefined;
      if (!body || typeof body !== 'object' || Array.isArray(body)) return amzError(reply, 400, 'InvalidInput', 'Request body is required.');
      if (typeof body.productType !== 'string' || !body.productType) {
        return amzError(reply, 400, 'InvalidInput', 'Missing required field: productType.');
      }
      const listing = store.listings.get(sku);
      if (!listing) return amzError(reply, 404, 'NotFound', `The requested SKU '${sku}' was not found for seller ${store.sellerId}.`);
      const issues = validatePatches(body.patches);
      // Validation failures are a 200 with status INVALID: nothing is submitted.
      if (issues.length > 0) return { sku, status: 'INVALID', submissionId: newSubmissionId(store.rng), issues };
      const sub = accept(store, sku, body.patches as Patch[]);
      d.schedule(sub);
      return { sku, status: 'ACCEPTED', submissionId: sub.submissionId, issues: [] };
    }),
  );
}
