// Platform -> connector factory. Each platform's folder exports `create(config)`.
import { StocksyncError } from '../errors.js';
import type { ChannelConnector, Connector, ConnectorConfig, WarehouseConnector } from './types.js';

type Factory = (config: ConnectorConfig) => Connector;

const FACTORIES: Record<string, () => Promise<Factory>> = {
  // CONNECTORS: one line per platform, e.g.
  // shopify: async () => (await import('./shopify/index.js')).create,
  shopify: async () => (await import('./shopify/index.js')).create,
  shipbob: async () => (await import('./shipbob/index.js')).create,
  // Deprecated alias (config platform `warehouse`): the same ShipBob connector.
  warehouse: async () => (await import('./shipbob/index.js')).create,
  woocommerce: async () => (await import('./woocommerce/index.js')).create,
  amazon: async () => (await import('./amazon/index.js')).create,
  'amazon-fba': async () => (await import('./amazon/fba.js')).create,
  manual: async () => (await import('./manual/index.js')).create,
  'csv-feed': async () => (await import('./csv-feed/index.js')).create,
};

export async function createConnector(platform: string, config: ConnectorConfig): Promise<Connector> {
  const load = FACTORIES[platform];
  if (!load) throw new StocksyncError('CONFIG_INVALID', `no connector for platform ${platform} (connection ${config.connectionId})`);
  return (await load())(config);
}

export function isChannel(c: Connector): c is ChannelConnector {
  return c.kind === 'channel';
}

export function isWarehouse(c: Connector): c is WarehouseConnector {
  return c.kind === 'warehouse';
}
