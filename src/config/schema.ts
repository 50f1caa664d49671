// The shape of stocksync.yaml, as one zod schema. Field checks live here; checks that
// relate one part of the file to another (references, duplicates) live in
// cross-checks.ts, and environment references are resolved by secrets.ts.

import * as z from 'zod';
import { Cron } from 'croner';
import { parseDuration } from './duration.js';
import { ENV_NAME } from './secrets.js';
import { alertsSchemaWith } from './alerts.js';
import { notificationsSchema } from './amazon-notifications.js';
import { CHANNEL_PLATFORMS, WAREHOUSE_PLATFORMS, PLATFORMS, type ChannelPlatform, type WarehousePlatform } from './platforms.js';

export const DEFAULT_POLL_INTERVAL = '5m';
export const DEFAULT_RECONCILE = '0 3 * * *';
/** Before the daily reconciliation, so that it reconciles the catalogue as discovered. */
export const DEFAULT_DISCOVERY_SCHEDULE = '30 2 * * *';

// Connection ids appear in URLs (/webhooks/:connectionId) and in logs: keep them plain.
const CONNECTION_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// A SKU is the merchant's own code: anything printable, without surrounding spaces.
const SKU_CODE = /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u;

export const connectionIdSchema = z
  .string({ error: 'must be a string' })
  .regex(CONNECTION_ID, "must use only a-z, 0-9 and '-' (1 to 63 characters, no '-' at either end)");

export const skuCodeSchema = z
  .string({ error: 'must be a string' })
  .max(255, 'must be at most 255 characters')
  .regex(SKU_CODE, 'must not be empty or start or end with spaces');

// Secrets never sit in the file: a reference names the environment variable holding it.
// Brands let the loaded config's type replace each reference by its resolved string.
function refError(iss: { code?: string; input?: unknown }): string | undefined {
  if (iss.code !== 'invalid_type') return undefined;
  if (typeof iss.input === 'string' || typeof iss.input === 'number') {
    return 'literal secrets are not allowed in the config file; use an environment reference such as { env: MY_SECRET }';
  }
  return 'must be an environment reference such as { env: MY_SECRET }';
}
const envName = z.string({ error: 'must be an environment variable name' }).regex(ENV_NAME, 'must be an environment variable name such as SHOPIFY_TOKEN');
/** `{ env: NAME }`, plus `default` (only with `demo: true`). */
export const secretRefSchema = z
  .strictObject({ env: envName, default: z.string({ error: 'must be a string' }).optional() }, { error: refError })
  .brand<'SecretRef'>();
/** Like secretRefSchema, but `optional: true` lets the variable be unset (value undefined). */
export const optionalSecretRefSchema = z
  .strictObject(
    {
      env: envName,
      default: z.string({ error: 'must be a string' }).optional(),
      optional: z.boolean({ error: 'must be true or false' }).optional(),
    },
    { error: refError },
  )
  .brand<'OptionalSecretRef'>();
export type SecretRef = z.output<typeof secretRefSchema>;
export type OptionalSecretRef = z.output<typeof optionalSecretRefSchema>;

