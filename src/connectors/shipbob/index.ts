// ShipBob (REST API, version 2026-01) as a WarehouseConnector, with catalogue discovery
// (ProductDiscovery) and webhook registration (WebhookRegistration). docs/shipbob.md says
// what each sync layer catches for ShipBob and where the sandbox differs from it.
//
// Credentials: accessToken (a personal access token, sent as a bearer; the deprecated
// `warehouse` platform calls it apiToken), webhookSecret ("whsec_" + base64, optional).
// Options (all optional):
//   apiVersion          dated version in every path, default 2026-01
//   requestsPerMinute   client-side pacing, default 150 (ShipBob's sliding window)
//   rateLimit           {requests, windowMs}: a whole window instead (scaled tests)
//   pageSize            inventory and product page size, 1..250, default 250
//   location            report the whole 3PL as this one location (else one per fulfillment center)
//   channelId           ShipBob's shipbob_channel_id; else GET /channel once
//   recipient           {name, address: {address1, city, country, ...}} sent with every order
//   shippingMethod      sent with every order, default Standard
//   levelRefreshMs      the poll reports an unchanged level again after this long, default 1 h
//   retryAttempts       tries per call, retries included, default 6
//   webhookToleranceSeconds  signed-timestamp window, default 300 (0 = off)
import { ConnectorError } from '../errors.js';
import { createRateLimiter } from '../rate-limit.js';
import { DEFAULT_RETRY } from '../retry.js';
import type { Capabilities, ConnectorConfig, ProductDiscovery, RateLimitModel, WarehouseConnector, WebhookRegistration } from '../types.js';
import { createApi } from './api.js';
import { isObject, type Json } from './json.js';
import { createLevelMemory } from './level-memory.js';
import { cancelOrder, lookupChannelId, pushOrder, type OrderDeps } from './orders.js';
import { listLevels, pollLevels, type ListingDeps } from './paging.js';
import { listProducts } from './products.js';
import { verifyStandardWebhook } from './signing.js';
import { createWebhookRegistration } from './subscriptions.js';
import { parseShipBobWebhook } from './webhooks.js';

export const SHIPBOB_REQUESTS_PER_MINUTE = 150;
export const SHIPBOB_API_VERSION = '2026-01';

/**
 * Sent when options.recipient is not set. ShipBob requires a recipient on every order and
 * the engine carries no customer address: such an order is held by ShipBob for its
 * address (docs/shipbob.md, "Orders").
 */
export const PLACEHOLDER_RECIPIENT: Json = { name: 'stocksync: recipient not configured', address: { address1: 'unknown', city: 'unknown', country: 'US' } };

/**
 * The registration is on the connector itself (topics, list, create, remove) and, for
 * code that looks for a capability object, also as `webhookRegistration`.
 */
export type ShipBobConnector = WarehouseConnector & ProductDiscovery & WebhookRegistration & { webhookRegistration: WebhookRegistration };

function int(options: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const v = options[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConnectorError('REJECTED', `shipbob option ${name} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function str(options: Record<string, unknown>, name: string): string | undefined {
  const v = options[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && name === 'channelId') return String(v);
  throw new ConnectorError('REJECTED', `shipbob option ${name} must be a non-empty string`);
}

function recipientOf(options: Record<string, unknown>): Json {
  const r = options.recipient;
  if (r === undefined) return PLACEHOLDER_RECIPIENT;
  const address = isObject(r) ? r.address : undefined;
  const ok =
    isObject(r) &&
    typeof r.name === 'string' &&
    isObject(address) &&
    ['address1', 'city', 'country'].every((f) => typeof address[f] === 'string' && address[f] !== '');
  if (!ok) throw new ConnectorError('REJECTED', 'shipbob option recipient must be {name, address: {address1, city, country, ...}}');
  return r;
}

export function rateLimitOf(options: Record<string, unknown>): Extract<RateLimitModel, { kind: 'sliding-window' }> {
  const raw = options.rateLimit as { requests?: unknown; windowMs?: unknown } | undefined;
  if (raw !== undefined) {
    const sub = { requests: raw?.requests, windowMs: raw?.windowMs } as Record<string, unknown>;
    return { kind: 'sliding-window', requests: int(sub, 'requests', 1, 100_000, 0), windowMs: int(sub, 'windowMs', 1, 3_600_000, 0) };
  }
  return { kind: 'sliding-window', requests: int(options, 'requestsPerMinute', 1, 100_000, SHIPBOB_REQUESTS_PER_MINUTE), windowMs: 60_000 };
}

export function create(config: ConnectorConfig): ShipBobConnector {
  const o = config.options;
  const token = config.credentials.accessToken ?? config.credentials.apiToken;
  if (!token) throw new ConnectorError('AUTH', `shipbob connection ${config.connectionId}: credentials.accessToken (a personal access token) is missing`);
  const rateLimit = rateLimitOf(o);
  const capabilities: Capabilities = {
    maxBatch: 1, // orders go one at a time; there is no stock push to batch
    compareAndSet: false,
    relativeAdjust: false,
    webhookVerification: 'hmac-sha256-base64',
    asyncApply: false,
    rateLimit,
  };
  const version = str(o, 'apiVersion') ?? SHIPBOB_API_VERSION;
  if (!/^\d{4}-\d{2}$/.test(version)) throw new ConnectorError('REJECTED', 'shipbob option apiVersion must look like 2026-01');
  const api = createApi({
    baseUrl: config.baseUrl,
    token,
    version,
    limiter: createRateLimiter(rateLimit),
    retry: { ...DEFAULT_RETRY, attempts: int(o, 'retryAttempts', 1, 20, 6) },
    ...(config.timeoutMs !== undefined && { timeoutMs: config.timeoutMs }),
    ...(config.onThrottled && { onThrottled: config.onThrottled }),
  });
  const pageSize = int(o, 'pageSize', 1, 250, 250);
  const memory = createLevelMemory(int(o, 'levelRefreshMs', 1_000, 7 * 86_400_000, 3_600_000));
  const forcedLocation = str(o, 'location');
  const listing: ListingDeps = { api, pageSize, memory, ...(forcedLocation !== undefined && { forcedLocation }) };
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
  const orders: OrderDeps = {
    api,
    channelId,
    defaults: { recipient: recipientOf(o), shippingMethod: str(o, 'shippingMethod') ?? 'Standard' },
    onOrderChanged: (skus, at) => memory.touch(skus, at),
  };

  const registration = createWebhookRegistration(api, config.credentials.webhookSecret);
  return {
    ...registration,
    webhookRegistration: registration,
    kind: 'warehouse',
    platform: 'shipbob',
    capabilities,
    verifyWebhook: (input) => verifyStandardWebhook(input, { secret: config.credentials.webhookSecret, toleranceSeconds }),
    parseWebhook: parseShipBobWebhook,
    pushOrder: (order) => pushOrder(orders, order),
    cancelOrder: (ref) => cancelOrder(orders, ref),
    pollLevels: (since, cursor) => pollLevels(listing, since, cursor),
    listLevels: (cursor) => listLevels(listing, cursor),
    listProducts: (cursor) => listProducts(api, pageSize, cursor),
  };
}
