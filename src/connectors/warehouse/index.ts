// The sandbox 3PL (modelled on ShipBob's REST API 1.0) as a WarehouseConnector.
//
// Options (all optional):
//   requestsPerMinute  client-side pacing, default 150 (ShipBob's sliding window)
//   rateLimit          {requests, windowMs}: a whole window instead (scaled tests)
//   pageSize           inventory page size, 1..250, default 250
//   sinceOverlapMs     subtracted from pollLevels' since, default 2000
//   location           report the whole 3PL as this one location
//   fallbackLocation   location of items that name no fulfillment center, default 'main'
//   channelId          ShipBob's shipbob_channel_id; else GET /1.0/channel once
//   retryAttempts      tries per call, retries included, default 6
//   webhookToleranceSeconds  signed-timestamp window, default 300 (0 = off)
import { ConnectorError } from '../errors.js';
import { createRateLimiter } from '../rate-limit.js';
import { DEFAULT_RETRY } from '../retry.js';
import type { Capabilities, ConnectorConfig, ProductDiscovery, RateLimitModel, WarehouseConnector } from '../types.js';
import { createApi } from './api.js';
import { cancelOrder, lookupChannelId, pushOrder } from './orders.js';
import { listLevels, pollLevels, type ListingDeps } from './paging.js';
import { listProducts } from './products.js';
import { verifyStandardWebhook } from './signing.js';
import { parseWarehouseWebhook } from './webhooks.js';

export const SHIPBOB_REQUESTS_PER_MINUTE = 150;

function int(options: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const v = options[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConnectorError('REJECTED', `warehouse option ${name} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function str(options: Record<string, unknown>, name: string): string | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && name === 'channelId') return String(v);
  throw new ConnectorError('REJECTED', `warehouse option ${name} must be a non-empty string`);
}

export function rateLimitOf(options: Record<string, unknown>): Extract<RateLimitModel, { kind: 'sliding-window' }> {
  const raw = options.rateLimit as { requests?: unknown; windowMs?: unknown } | undefined;
  if (raw !== undefined) {
    const sub = { requests: raw?.requests, windowMs: raw?.windowMs } as Record<string, unknown>;
    return { kind: 'sliding-window', requests: int(sub, 'requests', 1, 100_000, 0), windowMs: int(sub, 'windowMs', 1, 3_600_000, 0) };
  }
  return { kind: 'sliding-window', requests: int(options, 'requestsPerMinute', 1, 100_000, SHIPBOB_REQUESTS_PER_MINUTE), windowMs: 60_000 };
}

export function create(config: ConnectorConfig): WarehouseConnector & ProductDiscovery {
  const o = config.options;
  const token = config.credentials.apiToken;
  if (!token) throw new ConnectorError('AUTH', `warehouse connection ${config.connectionId}: credentials.apiToken is missing`);
  const rateLimit = rateLimitOf(o);
  const capabilities: Capabilities = {
    maxBatch: 1, // orders go one at a time; there is no stock push to batch
    compareAndSet: false,
    relativeAdjust: false,
    webhookVerification: 'hmac-sha256-base64',
    asyncApply: false,
    rateLimit,
  };
  const api = createApi({
    baseUrl: config.baseUrl,
    token,
    limiter: createRateLimiter(rateLimit),
    retry: { ...DEFAULT_RETRY, attempts: int(o, 'retryAttempts', 1, 20, 6) },
    ...(config.timeoutMs !== undefined && { timeoutMs: config.timeoutMs }),
    ...(config.onThrottled && { onThrottled: config.onThrottled }),
  });
  const forcedLocation = str(o, 'location');
  const levels = { ...(forcedLocation !== undefined && { forcedLocation }), fallbackLocation: str(o, 'fallbackLocation') ?? 'main' };
  const listing: ListingDeps = { api, pageSize: int(o, 'pageSize', 1, 250, 250), sinceOverlapMs: int(o, 'sinceOverlapMs', 0, 86_400_000, 2_000), levels };
  const toleranceSeconds = int(o, 'webhookToleranceSeconds', 0, 86_400, 300);

  const configuredChannel = str(o, 'channelId');
  let channel: Promise<string> | undefined;
  const channelId = (): Promise<string> => {
    if (configuredChannel !== undefined) return Promise.resolve(configuredChannel);
    // Looked up once; a failed lookup is forgotten so the next order tries again.
    channel ??= lookupChannelId(api).catch((e: unknown) => {
      channel = undefined;
      throw e;
    });
    return channel;
  };

  return {
    kind: 'warehouse',
    platform: 'warehouse',
    capabilities,
    verifyWebhook: (input) => verifyStandardWebhook(input, { secret: config.credentials.webhookSecret, toleranceSeconds }),
    parseWebhook: (input) => parseWarehouseWebhook(input, levels),
    pushOrder: (order) => pushOrder({ api, channelId }, order),
    cancelOrder: (ref) => cancelOrder({ api, channelId }, ref),
    pollLevels: (since, cursor) => pollLevels(listing, since, cursor),
    listLevels: (cursor) => listLevels(listing, cursor),
    listProducts: (cursor) => listProducts(api, listing.pageSize, cursor),
  };
}
