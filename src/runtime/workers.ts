// Starts the background work of one process: the inbox processor (layer 1), a dispatcher
// per channel and an order pusher per warehouse (layer 2), a poller per connection
// (layer 3) and the reconciliation schedule per connection (layer 4). Each piece runs
// under a lease, so several processes share the work without doing it twice.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Connector } from '../connectors/types.js';
import type { Db } from '../store/db.js';
import { acquireLease, releaseLease } from '../store/leases.js';
import { operatorPause } from '../store/operator-pause.js';
import { closeInterruptedReconciliations } from '../store/reconciliations.js';
import { createOrderBatcher, type OrderBatcher } from '../engine/order-batcher.js';
import { RECONCILE_LEASE_MS, reconcileLease } from '../engine/run-reconciliations.js';
import { createDispatchPool, resolveListingIds, type DispatchPool, type PushDirection } from '../engine/workers/dispatcher.js';
import { processInboxOnce } from '../engine/workers/inbox-processor.js';
import { startLeasedLoop, type Loop } from '../engine/workers/leased-loop.js';
import { createNotifier, type Notifier, type NotifierHealth } from '../store/notifier.js';
import { pollOnce } from '../engine/workers/poller.js';
import { DEFAULT_AUTH_BACKOFF, gateOf } from '../engine/workers/connection-gate.js';
import type { PauseBackoff } from '../store/connection-pauses.js';
import { reconcileConnection } from '../engine/workers/reconciler.js';
import { pushOrdersOnce } from '../engine/workers/warehouse-pusher.js';
import { adaptiveSettings } from '../engine/adaptive-settings.js';
import { replanOnce } from '../engine/replan.js';
import { pruneExpired } from '../engine/prune.js';
import { DEFAULT_RETENTION, type RetentionPolicy } from '../store/retention.js';
import { startAlertLoops, type AlertsSettings } from './alert-loops.js';
import { startSqsConsumers, type SqsSource } from './sqs-consumers.js';

export interface WorkerConnection {
  id: string;
  pollIntervalMs: number;
  reconcileCron: string;
  options: Record<string, unknown>;
}

export interface WorkersDeps {
  db: Db;
  dbUrl: string;
  log: Logger;
  connectors: ReadonlyMap<string, Connector>;
  connections: readonly WorkerConnection[];
  /** Per-layer switches (the simulation compares strategies); all on by default. */
  layers?: { webhooks?: boolean; dispatch?: boolean; polling?: boolean; reconcile?: boolean };
  onPushed?: (connectionId: string, waitedMs: number, direction: PushDirection) => void;
  /** What is pruned and how often; the defaults of store/retention.ts, hourly, when absent. */
  retention?: RetentionPolicy & { intervalMs: number };
  /** Alert rules and targets (config `alerts:`); none: no alert loops. */
  alerts?: AlertsSettings;
  /** Amazon connections whose notifications come from SQS (layer 1, with the webhooks). */
  sqs?: readonly SqsSource[];
}

export interface Workers {
  orders: OrderBatcher;
  wakeInbox(): void;
  /** The LISTEN connection: down means wake-ups wait for the periodic checks. */
  listenerHealth(): NotifierHealth;
  stop(): Promise<void>;
}

