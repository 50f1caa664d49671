// The whole product on loopback, for the simulation (`stocksync simulate`), the end-to-end
// tests and the benchmarks: the sandbox platforms, the engine (HTTP server, workers) on a
// given database, webhooks subscribed to the engine. test/e2e/stack.ts gives it a fresh
// test database. It imports nothing from bench/ or test/: they import it.
import { createHash } from 'node:crypto';
import pino from 'pino';
import { parseConfig } from '../config/index.js';
import { startEngine, type EngineOptions, type RunningEngine } from '../runtime/engine-process.js';
import type { WorkersDeps } from '../runtime/workers.js';
import type { PushDirection } from '../engine/workers/dispatcher.js';
import { startSandbox, type RunningSandbox, type FaultsOption } from '../../sandbox/server.js';
import type { LatencyOption } from '../../sandbox/core/latency.js';
import type { SandboxInstance } from '../../sandbox/core/instance.js';
import { CONNECTION_IDS, INSTANCE_NAMES, type ChannelPlatform, type HarnessPlatform } from './names.js';

export type { ChannelPlatform };

export interface StackOptions {
  skus: { sku: string; quantity: number }[];
  channels: ChannelPlatform[];
  seed?: number;
  faults?: FaultsOption;
  timeScale?: number;
  layers?: WorkersDeps['layers'];
  /** Subscribe the sandbox's webhooks to the engine (default true). */
  webhooks?: boolean;
  pollInterval?: string;
  /** The warehouses' poll interval, when not pollInterval. */
  warehousePollInterval?: string;
  /** Reconciliation cron for every connection (croner syntax, seconds allowed); default the engine's daily one. */
  reconcile?: string;
  buffer?: string; // YAML flow mapping for every channel
  /** A channel's own buffer, instead of `buffer` (YAML flow mapping). */
  buffers?: Partial<Record<ChannelPlatform, string>>;
  /** The engine's `adaptive:` settings (YAML flow mapping), e.g. a velocity window on a compressed clock. */
  adaptive?: string;
  /** Delay on every sandbox request (sandbox/core/latency.ts); default none. */
  latency?: LatencyOption;
  /** Extra sandbox instance options per platform (e.g. Shopify's restoreRate). */
  instanceOptions?: Partial<Record<HarnessPlatform, Record<string, unknown>>>;
  /** Extra connector options per connection, as YAML flow mapping entries ("plan: plus"). */
  connectionOptions?: Partial<Record<HarnessPlatform, string>>;
  onPushed?: (connectionId: string, waitedMs: number, direction: PushDirection) => void;
  logLevel?: string;
  /** More `server:` settings, as YAML flow mapping entries ("metricsToken: { env: T, default: t }"). */
  server?: string;
  /** The config's `alerts:` section, as a YAML flow mapping. */
  alerts?: string;
  /** Timing of the alert loops (tests shorten the delivery backoff). */
  alertTiming?: EngineOptions['alertTiming'];
  /** Turns the admin API on with this bearer token. */
  adminToken?: string;
  /** A manual (wholesale) channel listing every SKU, with this id and buffer (YAML flow mapping). */
  manualChannel?: { id: string; buffer?: string };
  /** The built dashboard's folder (default dist/web), served at `/` when adminToken is set. */
  dashboardDir?: string;
  /**
   * The 3PLs, each a sandbox warehouse instance and an engine connection named `id`, with
   * its own opening stock. Default: one, `wh`, holding `skus`. With several, every channel
   * is fulfilled by the first of its `sources` (or the first warehouse).
   */
  warehouses?: StackWarehouse[];
  /** A channel's `sources` (warehouse ids or `warehouse/location`, in routing order). */
  sources?: Partial<Record<ChannelPlatform, readonly string[]>>;
}

export interface StackWarehouse {
  id: string;
  skus: { sku: string; quantity: number }[];
}

export interface Stack {
  sandbox: RunningSandbox;
  engine: RunningEngine;
  db: RunningEngine['database']['db'];
  /** A platform's instance; `warehouse`: the first warehouse. */
  instance(platform: HarnessPlatform): SandboxInstance;
  /** The warehouses' ids (their instance names and connection ids), in configuration order. */
  warehouseIds: readonly string[];
  warehouse(id: string): SandboxInstance;
  connectionOf(platform: HarnessPlatform): string;
  close(): Promise<void>;
}

/** The platforms' side of a stack, which the simulation reads: the sandbox and the database. */
export type PlatformStack = Omit<Stack, 'engine'>;

