// Shopify channel connector (Admin GraphQL 2026-04). Options:
//   locationId    GID of the location to sync (default: the shop's primary location)
//   plan          standard | advanced | plus | enterprise (restore 100/200/1000/2000 points/s)
//   restoreRate   points/s, overrides the plan; bucketSize overrides 10 x restoreRate
//   pageSize      orders per pollOrders page (50) and items per listQuantities page (250)
//   retry         a RetryPolicy override (tests)
// Credentials: accessToken (X-Shopify-Access-Token), webhookSecret (the app's secret).
import { StocksyncError } from '../../errors.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../retry.js';
import type { Capabilities, ChannelConnector, ConnectorConfig, ListingDiscovery, PushOutcome } from '../types.js';
import { adjust, type AdjustItem } from './adjust.js';
import { createGraphqlClient, type CallStats } from './client.js';
import type { ShopifyContext } from './context.js';
import { MAX_QUERY_COST, PRIMARY_LOCATION, PRIMARY_LOCATION_COST } from './documents.js';
import { listListings } from './discovery.js';
import { pollOrders } from './orders.js';
import { MAX_BATCH, push } from './push.js';
import { listQuantities, readQuantities, resolveListings } from './reads.js';
import { reader } from './shapes.js';
import { parseShopifyWebhook, verifyShopifyWebhook } from './webhooks.js';

export const PLAN_RESTORE_RATE: Readonly<Record<string, number>> = { standard: 100, advanced: 200, plus: 1000, enterprise: 2000 };
/** Bucket = 10 x restore rate (Shopify documents "about 10x" the restore rate: unverified). */
export const BUCKET_MULTIPLIER = 10;

function configError(config: ConnectorConfig, what: string): StocksyncError {
  return new StocksyncError('CONFIG_INVALID', `shopify connection ${config.connectionId}: ${what}`);
}

function positive(config: ConnectorConfig, name: string): number | undefined {
  const v = config.options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw configError(config, `options.${name} must be a positive number`);
  return v;
}

export function capabilitiesFor(config: ConnectorConfig): Capabilities {
  const plan = config.options['plan'] ?? 'standard';
  if (typeof plan !== 'string' || !(plan in PLAN_RESTORE_RATE)) {
    throw configError(config, `options.plan must be one of ${Object.keys(PLAN_RESTORE_RATE).join(', ')}`);
  }
  const restorePerSecond = positive(config, 'restoreRate') ?? PLAN_RESTORE_RATE[plan]!;
  const bucketSize = positive(config, 'bucketSize') ?? restorePerSecond * BUCKET_MULTIPLIER;
  return {
    maxBatch: MAX_BATCH,
    compareAndSet: true,
    relativeAdjust: true,
    webhookVerification: 'hmac-sha256-base64',
    asyncApply: false,
    rateLimit: { kind: 'cost-bucket', restorePerSecond, bucketSize },
  };
}

/**
 * ChannelConnector plus what the contract has no method for yet: relative adjustment
 * (declared by capabilities.relativeAdjust) and call counts for `stocksync status`.
 */
export interface ShopifyConnector extends ChannelConnector, ListingDiscovery {
  adjust(items: AdjustItem[], idempotencyKey: string): Promise<PushOutcome[]>;
  /** Calls sent, throttled (THROTTLED or 429) and retried since the connector was created. */
  stats(): CallStats;
}

export function create(config: ConnectorConfig): ShopifyConnector {
  const accessToken = config.credentials['accessToken'];
  if (!accessToken) throw configError(config, 'credentials.accessToken is required');
  const capabilities = capabilitiesFor(config);
  const model = capabilities.rateLimit as { kind: 'cost-bucket'; restorePerSecond: number; bucketSize: number };
  const configured = config.options['locationId'];
  if (configured !== undefined && (typeof configured !== 'string' || !configured.startsWith('gid://shopify/Location/'))) {
    throw configError(config, 'options.locationId must be a Location GID (gid://shopify/Location/<id>)');
  }
  const pageSize = positive(config, 'pageSize');
  const client = createGraphqlClient({
    baseUrl: config.baseUrl,
    accessToken,
    restorePerSecond: model.restorePerSecond,
    bucketSize: model.bucketSize,
    ...(config.timeoutMs !== undefined && { timeoutMs: config.timeoutMs }),
    retry: (config.options['retry'] as RetryPolicy | undefined) ?? DEFAULT_RETRY,
    ...(config.onThrottled && { onThrottled: config.onThrottled }),
  });

  // asked once; a failure is not cached, so the next call asks again
  let location: Promise<string> | undefined = typeof configured === 'string' ? Promise.resolve(configured) : undefined;
  const primaryLocation = async () => {
    const data = await client.call(PRIMARY_LOCATION, {}, PRIMARY_LOCATION_COST);
    const r = reader('Shopify primary location answer');
    return r.str(r.obj(data['location'], 'data.location')['id'], 'data.location.id');
  };

  const ctx: ShopifyContext = {
    connectionId: config.connectionId,
    client,
    location: () => (location ??= primaryLocation().catch((e: unknown) => ((location = undefined), Promise.reject(e)))),
    skuCache: new Map(),
    maxCost: () => Math.min(MAX_QUERY_COST, client.bucket().bucketSize),
    orderPageSize: Math.floor(pageSize ?? 50),
    listPageSize: Math.floor(pageSize ?? 250),
  };
  const secret = config.credentials['webhookSecret'];

  return {
    platform: 'shopify',
    kind: 'channel',
    capabilities,
    verifyWebhook: (input) => verifyShopifyWebhook(secret, input),
    parseWebhook: (input) => parseShopifyWebhook(input),
    push: (items) => push(ctx, items),
    adjust: (items, key) => adjust(ctx, items, key),
    stats: () => client.stats(),
    readQuantities: (listings) => readQuantities(ctx, listings),
    pollOrders: (since, cursor) => pollOrders(ctx, since, cursor),
    listQuantities: (cursor) => listQuantities(ctx, cursor),
    resolveListings: (listings) => resolveListings(ctx, listings),
    listListings: (cursor) => listListings(ctx, cursor),
  };
}