export async function startWorkers(d: WorkersDeps): Promise<Workers> {
  const owner = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  await closeInterruptedReconciliations(d.db);
  const layers = { webhooks: true, dispatch: true, polling: true, reconcile: true, ...d.layers };
  const orders = createOrderBatcher(d.db);
  const notifier: Notifier = await createNotifier(d.dbUrl, ['stocksync_dirty', 'stocksync_orders'], d.log);
  const loops: Loop[] = [];
  const crons: Cron[] = [];
  const reconciling = new Set<Promise<void>>();
  const pools: DispatchPool[] = [];

  const inbox = startLeasedLoop({
    db: d.db,
    log: d.log,
    lease: `inbox:${owner}`,
    owner,
    idleMs: 1_000,
    step: () => processInboxOnce({ db: d.db, log: d.log, connectors: d.connectors, orders }),
  });
  loops.push(inbox);

  // Adaptive buffers: partitioned SKUs re-planned as time passes and lowerings land.
  const replan = layers.dispatch
    ? startLeasedLoop({
        db: d.db,
        log: d.log,
        lease: 'replan',
        owner,
        idleMs: adaptiveSettings().replanIntervalMs,
        step: async () => {
          await replanOnce(d.db);
          return false;
        },
      })
    : undefined;
  if (replan) loops.push(replan);

  const retention = d.retention ?? { ...DEFAULT_RETENTION, intervalMs: 3_600_000 };
  loops.push(
    startLeasedLoop({
      db: d.db,
      log: d.log,
      lease: 'retention',
      owner,
      idleMs: retention.intervalMs,
      step: async () => {
        const pruned = await pruneExpired(d.db, retention);
        if (Object.values(pruned).some((n) => n > 0)) d.log.info({ pruned }, 'expired rows pruned');
        return false;
      },
    }),
  );

  for (const c of d.connections) {
    const connector = d.connectors.get(c.id);
    if (!connector) continue;
    // A paused connection's loops skip their rounds (store/operator-pause.ts); resuming wakes them.
    const unlessPaused =
      <T>(idle: T, step: () => Promise<T>) =>
      async (): Promise<T> =>
        (await operatorPause(d.db, c.id)) ? idle : step();
    // A channel without a platform (manual) has nothing to poll or reconcile.
    const platformless = connector.capabilities.platformless === true;
    const polls = layers.polling && !platformless;
    let wakeDispatcher = () => {};
    const poller = polls
      ? startLeasedLoop({
          db: d.db,
          log: d.log,
          lease: `poll:${c.id}`,
          owner,
          idleMs: c.pollIntervalMs,
          step: unlessPaused(false, async () => {
            // Paused for auth and no probe due yet: a poll would only be refused again.
            if ((await gateOf(d.db, c.id)) === 'closed') return false;
            const r = await pollOnce({
              db: d.db,
              log: d.log,
              connectionId: c.id,
              connector,
              ...(typeof c.options.webhookCheckMs === 'number' && { subscriptionCheckMs: c.options.webhookCheckMs }),
            });
            d.log.debug({ connection: c.id, ...r }, 'polled');
            wakeDispatcher(); // raises held for unseen channel sales may go now
            return false;
          }),
        })
      : undefined;
    if (poller) loops.push(poller);
    if (connector.kind === 'channel' && layers.dispatch) {
      const deps = {
        db: d.db,
        log: d.log,
        connectionId: c.id,
        connector,
        ...(typeof c.options.asyncApplyMs === 'number' && { asyncApplyMs: c.options.asyncApplyMs }),
        authBackoff: authBackoffOf(c.options),
        ...(d.onPushed && { onPushed: (ms: number, direction: PushDirection) => d.onPushed!(c.id, ms, direction) }),
        ...(poller && { onUnseenSales: () => poller.wake() }),
        ...(replan && { onLowered: () => replan.wake() }),
      };
      let resolved = false;
      const pool = createDispatchPool(deps, DISPATCH_CONCURRENCY, () => loop.wake());
      pools.push(pool);
      const loop = startLeasedLoop({
        db: d.db,
        log: d.log,
        lease: `dispatch:${c.id}`,
        owner,
        idleMs: 2_000,
        step: unlessPaused(false, async () => {
          if (!resolved) resolved = (await resolveListingIds(deps)) !== null;
          return pool.step();
        }),
      });
      notifier.on('stocksync_dirty', c.id, () => loop.wake());
      wakeDispatcher = () => loop.wake();
      loops.push(loop);
    }
    // A read-only warehouse (Amazon FBA) is never sent an order: nothing to push.
    if (connector.kind === 'warehouse' && layers.dispatch && connector.capabilities.readOnly !== true) {
      const loop = startLeasedLoop({
        db: d.db,
        log: d.log,
        lease: `push-orders:${c.id}`,
        owner,
        idleMs: 2_000,
        step: unlessPaused(false, () => pushOrdersOnce({ db: d.db, log: d.log, connectionId: c.id, connector, authBackoff: authBackoffOf(c.options) })),
      });
      notifier.on('stocksync_orders', c.id, () => loop.wake());
      loops.push(loop);
    }
    // A file feed's every file is a full snapshot: its polls are its reconciliation.
    const fileFeed = connector.kind === 'warehouse' && connector.fileFeed !== undefined;
    if (layers.reconcile && !platformless && !fileFeed) crons.push(scheduleReconcile(d, owner, c, connector, reconciling));
  }

  if (d.alerts) loops.push(...startAlertLoops({ db: d.db, log: d.log, owner, alerts: d.alerts }));
  const sqs =
    layers.webhooks && d.sqs?.length
      ? await startSqsConsumers({ db: d.db, log: d.log, connectors: d.connectors, sources: d.sqs, onStored: () => inbox.wake() })
      : undefined;

  return {
    orders,
    wakeInbox: () => inbox.wake(),
    listenerHealth: () => notifier.health(),
    async stop() {
      for (const cron of crons) cron.stop();
      // Ends the long polls at once; a message in hand is stored (or left to come back) first.
      await withDeadline(sqs?.stop() ?? Promise.resolve(), STOP_DEADLINE_MS, () => d.log.warn('an SQS consumer was still busy at shutdown'));
      // Reads waiting on the platform (a Shopify bulk operation) give up now and cancel it.
      await Promise.all([...d.connectors.values()].map((c) => c.close?.().catch(() => {})));
      // A step may be waiting out a platform's rate limit: give the loops a bounded time.
      // Whatever they leave undone is still in the tables for the next start.
      await withDeadline(Promise.all(loops.map((l) => l.stop())), STOP_DEADLINE_MS, () =>
        d.log.warn('background work still running at shutdown; left for the next start'),
      );
      await withDeadline(Promise.all(pools.map((p) => p.drain())), STOP_DEADLINE_MS, () => {});
      await withDeadline(orders.drain(), STOP_DEADLINE_MS, () => {});
      await withDeadline(Promise.all(reconciling), STOP_DEADLINE_MS, () =>
        d.log.warn('a reconciliation was still running at shutdown; it is closed as interrupted at the next start'),
      );
      await notifier.close();
    },
  };
}

