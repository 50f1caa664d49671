// The connector of a channel with no platform behind it (`platform: manual`: a wholesale
// channel whose orders a person enters through the admin API). A push is "shown" the moment
// it is made (the count is what the wholesale buyer may take, read from our own API), so
// its listings are never left dirty; there is nothing to poll, read or subscribe.
import { ConnectorError } from '../errors.js';
import type { ChannelConnector } from '../types.js';

export function create(): ChannelConnector {
  return {
    kind: 'channel',
    platform: 'manual',
    capabilities: {
      maxBatch: 1000,
      compareAndSet: false,
      relativeAdjust: false,
      webhookVerification: 'hmac-sha256-base64',
      asyncApply: false,
      rateLimit: { kind: 'none' },
      platformless: true,
    },
    // No platform sends webhooks for it: every one is refused (and quarantined by the route).
    verifyWebhook: () => false,
    parseWebhook: () => {
      throw new ConnectorError('PARSE', 'a manual channel takes no webhooks; its orders come through the admin API');
    },
    push: async (items) => items.map((i) => ({ status: 'applied', listingId: i.listing.listingId, quantity: i.quantity })),
    readQuantities: async () => new Map(),
    pollOrders: async () => ({ items: [], next: null }),
    listQuantities: async () => ({ items: [], next: null }),
    // Found by SKU, trivially: it has no ids to learn.
    resolveListings: async (listings) => new Map(listings.map((l) => [l.listingId, l.platformIds])),
  };
}
