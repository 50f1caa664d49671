// `stocksync start`: one process that opens the database, applies the configured
// catalogue, serves HTTP and runs the background workers until SIGINT or SIGTERM.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import { catalogFromConfig } from '../engine/catalog-from-config.js';
import { syncCatalog } from '../engine/catalog.js';
import { configureAdaptive } from '../engine/adaptive-settings.js';
import { configureObservations } from '../engine/record-observation.js';
import { forgetLoweringLatencies } from '../engine/lowering-latency-cache.js';
import { buildServer, type HealthPart } from '../server/app.js';
import { openDatabase, redactUrl, type OpenDatabase } from '../store/open.js';
import { createConnector } from '../connectors/index.js';
import type { Connector } from '../connectors/types.js';
import type { RetentionPolicy } from '../store/retention.js';
import { startWorkers, type Workers, type WorkersDeps } from './workers.js';
import { registerAtStart, type RegisterAtStart } from './register-at-start.js';
import { watchConnectionHealth } from '../engine/connection-health.js';
import { countThrottled } from '../metrics/counters.js';
import { metricsRegistry, startMetricsListener } from '../server/metrics.js';
import type { AlertsSettings } from './alert-loops.js';
import { sqsSourcesFor } from './sqs-consumers.js';
import { startDiscoverySchedule } from './discovery-schedule.js';

export interface RunningEngine {
  url: string;
  database: OpenDatabase;
  server: FastifyInstance;
  workers: Workers;
  connectors: ReadonlyMap<string, Connector>;
  /** Where /metrics is served (server.metricsAddress's listener, or the main port); undefined: off. */
  metricsUrl: string | undefined;
  /** The webhook registration started once listening, when server.publicUrl is set. */
  webhookRegistration: RegisterAtStart | undefined;
  stop(): Promise<void>;
}

export interface EngineOptions {
  port?: number;
  logger: Logger;
  layers?: WorkersDeps['layers'];
  onPushed?: WorkersDeps['onPushed'];
  /** Overrides of the alert loops' timing (tests). */
  alertTiming?: Pick<AlertsSettings, 'backoff' | 'deliverIdleMs'>;
  /** The built dashboard's folder (default dist/web). */
  dashboardDir?: string;
}