/** Starts sandbox and engine on the database at `databaseUrl` (migrated by the engine). */
export async function startStackOn(databaseUrl: string, opts: StackOptions): Promise<Stack> {
  const sandbox = await startStackSandbox(opts);
  try {
    const config = parseConfig(stackConfigYaml(sandbox.url, opts), { TEST_DATABASE_URL: databaseUrl }, 'stack');
    const logger = pino({ level: opts.logLevel ?? process.env.E2E_LOG ?? 'silent' });
    const engine = await startEngine(config, {
      port: 0,
      logger,
      ...(opts.layers && { layers: opts.layers }),
      ...(opts.onPushed && { onPushed: opts.onPushed }),
      ...(opts.alertTiming && { alertTiming: opts.alertTiming }),
      ...(opts.dashboardDir && { dashboardDir: opts.dashboardDir }),
    });
    if (opts.webhooks !== false) subscribeWebhooks(sandbox, engine.url, stackPlatforms(opts), warehouseIdsOf(opts));
    return {
      ...platformView(sandbox, engine.database.db, warehouseIdsOf(opts)),
      engine,
      async close() {
        await engine.stop();
        await sandbox.close();
      },
    };
  } catch (e) {
    await sandbox.close();
    throw e;
  }
}

/** The sandbox platforms of a stack: its channels and the 3PL. */
export function stackPlatforms(opts: Pick<StackOptions, 'channels'>): HarnessPlatform[] {
  return [...opts.channels, 'warehouse'];
}

/** A stack's warehouses: `opts.warehouses`, or the one `wh` holding `opts.skus`. */
export function stackWarehouses(opts: Pick<StackOptions, 'skus' | 'warehouses'>): StackWarehouse[] {
  return opts.warehouses && opts.warehouses.length > 0 ? opts.warehouses : [{ id: INSTANCE_NAMES.warehouse, skus: opts.skus }];
}

export function warehouseIdsOf(opts: Pick<StackOptions, 'skus' | 'warehouses'>): string[] {
  return stackWarehouses(opts).map((w) => w.id);
}

/** The sandbox of a stack, with every platform's instance and the stack's SKUs. */
export function startStackSandbox(opts: StackOptions): Promise<RunningSandbox> {
  const options = (p: HarnessPlatform) => ({ ...(p === 'amazon' && { sellerId: 'SELLER1', rateScale: 50 }), ...opts.instanceOptions?.[p] });
  return startSandbox({
    port: 0,
    seed: opts.seed ?? 7,
    timeScale: opts.timeScale ?? 0.001,
    ...(opts.faults !== undefined && { faults: opts.faults }),
    ...(opts.latency !== undefined && { latency: opts.latency }),
    instances: [
      ...opts.channels.map((p) => ({ platform: p, name: INSTANCE_NAMES[p], skus: opts.skus, options: options(p) })),
      ...stackWarehouses(opts).map((w) => ({ platform: 'warehouse' as const, name: w.id, skus: w.skus, options: options('warehouse') })),
    ],
  });
}

/** How the simulation and the tests reach a stack's platforms and database. */
export function platformView(
  sandbox: RunningSandbox,
  db: Stack['db'],
  warehouseIds: readonly string[] = [INSTANCE_NAMES.warehouse],
): Omit<PlatformStack, 'close'> {
  const warehouse = (id: string) => sandbox.instances.get(`warehouse/${id}`)!;
  return {
    sandbox,
    db,
    instance: (p) => (p === 'warehouse' ? warehouse(warehouseIds[0]!) : sandbox.instances.get(`${p}/${INSTANCE_NAMES[p]}`)!),
    warehouseIds,
    warehouse,
    connectionOf: (p) => (p === 'warehouse' ? warehouseIds[0]! : CONNECTION_IDS[p]),
  };
}

/**
 * Subscribes every platform's webhooks to `engineUrl` (an engine, or a balancer in front
 * of several); `warehouse` stands for every warehouse in `warehouseIds`.
 */
