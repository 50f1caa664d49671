// WooCommerce channel connector (REST v3 at ${baseUrl}/wp-json/wc/v3).
// Listing platform ids: productId, and variationId for a variation (both as strings).
import type { ChannelConnector, ConnectorConfig, ListingDiscovery, ListingRef } from '../types.js';
import { listListings } from './discovery.js';
import { createWooClient } from './client.js';
import { pollOrders } from './orders.js';
import { pushBatch, WOO_MAX_BATCH } from './push.js';
import { itemId, listQuantities, readStock, resolveBySku, targetOf, type WooTarget } from './reads.js';
import { wooSubscriptions, wooWebhookRegistration } from './subscriptions.js';
import { parseWooWebhook, verifyWooWebhook } from './webhooks.js';

export function create(config: ConnectorConfig): ChannelConnector & ListingDiscovery {
  const client = createWooClient(config);
  const webhookSecret = config.credentials['webhookSecret'];
  return {
    kind: 'channel',
    platform: 'woocommerce',
    capabilities: {
      maxBatch: WOO_MAX_BATCH,
      compareAndSet: false,
      relativeAdjust: false,
      webhookVerification: 'hmac-sha256-base64',
      asyncApply: false,
      rateLimit: client.rateLimit,
    },
    verifyWebhook: (input) => verifyWooWebhook(webhookSecret, input),
    parseWebhook: parseWooWebhook,
    push: (items) => pushBatch(client, items),
    webhookSubscriptions: wooSubscriptions(client),
    webhookRegistration: wooWebhookRegistration(client, config.connectionId, webhookSecret),
    async readQuantities(listings) {
      const targets = new Map<number, WooTarget>();
      for (const l of listings) {
        // A listing without ids cannot be read: absent from the map, as "unknown".
        try {
          targets.set(l.listingId, targetOf(l));
        } catch {
          continue;
        }
      }
      const counts = await readStock(client, [...targets.values()]);
      const out = new Map<number, number>();
      for (const [listingId, t] of targets) {
        const q = counts.get(itemId(t));
        if (typeof q === 'number') out.set(listingId, q);
      }
      return out;
    },
    pollOrders: (since, cursor) => pollOrders(client, since, cursor),
    // WooCommerce can enumerate its catalogue: `known` is not needed.
    listQuantities: (cursor) => listQuantities(client, cursor),
    listListings: (cursor) => listListings(client, cursor),
    async resolveListings(listings: readonly ListingRef[]) {
      const bySku = await resolveBySku(client, [...new Set(listings.map((l) => l.sku))]);
      const out = new Map<number, Record<string, string>>();
      for (const l of listings) {
        const ids = bySku.get(l.sku);
        if (ids) out.set(l.listingId, ids);
      }
      return out;
    },
  };
}
