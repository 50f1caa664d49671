// Amazon SP-API channel connector (merchant-fulfilled quantities).
// Listing platform ids: sellerSku (the merchant's SKU) and, when known, asin.
// Options: sellerId, marketplaceId (required), productType (PRODUCT), rateScale (1),
// listPageSize (100: five searchListingsItems calls), lwaUrl, retry {attempts, baseMs, maxMs};
// full reads through the Reports API: fullRead (auto | report | paged), reportMinListings,
// reportFallback (paged | fail), reportPageSize, reportPollMs, reportTimeoutMs,
// reportClockSkewMs, reportIdleMs (report-reader.ts, docs/amazon-reports.md).
import { ConnectorError } from '../errors.js';
import type { ChannelConnector, ConnectorConfig, ListingDiscovery } from '../types.js';
import { createAmazonClient } from './client.js';
import { listListings } from './discovery.js';
import { createListReader, pushOne, readQuantities, resolveListings } from './listings.js';
import { parseNotification, verifyUrlToken } from './notifications.js';
import { pollOrders } from './orders.js';
import { createReportListReader, reportReadOptions } from './report-reader.js';

const LISTINGS_PER_PUSH = 10;

export function create(config: ConnectorConfig): ChannelConnector & ListingDiscovery {
  const client = createAmazonClient(config);
  const pageSize = typeof config.options['listPageSize'] === 'number' && config.options['listPageSize'] >= 1 ? Math.floor(config.options['listPageSize']) : 100;
  const listQuantities = createReportListReader(client, reportReadOptions(config.options, config.timeoutMs), createListReader(client, pageSize));
  const notificationToken = config.credentials['notificationToken'];
  return {
    kind: 'channel',
    platform: 'amazon',
    capabilities: {
      // patchListingsItem sets one SKU per call (feeds, the bulk path, take minutes): a
      // push hands several listings, each its own read-compare-patch, side by side within
      // the usage plan (the client's buckets pace them). One at a time, a busy catalogue
      // queued lowerings behind each other's round trips for many seconds.
      maxBatch: LISTINGS_PER_PUSH,
      compareAndSet: false,
      relativeAdjust: false,
      webhookVerification: 'url-token',
      // ACCEPTED now, applied minutes later.
      asyncApply: true,
      // The push path's binding limit; every operation has its own bucket (limits.ts).
      rateLimit: { kind: 'token-bucket', ratePerSecond: client.limiters.rate('patchListingsItem'), burst: client.limiters.burst('patchListingsItem') },
    },
    verifyWebhook: (input) => verifyUrlToken(notificationToken, input),
    parseWebhook: (input) => parseNotification(input, client.sellerId),
    async push(items) {
      if (items.length > LISTINGS_PER_PUSH) {
        throw new ConnectorError(
          'REJECTED',
          `Amazon pushes at most ${LISTINGS_PER_PUSH} listings side by side (one patchListingsItem each), got ${items.length}`,
        );
      }
      return Promise.all(items.map((item) => pushOne(client, item)));
    },
    readQuantities: (listings) => readQuantities(client, listings),
    pollOrders: (since, cursor, known) => pollOrders(client, since, cursor, known),
    listQuantities,
    resolveListings: (listings) => resolveListings(client, listings),
    listListings: (cursor) => listListings(client, cursor),
  };
}