export async function startEngine(config: LoadedConfig, opts: EngineOptions): Promise<RunningEngine> {
  const log = opts.logger;
  const a = config.adaptive;
  configureAdaptive({
    velocityWindowMs: a.velocityWindow,
    orderUnits: a.orderUnits,
    burstFactor: a.burstFactor,
    exitRatio: a.exitRatio,
    floorShare: a.floorShare,
    defaultLatencyMs: a.defaultLatency,
    replanIntervalMs: a.replanInterval,
  });
  forgetLoweringLatencies();
  configureObservations({ maxFutureSkewMs: config.warehouseClockSkew });
  const database = await openDatabaseFor(config, log);
  try {
    const synced = await syncCatalog(database.db, catalogFromConfig(config));
    const { retired, ...counts } = synced;
    log.info({ ...counts, retired: retired.length, connections: config.connections.length }, 'catalogue applied');
    if (retired.length > 0)
      log.warn({ retired: retired.slice(0, 50), count: retired.length }, 'listings no longer in the config were retired: they are not pushed any more');
    const connectors = new Map(
      [...(await connectorsFor(config, log))].map(([id, c]) => [id, watchConnectionHealth(c, { db: database.db, log, connectionId: id })]),
    );
    const workers = await startWorkers({
      db: database.db,
      dbUrl: database.url,
      log,
      connectors,
      connections: config.connections.map((c) => ({ id: c.id, pollIntervalMs: c.pollInterval, reconcileCron: c.reconcile, options: c.options })),
      ...(opts.layers && { layers: opts.layers }),
      ...(opts.onPushed && { onPushed: opts.onPushed }),
      retention: retentionPolicy(config),
      sqs: sqsSourcesFor(config),
      ...((config.alerts.targets.length > 0 || config.alerts.rules.length > 0) && {
        alerts: {
          targets: config.alerts.targets,
          rules: config.alerts.rules,
          evaluateEveryMs: config.alerts.evaluateEvery,
          maxAttempts: config.alerts.maxAttempts,
          ...opts.alertTiming,
        },
      }),
    });
    const discovery = startDiscoverySchedule({ db: database.db, log, config, connectors });
    const { metricsToken, metricsAddress } = config.server;
    const registry = metricsToken !== undefined || metricsAddress !== undefined ? metricsRegistry(database.db, log) : undefined;
    const server = await buildServer({
      db: database.db,
      logger: log,
      connectors,
      onWebhookStored: () => workers.wakeInbox(),
      healthParts: () => engineHealthParts(database, workers),
      ...(registry && metricsToken !== undefined && metricsAddress === undefined && { metrics: { registry, token: metricsToken } }),
      ...(config.server.adminToken && { adminToken: config.server.adminToken }),
      ...(opts.dashboardDir && { dashboardDir: opts.dashboardDir }),
    });
    const port = opts.port ?? config.server.port;
    const url = await server.listen({ port, host: config.server.host });
    log.info({ url }, 'listening');
    let metricsListener: Awaited<ReturnType<typeof startMetricsListener>> | undefined;
    try {
      if (registry && metricsAddress !== undefined) {
        metricsListener = await startMetricsListener(metricsAddress, { registry, ...(metricsToken !== undefined && { token: metricsToken }) });
      }
    } catch (e) {
      await server.close();
      await discovery?.stop();
      await workers.stop();
      throw e;
    }
    const metricsUrl = metricsListener ? `${metricsListener.url}/metrics` : registry ? `${url}/metrics` : undefined;
    if (metricsUrl) log.info({ url: metricsUrl, token: metricsToken !== undefined }, 'metrics served');
    else log.info('metrics off (set server.metricsToken or server.metricsAddress)');
    const publicUrl = config.server.publicUrl;
    const webhookRegistration = publicUrl ? registerAtStart({ db: database.db, log, publicUrl, connectors }) : undefined;
    let stopping: Promise<void> | undefined;
    return {
      url,
      database,
      server,
      workers,
      connectors,
      metricsUrl,
      webhookRegistration,
      stop() {
        // Stop taking webhooks, finish the work in hand, then let the database go.
        stopping ??= (async () => {
          webhookRegistration?.stop();
          await webhookRegistration?.firstPass;
          await server.close();
          await discovery?.stop();
          await metricsListener?.close();
          await workers.stop();
          await database.close();
          log.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (e) {
    await database.close();
    throw e;
  }
}

/** What /healthz reports beside the database: the listener, and the embedded server when this process supervises it. */
function engineHealthParts(database: OpenDatabase, workers: Workers): Record<string, HealthPart> {
  const listener = workers.listenerHealth();
  const embedded = database.embeddedHealth?.();
  return {
    listener: {
      ok: listener.connected,
      since: listener.since.toISOString(),
      reconnects: listener.reconnects,
      ...(listener.lastError && { lastError: listener.lastError }),
    },
    ...(embedded && { embeddedPostgres: { ok: embedded.state === 'up', ...embedded } }),
  };
}

export async function connectorsFor(config: LoadedConfig, log?: Logger): Promise<Map<string, Connector>> {
  const connectors = new Map<string, Connector>();
  for (const c of config.connections) {
    connectors.set(
      c.id,
      await createConnector(c.platform, {
        connectionId: c.id,
        baseUrl: c.baseUrl ?? '', // a manual channel has none
        credentials: c.credentials,
        options: c.options,
        ...(c.kind === 'warehouse' && { locations: c.locations.map((l) => l.id) }),
        onThrottled: () => countThrottled(c.id),
        ...(log && { log: log.child({ connection: c.id }) }),
      }),
    );
  }
  return connectors;
}

export async function openDatabaseFor(config: LoadedConfig, log: Logger): Promise<OpenDatabase> {
  const database = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    embeddedPort: config.database.embeddedPort,
    onLog: (line) => log.debug({ component: 'postgres' }, line),
    onEvent: (level, message, fields) => log[level]({ component: 'postgres', ...fields }, message),
  });
  log.info(
    { database: database.embedded ? `embedded (${config.database.dataDir})` : redactUrl(database.url), migrations: database.migrationsApplied },
    'database ready',
  );
  return database;
}

/** The config's `retention:` as the store's policy. */
export function retentionPolicy(config: LoadedConfig): RetentionPolicy & { intervalMs: number } {
  const r = config.retention;
  return {
    inboxBodiesMs: r.inboxBodies,
    inboxMs: r.inbox,
    quarantineMs: r.quarantine,
    driftMs: r.drift,
    orderPayloadsMs: r.orderPayloads,
    webhookCountsMs: r.webhookCounts,
    intervalMs: r.interval,
  };
}
