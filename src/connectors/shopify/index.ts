// Shopify channel connector (Admin GraphQL 2026-04). Options:
//   locationId    GID of the location to sync (default: the shop's primary location)
//   plan          standard | advanced | plus | enterprise (restore 100/200/1000/2000 points/s)
//   restoreRate   points/s, overrides the plan; bucketSize overrides 10 x restoreRate
//   pageSize      orders per pollOrders page (50) and items per listQuantities page (250)
//   fullRead      bulk | paged | auto (default): how listQuantities reads every count
//                 (docs/shopify-bulk.md); auto uses a bulk operation from bulkThreshold
//                 listings up (default 2,000); any bulk failure falls back to paged reads
//   bulkPollMs    between polls of a running bulk operation (default 2,000)
//   bulkPageSize  counts per page handed to the engine from the bulk result (default 1,000)
//   bulkSlotWaitMs  how long to wait while the shop's 5 bulk slots are taken (default 60,000)
//   bulkTimeoutMs how long a bulk operation may run before it is cancelled (default 1 hour)
//   retry         a RetryPolicy override (tests)
// Credentials: accessToken (X-Shopify-Access-Token), webhookSecret (the app's secret).
import { StocksyncError } from '../../errors.js';
import { DEFAULT_RETRY, type RetryPolicy } from '../retry.js';
import type { Capabilities, ChannelConnector, ConnectorConfig, ListingDiscovery, PushOutcome } from '../types.js';
import { adjust, type AdjustItem } from './adjust.js';
import { createBulkSignals } from './bulk.js';
import { createFullReads, type FullReadMode } from './bulk-reads.js';
import { createGraphqlClient, type CallStats } from './client.js';
import type { ShopifyContext } from './context.js';
import { MAX_QUERY_COST, PRIMARY_LOCATION, PRIMARY_LOCATION_COST } from './documents.js';
import { listListings } from './discovery.js';
import { pollOrders } from './orders.js';
import { MAX_BATCH, push } from './push.js';
import { listQuantities, listQuantitiesAt, readQuantities, resolveListings } from './reads.js';
import pino from 'pino';
import { reader } from './shapes.js';
import { parseShopifyWebhook, verifyShopifyWebhook } from './webhooks.js';
import { shopifyWebhookRegistration } from './webhook-registration.js';

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

const FULL_READ_MODES: readonly FullReadMode[] = ['bulk', 'paged', 'auto'];

function fullReadMode(config: ConnectorConfig): FullReadMode {
  const mode = config.options['fullRead'] ?? 'auto';
  if (!FULL_READ_MODES.includes(mode as FullReadMode)) throw configError(config, `options.fullRead must be one of ${FULL_READ_MODES.join(', ')}`);
  return mode as FullReadMode;
}

/** The operation a bulk_operations/finish webhook names, if it is one. */
function finishedOperation(rawBody: Buffer): string | undefined {
  try {
    const id = (JSON.parse(rawBody.toString('utf8')) as { admin_graphql_api_id?: unknown }).admin_graphql_api_id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
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
  const closed = new AbortController();
  const signals = createBulkSignals(closed.signal);
  const fullReads = createFullReads(
    ctx,
    {
      mode: fullReadMode(config),
      threshold: positive(config, 'bulkThreshold') ?? 2_000,
      pageSize: Math.floor(positive(config, 'bulkPageSize') ?? 1_000),
      pollMs: positive(config, 'bulkPollMs') ?? 2_000,
      slotWaitMs: positive(config, 'bulkSlotWaitMs') ?? 60_000,
      timeoutMs: positive(config, 'bulkTimeoutMs') ?? 3_600_000,
    },
    signals,
    (cursor) => listQuantities(ctx, cursor),
    config.log ?? pino({ level: 'silent' }),
  );

  return {
    platform: 'shopify',
    kind: 'channel',
    capabilities,
    verifyWebhook: (input) => verifyShopifyWebhook(secret, input),
    parseWebhook: (input) => {
      const parsed = parseShopifyWebhook(input);
      // a hint for a bulk read waiting in this process; the poll finds out anyway
      if (parsed.topic === 'bulk_operations/finish') {
        const id = finishedOperation(input.rawBody);
        if (id) signals.finished(id);
      }
      return parsed;
    },
    webhookRegistration: shopifyWebhookRegistration(client, config.connectionId, secret),
    push: (items) => push(ctx, items),
    adjust: (items, key) => adjust(ctx, items, key),
    stats: () => client.stats(),
    readQuantities: (listings) => readQuantities(ctx, listings),
    pollOrders: (since, cursor) => pollOrders(ctx, since, cursor),
    listQuantities: async (cursor, known) => {
      // listings at locations other than the connection's (a count per location,
      // docs/locations-wiring.md): each location's counts, paged, one after the other
      const at = [...new Set(known.flatMap((l) => l.platformIds['locationId'] ?? []))].sort();
      if (at.length > 1 || (at.length === 1 && at[0] !== (await ctx.location()))) return listQuantitiesAt(ctx, at, cursor);
      return fullReads.listQuantities(cursor, known);
    },
    resolveListings: (listings) => resolveListings(ctx, listings),
    listListings: (cursor) => listListings(ctx, cursor),
    async close() {
      // a running bulk operation is cancelled by the read waiting on it (bulk.ts)
      closed.abort();
      fullReads.close();
    },
  };
}