const DURATION_HELP = 'must be a duration such as 30s, 5m or 1h';
function durationSchema(minMs: number) {
  return z.string({ error: DURATION_HELP }).transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: DURATION_HELP });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${minMs / 1000}s` });
      return z.NEVER;
    }
    return ms;
  });
}

export const cronSchema = z.string({ error: 'must be a cron expression such as "0 3 * * *"' }).superRefine((expr, ctx) => {
  try {
    new Cron(expr, { paused: true }).stop();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    ctx.addIssue({ code: 'custom', message: `not a valid cron expression (${why})` });
  }
});

const wholeUnits = z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must not be negative');

const portSchema = z
  .number({ error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be from 1 to 65535')
  .max(65535, 'must be from 1 to 65535');

/** No query or fragment: connection paths are appended to it. */
const publicUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .refine((url) => !url.includes('?') && !url.includes('#'), 'must have no query string or fragment: /webhooks/<connection> is appended to it')
  .transform((url) => url.replace(/\/+$/, ''));

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).transform((url) => url.replace(/\/+$/, '')); // connectors append paths

/** Buffer policy of a channel; see src/domain/types.ts BufferPolicy for the order applied. */
export const bufferSchema = z.strictObject({
  mode: z.enum(['adaptive', 'shared', 'partitioned'], { error: 'must be adaptive, shared or partitioned' }).optional(),
  reserve: wholeUnits.optional(),
  holdBackPercent: z.number({ error: 'must be a number from 0 to 100' }).min(0, 'must be from 0 to 100').max(100, 'must be from 0 to 100').optional(),
  holdBackUnits: wholeUnits.optional(),
  zeroBelow: wholeUnits.optional(),
  maxCap: wholeUnits.optional(),
});

// Platform ids are strings: Shopify's exceed 2^53, so a YAML number may already be wrong.
const platformId = z.unknown().transform((value, ctx) => {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  ctx.addIssue({
    code: 'custom',
    message:
      typeof value === 'number' ? 'must be an id; quote large numbers in YAML ("12345678901234567890"), they lose digits otherwise' : 'must be a non-empty id',
  });
  return z.NEVER;
});
/**
 * Platform ids of one listing; which fields are allowed depends on the platform
 * (platforms.ts). Empty (or no value in YAML): the connector finds the listing by SKU.
 */
export const listingSchema = z.preprocess((v) => (v === null ? {} : v), z.record(z.string(), platformId, { error: 'must be a mapping of platform ids' }));

const componentSchema = z.strictObject({
  sku: skuCodeSchema,
  quantity: z
    .number({ error: 'must be a whole number of at least 1' })
    .int('must be a whole number of at least 1')
    .min(1, 'must be a whole number of at least 1'),
});

export const skuSchema = z.strictObject({
  sku: skuCodeSchema,
  name: z.string({ error: 'must be a string' }).optional(),
  /** Present for a bundle: the component SKUs and units of each per bundle unit. */
  components: z.array(componentSchema, { error: 'must be a list' }).min(1, 'a bundle needs at least one component').optional(),
  /** Channel connection id -> that platform's ids for this SKU. */
  listings: z.record(z.string(), listingSchema, { error: 'must be a mapping of connection id to platform ids' }).default({}),
});

const commonConnection = {
  id: connectionIdSchema,
  baseUrl: httpUrl,
  credentials: z.record(z.string(), secretRefSchema, { error: 'must be a mapping of names to { env: NAME }' }).default({}),
  /** Milliseconds between incremental polls (written as a duration, e.g. 5m). */
  pollInterval: durationSchema(1_000).prefault(DEFAULT_POLL_INTERVAL),
  /** Cron expression of the full reconciliation, in the server's time zone. */
  reconcile: cronSchema.default(DEFAULT_RECONCILE),
  /** Platform-specific settings (shopify locationId, amazon marketplaceId and sellerId...). */
  options: z.record(z.string(), z.unknown(), { error: 'must be a mapping' }).default({}),
};

function platformError(wanted: 'channel' | 'warehouse', allowed: readonly string[]) {
  return (iss: { input?: unknown }): string => {
    const given = iss.input;
    if (typeof given === 'string' && Object.hasOwn(PLATFORMS, given)) {
      return `${given} is not a ${wanted} platform; a ${wanted} connection uses one of: ${allowed.join(', ')}`;
    }
    return `must be one of: ${allowed.join(', ')}`;
  };
}

export const channelSchema = z.strictObject({
  ...commonConnection,
  /** Required but for `platform: manual`, which has no API (cross-checks.ts says so). */
  baseUrl: httpUrl.optional(),
  kind: z.literal('channel'),
  platform: z.enum(CHANNEL_PLATFORMS as [ChannelPlatform, ...ChannelPlatform[]], {
    error: platformError('channel', CHANNEL_PLATFORMS),
  }),
  /** Warehouse connection that ships this channel's orders (defaults to the only warehouse). */
  fulfilledBy: connectionIdSchema.optional(),
  /**
   * The locations this channel sells from, in routing order: `warehouse` (its sellable
   * locations) or `warehouse/location`. Absent: every sellable location, its fulfilledBy
   * warehouse's first (docs/locations.md). Checked in cross-checks.ts.
   */
  sources: z.array(z.string({ error: 'must be a warehouse or warehouse/location name' }), { error: 'must be a list' }).optional(),
  /**
   * Shopify only: the shop's locations (Location GIDs) this connection shows a count at,
   * each with its own sources (the syntax of `sources`). Each location is then its own
   * selling point (an outlet, docs/locations-wiring.md). Checked in sources.ts.
   */
  locations: z
    .record(z.string(), z.array(z.string({ error: 'must be a warehouse or warehouse/location name' }), { error: 'must be a list' }), {
      error: 'must be a mapping of Shopify location GID to a list of sources',
    })
    .optional(),
  buffer: bufferSchema.default({}),
  /** SKU -> buffer fields replacing the connection's for that SKU. */
  bufferOverrides: z.record(z.string(), bufferSchema, { error: 'must be a mapping of SKU to buffer fields' }).default({}),
  /** Amazon only (cross-checks.ts): SP-API notifications from an SQS queue (amazon-notifications.ts). */
  notifications: notificationsSchema.optional(),
});

export const locationSchema = z.strictObject({
  id: z.string({ error: 'must be a string' }).min(1, 'must not be empty'),
  /** Whether stock here counts towards ATS (false for quarantine, returns, damaged...). */
  sellable: z.boolean({ error: 'must be true or false' }).default(true),
  /** Stock a platform holds and reports (Amazon FBA): read only, never a channel's source. */
  external: z.boolean({ error: 'must be true or false' }).default(false),
});

export const warehouseSchema = z.strictObject({
  ...commonConnection,
  /** Required but for `platform: csv-feed`, whose files come from options.source (cross-checks.ts). */
  baseUrl: httpUrl.optional(),
  kind: z.literal('warehouse'),
  platform: z.enum(WAREHOUSE_PLATFORMS as [WarehousePlatform, ...WarehousePlatform[]], {
    error: platformError('warehouse', WAREHOUSE_PLATFORMS),
  }),
  locations: z
    .array(locationSchema, { error: 'must be a list' })
    .min(1, 'a warehouse needs at least one location')
    .default([{ id: 'main', sellable: true, external: false }]),
});

export const connectionSchema = z.discriminatedUnion('kind', [channelSchema, warehouseSchema], {
  error: 'must be channel or warehouse',
});

export const configSchema = z.strictObject(
  {
    /** Allows `default:` values in environment references. Never in production. */
    demo: z.boolean({ error: 'must be true or false' }).default(false),
    server: z
      .strictObject({
        /**
         * Address the HTTP server binds. Loopback by default: webhooks reach a production
         * engine through a reverse proxy or tunnel; set 0.0.0.0 to listen on every interface.
         */
        host: z.string({ error: 'must be a string' }).default('127.0.0.1'),
        port: portSchema.default(8080),
        /**
         * The address the platforms reach this engine at (a reverse proxy or tunnel), e.g.
         * https://sync.example.com. Set: webhooks are registered at start and by
         * `stocksync webhooks register`, each connection's at <publicUrl>/webhooks/<id>.
         */
        publicUrl: publicUrlSchema.optional(),
        /** Bearer token of the admin API; absent = admin API disabled. */
        adminToken: secretRefSchema.optional(),
        /** Bearer token of GET /metrics on the main port; neither this nor metricsAddress = no metrics. */
        metricsToken: secretRefSchema.optional(),
        /** "host:port" of a listener serving only /metrics (e.g. 127.0.0.1:9464); with metricsToken it asks for it too. */
        metricsAddress: z
          .string({ error: 'must be host:port, e.g. 127.0.0.1:9464' })
          .regex(/^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9464')
          .optional(),
      })
      .prefault({}),
    database: z
      .strictObject({
        /** PostgreSQL URL; unset = embedded PostgreSQL in dataDir. */
        url: optionalSecretRefSchema.optional(),
        /** Embedded PostgreSQL's folder, relative to the working directory. */
        dataDir: z.string({ error: 'must be a path' }).min(1, 'must not be empty').default('./.stocksync'),
        embeddedPort: portSchema.default(54329),
      })
      .prefault({}),
    /** How adaptive buffers tell scarce stock (src/domain/buffer-modes.ts); defaults suit most shops. */
    adaptive: z
      .strictObject({
        /** Time constant of a SKU's sales velocity per channel. */
        velocityWindow: durationSchema(100).optional(),
        /** Units one order takes, at least, on every channel that shows stock. */
        orderUnits: z.number({ error: 'must be a number' }).min(0, 'must not be negative').max(1_000_000, 'must be at most 1000000').optional(),
        /** Headroom on velocity x latency for bursts. */
        burstFactor: z.number({ error: 'must be a number' }).min(0, 'must not be negative').max(1_000, 'must be at most 1000').optional(),
        /** Leave partitioned once the stock is this many times the units at risk (hysteresis). */
        exitRatio: z.number({ error: 'must be a number' }).min(1, 'must be at least 1').max(1_000, 'must be at most 1000').optional(),
        /** Share of a split given out evenly (0..1): no channel starves. */
        floorShare: z.number({ error: 'must be a number' }).min(0, 'must be from 0 to 1').max(1, 'must be from 0 to 1').optional(),
        /** A connection's lowering latency until it has measured its own. */
        defaultLatency: durationSchema(1).optional(),
        /** How often partitioned SKUs are re-planned. */
        replanInterval: durationSchema(10).optional(),
      })
      .prefault({}),
    /** How long what is kept only for a while is kept (src/store/retention.ts); the ledger and orders are kept. */
    retention: z
      .strictObject({
        /** Processed webhooks' raw bodies (the row stays for deduplication). */
        inboxBodies: durationSchema(60_000).prefault('3d'),
        /** Processed webhook rows. */
        inbox: durationSchema(3_600_000).prefault('14d'),
        /** Refused input: the quarantine and quarantined webhook events. */
        quarantine: durationSchema(60_000).prefault('30d'),
        /** Drift rows of finished reconciliations (their totals stay). */
        drift: durationSchema(60_000).prefault('90d'),
        /** Orders' raw platform payloads (orders, lines and the ledger stay). */
        orderPayloads: durationSchema(60_000).prefault('90d'),
        /** Hourly counts of refused and duplicate webhooks. */
        webhookCounts: durationSchema(3_600_000).prefault('90d'),
        /** How often the engine prunes. */
        interval: durationSchema(60_000).prefault('1h'),
      })
      .prefault({}),
    /**
     * How far ahead of our clock a warehouse's timestamp may be; an observation dated
     * later is refused (it would outrank every later one). Default 5m.
     */
    warehouseClockSkew: durationSchema(0).optional(),
    /** Encrypts credentials stored in the database; required unless demo: true. */
    secretKey: secretRefSchema.optional(),
    /** Alert targets and rules (src/config/alerts.ts); none by default. */
    alerts: alertsSchemaWith(secretRefSchema).prefault({}),
    /** Catalogue discovery (docs/catalog-discovery.md): SKUs and listings read from the platforms. */
    catalog: z
      .strictObject({
        /** Discover at start and on `schedule`; `stocksync catalog discover` works either way. */
        discover: z.boolean({ error: 'must be true or false' }).default(false),
        /** Cron of scheduled discovery runs, in the server's time zone (with discover: true). */
        schedule: cronSchema.default(DEFAULT_DISCOVERY_SCHEDULE),
        /** Match SKUs case-insensitively ("abc-1" = "ABC-1"); off by default. */
        caseFold: z.boolean({ error: 'must be true or false' }).default(false),
      })
      .prefault({}),
    connections: z.array(connectionSchema, { error: 'must be a list' }).default([]),
    /** With catalog discovery, optional overrides on top of what the platforms list (names, bundles, pinned ids). */
    skus: z.array(skuSchema, { error: 'must be a list' }).default([]),
  },
  { error: 'the config must be a YAML mapping' },
);

/** The file as written, validated, with defaults applied; secrets still references. */
export type ConfigFile = z.output<typeof configSchema>;

/** Replaces each environment reference by its value. */
export type Resolved<T> = T extends OptionalSecretRef
  ? string | undefined
  : T extends SecretRef
    ? string
    : T extends readonly (infer U)[]
      ? Resolved<U>[]
      : T extends object
        ? { [K in keyof T]: Resolved<T[K]> }
        : T;

/** The config the engine uses: validated, defaults applied, secrets resolved. */
export type LoadedConfig = Resolved<ConfigFile> & {
  /** Where it was read from (file path or the test's source name). */
  source: string;
};
export type ConnectionConfig = LoadedConfig['connections'][number];
export type ChannelConfig = Extract<ConnectionConfig, { kind: 'channel' }>;
export type WarehouseConfig = Extract<ConnectionConfig, { kind: 'warehouse' }>;
export type SkuConfig = LoadedConfig['skus'][number];
export type BufferConfig = z.output<typeof bufferSchema>;