const STOP_DEADLINE_MS = 5_000;

/** Options authRetryMs / authRetryMaxMs: how a connection paused for auth is probed. */
function authBackoffOf(options: Record<string, unknown>): PauseBackoff {
  const ms = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d);
  const baseMs = ms(options.authRetryMs, DEFAULT_AUTH_BACKOFF.baseMs);
  return { baseMs, maxMs: Math.max(baseMs, ms(options.authRetryMaxMs, DEFAULT_AUTH_BACKOFF.maxMs)) };
}

/**
 * Pushes in flight per channel connection. Two: one hung request (seconds, on a platform
 * timeout) leaves a slot for what becomes dirty behind it, without doubling the load on a
 * small shop's server; the rate limiter paces both.
 */
const DISPATCH_CONCURRENCY = 2;

async function withDeadline(p: Promise<unknown>, ms: number, onLate: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onLate();
      resolve();
    }, ms);
  });
  await Promise.race([p.then(() => undefined), late]);
  clearTimeout(timer);
}

function scheduleReconcile(d: WorkersDeps, owner: string, c: WorkerConnection, connector: Connector, running: Set<Promise<void>>): Cron {
  const run = async () => {
    if (await operatorPause(d.db, c.id)) return d.log.info({ connection: c.id }, 'scheduled reconciliation skipped: the connection is paused');
    // The lease makes one process run it; the others find it taken and skip this turn.
    if (!(await acquireLease(d.db, reconcileLease(c.id), owner, RECONCILE_LEASE_MS))) return;
    try {
      await reconcileConnection({ db: d.db, log: d.log, connectionId: c.id, connector, trigger: 'schedule' });
    } finally {
      await releaseLease(d.db, reconcileLease(c.id), owner);
    }
  };
  return new Cron(c.reconcileCron, { protect: true }, () => {
    // Tracked, so that stop() waits for it before the pool closes; never an unhandled rejection.
    const job = run().catch((e: unknown) => d.log.error({ connection: c.id, err: (e as Error).message }, 'scheduled reconciliation failed'));
    running.add(job);
    void job.finally(() => running.delete(job));
    return job; // croner's `protect` skips a turn while this one runs
  });
}
