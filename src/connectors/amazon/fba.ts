// `platform: amazon-fba`: Amazon's own warehouses (Fulfillment by Amazon) as a read-only
// warehouse. Its fulfillable quantity per seller SKU is read (fba-inventory.ts) and recorded
// at the connection's one location, which the config requires to be external: never a
// channel's source, never counted in any ATS. Nothing is pushed and no order is sent to
// it; Amazon ships its own (AFN) orders, which the Amazon channel records as external.
// Credentials and options are the Amazon channel's (the same seller): accessToken or
// clientId/clientSecret/refreshToken; sellerId, marketplaceId, rateScale, lwaUrl, retry.
import { ConnectorError } from '../errors.js';
import type { ConnectorConfig, WarehouseConnector } from '../types.js';
import { createAmazonClient } from './client.js';
import { listFbaLevels, pollFbaLevels, type FbaReadDeps } from './fba-inventory.js';

/** The location a connection without configured locations (a test's) reports at. */
export const DEFAULT_FBA_LOCATION = 'fba';

export function create(config: ConnectorConfig): WarehouseConnector {
  const client = createAmazonClient(config);
  const deps: FbaReadDeps = { client, location: config.locations?.[0] ?? DEFAULT_FBA_LOCATION };
  const readOnly = (what: string): never => {
    throw new ConnectorError('REJECTED', `amazon-fba connection ${config.connectionId} is read only: it takes no ${what} (Amazon ships AFN orders itself)`);
  };
  return {
    kind: 'warehouse',
    platform: 'amazon-fba',
    capabilities: {
      readOnly: true,
      maxBatch: 1,
      compareAndSet: false,
      relativeAdjust: false,
      asyncApply: false,
      // Amazon sends no inventory notifications to us; FBA stock comes from polls.
      webhookVerification: 'url-token',
      rateLimit: {
        kind: 'token-bucket',
        ratePerSecond: client.limiters.rate('getInventorySummaries'),
        burst: client.limiters.burst('getInventorySummaries'),
      },
    },
    verifyWebhook: () => false,
    parseWebhook: () => {
      throw new ConnectorError('PARSE', 'amazon-fba takes no webhooks; its stock is polled (getInventorySummaries)');
    },
    pushOrder: async () => readOnly('orders'),
    cancelOrder: async () => readOnly('cancellations'),
    pollLevels: (since, cursor) => pollFbaLevels(deps, since, cursor),
    listLevels: (cursor) => listFbaLevels(deps, cursor),
  };
}
