export { loadConfig, parseConfig, MIN_SECRET_KEY_LENGTH } from './load.js';
export type { LoadedConfig, ConfigFile, ConnectionConfig, ChannelConfig, WarehouseConfig, SkuConfig, BufferConfig } from './schema.js';
export { configSchema } from './schema.js';
export type { ConfigIssue } from './issues.js';
export { summarize, channels, warehouses, listings, bufferFor, type ConfigSummary, type ListingRef } from './lookup.js';
export { PLATFORMS, CHANNEL_PLATFORMS, WAREHOUSE_PLATFORMS, type Platform } from './platforms.js';
export { parseDuration } from './duration.js';