export function subscribeWebhooks(
  sandbox: RunningSandbox,
  engineUrl: string,
  platforms: readonly HarnessPlatform[],
  warehouseIds: readonly string[] = [INSTANCE_NAMES.warehouse],
): void {
  const topics: Record<HarnessPlatform, string[]> = {
    shopify: ['orders/create', 'orders/cancelled', 'inventory_levels/update'],
    woocommerce: ['order.created', 'order.updated', 'product.updated'],
    amazon: ['ORDER_CHANGE', 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE'],
    warehouse: ['order.shipped', 'order.shipment.exception', 'order.shipment.cancelled'],
  };
  const subscribe = (p: HarnessPlatform, name: string, connectionId: string) => {
    const instance = sandbox.instances.get(`${p}/${name}`)!;
    const url = `${engineUrl}/webhooks/${connectionId}${p === 'amazon' ? '?token=e2e-notification-token' : ''}`;
    for (const topic of topics[p]) instance.control.subscribe(topic, url);
  };
  for (const p of platforms) {
    if (p === 'warehouse') for (const id of warehouseIds) subscribe(p, id, id);
    else subscribe(p, INSTANCE_NAMES[p], CONNECTION_IDS[p]);
  }
}

/** The engine's config for a stack (its database URL from the TEST_DATABASE_URL variable). */
export function stackConfigYaml(sandboxUrl: string, options: StackOptions): string {
  const pollOf = (interval: string) => (options.reconcile === undefined ? interval : `${interval}, reconcile: "${options.reconcile}"`);
  const poll = pollOf(options.pollInterval ?? '1h');
  const warehousePoll = pollOf(options.warehousePollInterval ?? options.pollInterval ?? '1h');
  const bufferOf = (c: ChannelPlatform) => options.buffers?.[c] ?? options.buffer ?? '{}';
  const manual = options.manualChannel;
  const listedOn = [...options.channels.map((c) => CONNECTION_IDS[c]), ...(manual ? [manual.id] : [])];
  const warehouses = warehouseIdsOf(options);
  // With several warehouses a channel names the one that fulfils it: the first it sells from.
  const placement = (c: ChannelPlatform) => {
    const sources = options.sources?.[c];
    const fulfilledBy = warehouses.length > 1 ? `fulfilledBy: ${sources?.[0]?.split('/')[0] ?? warehouses[0]}, ` : '';
    return `${fulfilledBy}${sources ? `sources: [${sources.join(', ')}], ` : ''}`;
  };
  const channel: Record<ChannelPlatform, string> = {
    shopify: `{ id: shop, kind: channel, platform: shopify, ${placement('shopify')}baseUrl: "${sandboxUrl}/shopify/shop", pollInterval: ${poll}, buffer: ${bufferOf('shopify')},
      options: { ${options.connectionOptions?.shopify ?? ''} },
      credentials: { accessToken: { env: T1, default: shpat_shop }, webhookSecret: { env: T2, default: sandbox-app-secret } } }`,
    woocommerce: `{ id: woo, kind: channel, platform: woocommerce, ${placement('woocommerce')}baseUrl: "${sandboxUrl}/woocommerce/store", pollInterval: ${poll}, buffer: ${bufferOf('woocommerce')},
      options: { ${options.connectionOptions?.woocommerce ?? ''} },
      credentials: { consumerKey: { env: T3, default: ck_store }, consumerSecret: { env: T4, default: cs_store }, webhookSecret: { env: T5, default: whsec_store } } }`,
    amazon: `{ id: amazon, kind: channel, platform: amazon, ${placement('amazon')}baseUrl: "${sandboxUrl}/amazon/seller", pollInterval: ${poll}, buffer: ${bufferOf('amazon')},
      options: { sellerId: SELLER1, marketplaceId: ATVPDKIKX0DER, ${/\brateScale\s*:/.test(options.connectionOptions?.amazon ?? '') ? '' : 'rateScale: 50, '}${/\basyncApplyMs\s*:/.test(options.connectionOptions?.amazon ?? '') ? '' : 'asyncApplyMs: 200, '}${options.connectionOptions?.amazon ?? ''} },
      credentials: { accessToken: { env: T6, default: "Atza|seller" }, notificationToken: { env: T7, default: e2e-notification-token } } }`,
  };
  return `
demo: true
server: { host: 127.0.0.1${options.server ? `, ${options.server}` : ''}${options.adminToken ? `, adminToken: { env: STACK_ADMIN_TOKEN, default: "${options.adminToken}" }` : ''} }
${options.alerts ? `alerts: ${options.alerts}` : ''}
database: { url: { env: TEST_DATABASE_URL } }
${options.adaptive ? `adaptive: ${options.adaptive}` : ''}
connections:
${warehouses
  .map(
    (
      id,
      i,
    ) => `  - { id: ${id}, kind: warehouse, platform: shipbob, baseUrl: "${sandboxUrl}/warehouse/${id}", pollInterval: ${warehousePoll}, options: { location: main, ${options.connectionOptions?.warehouse ?? ''} },
      credentials: { accessToken: { env: T8${i === 0 ? '' : `_${i}`}, default: sandbox-token-${id} }, webhookSecret: { env: T9${i === 0 ? '' : `_${i}`}, default: "${warehouseSecret(id)}" } } }`,
  )
  .join('\n')}
${options.channels.map((c) => `  - ${channel[c]}`).join('\n')}
${manual ? `  - { id: ${manual.id}, kind: channel, platform: manual, buffer: ${manual.buffer ?? '{}'} }` : ''}
skus:
${options.skus.map((s) => `  - { sku: ${s.sku}, listings: { ${listedOn.map((id) => `${id}: {}`).join(', ')} } }`).join('\n')}
`;
}

// The sandbox's ShipBob derives its default webhook secret from the instance name (sandbox/warehouse).
function warehouseSecret(instanceName: string): string {
  return `whsec_${createHash('sha256').update(instanceName).digest('base64')}`;
}
