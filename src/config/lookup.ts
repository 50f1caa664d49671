// Small read helpers over a loaded config, so callers do not re-derive them.

import type { BufferPolicy } from '../domain/types.js';
import { PLATFORMS, type PlatformSpec } from './platforms.js';
import type { ChannelConfig, LoadedConfig, WarehouseConfig } from './schema.js';

export interface ConfigSummary {
  connections: number;
  channels: number;
  warehouses: number;
  skus: number;
  bundles: number;
  listings: number;
}

export function summarize(config: LoadedConfig): ConfigSummary {
  return {
    connections: config.connections.length,
    channels: channels(config).length,
    warehouses: warehouses(config).length,
    skus: config.skus.length,
    bundles: config.skus.filter((s) => s.components !== undefined).length,
    listings: config.skus.reduce((n, s) => n + Object.keys(s.listings).length, 0),
  };
}

export function channels(config: LoadedConfig): ChannelConfig[] {
  return config.connections.filter((c): c is ChannelConfig => c.kind === 'channel');
}

export function warehouses(config: LoadedConfig): WarehouseConfig[] {
  return config.connections.filter((c): c is WarehouseConfig => c.kind === 'warehouse');
}

export interface ListingRef {
  sku: string;
  connectionId: string;
  platform: ChannelConfig['platform'];
  /**
   * Platform ids as configured, plus those implied: ids the connection's options supply
   * (Shopify locationId) and ids equal to the SKU (Amazon sellerSku). Without the
   * platform's identifying id the connector looks the listing up by SKU.
   */
  ids: Record<string, string>;
}

export function listings(config: LoadedConfig): ListingRef[] {
  const byId = new Map(channels(config).map((c) => [c.id, c]));
  return config.skus.flatMap((s) =>
    Object.entries(s.listings).flatMap(([connectionId, given]) => {
      const conn = byId.get(connectionId);
      if (!conn) return []; // validated away; kept total for the type checker
      const spec: PlatformSpec = PLATFORMS[conn.platform];
      const ids: Record<string, string> = {};
      for (const field of spec.listingFromOptions) {
        const v = conn.options[field];
        if (typeof v === 'string' || typeof v === 'number') ids[field] = String(v);
      }
      if (spec.listingIdFromSku) ids[spec.listingIdFromSku] = s.sku;
      return [{ sku: s.sku, connectionId, platform: conn.platform, ids: { ...ids, ...given } }];
    }),
  );
}

/** A channel's buffer policy for one SKU: the SKU's override fields replace the connection's. */
export function bufferFor(channel: ChannelConfig, sku: string): BufferPolicy {
  return { ...channel.buffer, ...channel.bufferOverrides[sku] };
}
