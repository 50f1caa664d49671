// One simulation run: a fresh database, the sandbox and the real engine (src/harness), the
// seeded workload played against the channels and the warehouse, and the measurements
// taken from the outside, with the sandbox 3PL as ground truth. The parts: the player
// (player.ts) plays the workload, the order book (order-book.ts) follows each placed
// order to the 3PL, the oversell detector (oversell-detector.ts) follows the 3PL's ledger,
// the sampler (sampler.ts) compares the channels with the true ATS, and run-report.ts
// builds the report.
import pino from 'pino';
import type { LedgerEntry } from '../../sandbox/warehouse/store.js';
import type { WarehouseConnector } from '../connectors/types.js';
import { modeOf } from '../domain/buffer-modes.js';
import { reconcileConnection } from '../engine/workers/reconciler.js';
import { StocksyncError } from '../errors.js';
import { CONNECTION_IDS, INSTANCE_NAMES } from '../harness/names.js';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { startFleetStackOn } from '../harness/fleet-stack.js';
import { startStackOn, type ChannelPlatform, type PlatformStack, type Stack, type StackOptions } from '../harness/stack.js';
import { countDirtyListings, listingTargets } from '../store/listings.js';
import { countReconciliations } from '../store/reconciliations.js';
import { OrderBook } from './order-book.js';
import { WarehouseTruth } from './warehouse-truth.js';
import { SIM_WAREHOUSES, TWO_WAREHOUSE_SOURCES } from './warehouse-layout.js';
import { OversoldStories } from './oversold-stories.js';
import { WorkloadPlayer } from './player.js';
import { buildReport } from './run-report.js';
import { startChaos, type RunningChaos } from './chaos-run.js';
import { ChannelSampler } from './sampler.js';
import { SkuTrace } from './sku-trace.js';
import { bufferFor, bufferYaml, planFor, type StrategyPlan } from './strategies.js';
import { round, sleep, type RunOptions, type SimReport } from './types.js';
import { buildWorkload, type SimChannel, type Workload } from './workload.js';

/** Runs one strategy on the database at `databaseUrl` (which it migrates). */
export async function runSimulation(databaseUrl: string, options: RunOptions): Promise<SimReport> {
  const workload = buildWorkload(options);
  const plan = planFor(options.strategy, options.scale);
  const log = options.onProgress ?? (() => {});
  const label = `${options.strategy}/${options.faultProfile}`;
  const sampleMs = options.sampleMs ?? 100;
  const pushWaits: number[] = [];
  let measuring = false;
  const started = Date.now();
  let bootstrapRun = 0; // the opening-stock reconciliation, not drift

  const stackOptions = runStackOptions(options, workload, plan, (waitedMs) => {
    if (measuring) pushWaits.push(waitedMs);
  });
  const fleetStack = options.fleet
    ? await startFleetStackOn(databaseUrl, { ...stackOptions, engines: options.fleet.engines, dir: options.fleet.dir })
    : undefined;
  const stack: PlatformStack & Partial<Pick<Stack, 'engine'>> = fleetStack ?? (await startStackOn(databaseUrl, stackOptions));
  let chaos: RunningChaos | undefined;
  try {
    log(`${label}: engine up in ${Date.now() - started} ms; first sync`);
    if (stack.engine && (!plan.layers.polling || !plan.layers.reconcile)) {
      // Without polling the engine never reads the 3PL's opening stock (webhooks only carry
      // changes) and never pushes a count no warehouse reported: an operator would run
      // `stocksync reconcile` once. Do that for the warehouse before the workload starts.
      for (const id of stack.warehouseIds) {
        bootstrapRun = (
          await reconcileConnection({
            db: stack.db,
            log: pino({ level: 'silent' }),
            connectionId: id,
            connector: stack.engine.connectors.get(id) as WarehouseConnector,
            trigger: 'manual',
          })
        ).runId;
      }
    }
    await initialSync(stack, options.channels, 120_000);
    for (const instance of stack.sandbox.instances.values()) instance.resetStats();

    const trace = new SkuTrace(Date.now());
    const orders = new OrderBook();
    const warehouse = new WarehouseTruth(
      stack.warehouseIds.map((id) => ({
        id,
        ledger: (stack.warehouse(id).control.truth() as { ledger: LedgerEntry[] }).ledger, // live: the sandbox appends to it
        opening: workload.skus.map((k) => ({ sku: k.sku, onHand: k.stockAt?.[id as keyof typeof k.stockAt] ?? k.initial })),
      })),
    );
    const sources = channelSources(options, stack.warehouseIds);
    const stories = new OversoldStories(orders, trace);
    const followLedger = () => stories.tell(warehouse.follow());
    const player = new WorkloadPlayer({ stack, orders, warehouse, sources, followLedger, trace });
    const sampler = new ChannelSampler({
      stack,
      sources,
      channels: options.channels,
      skus: workload.skus.map((k) => k.sku),
      policies: new Map(options.channels.map((c) => [c, bufferFor(plan, c)])),
      partitions: options.channels.some((c) => modeOf(bufferFor(plan, c)) !== 'shared'),
      orders,
      warehouse,
      followLedger,
      trace,
      lastChange: player.lastChange,
      sampleMs,
    });

    if (fleetStack && options.fleet) chaos = startChaos(fleetStack, options.fleet, options.seed, log);
    measuring = true;
    const playStarted = Date.now();
    sampler.start();
    await player.play(workload.events, (elapsedMs) =>
      log(
        `${label}: ${Math.round(elapsedMs / 1000)} s, ${orders.byEvent.size} orders placed, ${orders.pending.size} in flight, ${warehouse.oversold.size} oversold so far`,
      ),
    );
    await chaos?.endFaults(); // every engine up again before settling
    const playedMs = Date.now() - playStarted;
    const settleMs = options.settleMs ?? Math.max(20_000, 2 * (plan.pollRealMs ?? 0) + 10_000);
    const settled = await settle(stack, orders, sampler, settleMs);
    measuring = false;
    sampler.stop();
    log(`${label}: played ${round(playedMs / 1000)} s, settled ${settled ? 'yes' : 'no'} after ${round((Date.now() - playStarted - playedMs) / 1000)} s`);
    const outcome = { pushWaits, playedMs, settled, wallMs: Date.now() - started };
    await sampler.finalSample(); // a last look, after the engine settled (or gave up)
    const report = await buildReport(
      {
        stack,
        workload,
        plan,
        options,
        sampleMs,
        bootstrapRun,
        orders,
        warehouse,
        stories,
        counts: player.counts,
        warehouseCounts: player.warehouseCounts,
        sampler,
      },
      outcome,
    );
    if (chaos) report.chaos = { ...(await chaos.report(orders)), samplesWithoutOrderReads: sampler.dbReadsFailed };
    return report;
  } finally {
    await chaos?.halt();
    // The engine's stop() does not wait for a scheduled reconciliation in progress, which
    // then uses a closed pool (an unhandled rejection that ends the process): let any
    // running one finish first.
    // (Engine processes stop their own; a killed one's run stays 'running' under its lease.)
    if (stack.engine) await waitForReconciliations(stack, 120_000).catch(() => undefined);
    await stack.close();
  }
}

/** The warehouses each channel may ship from: with two, the layout's sources; with one, that one. */
function channelSources(options: RunOptions, warehouseIds: readonly string[]): Map<SimChannel, readonly string[]> {
  return new Map(options.channels.map((c) => [c, options.warehouses === 2 ? TWO_WAREHOUSE_SOURCES[c] : warehouseIds]));
}

/** The sandbox and the engine, configured for the strategy on the run's compressed clock. */
function runStackOptions(options: RunOptions, workload: Workload, plan: StrategyPlan, onPushed: (waitedMs: number) => void): StackOptions {
  const platformMinuteMs = Math.round(60_000 / options.scale);
  return {
    seed: options.seed,
    channels: [...options.channels] as ChannelPlatform[],
    skus: workload.skus.map((k) => ({ sku: k.sku, quantity: k.initial })),
    ...(options.warehouses === 2 && {
      warehouses: SIM_WAREHOUSES.map((id) => ({ id, skus: workload.skus.map((k) => ({ sku: k.sku, quantity: k.stockAt?.[id] ?? 0 })) })),
      sources: Object.fromEntries(options.channels.map((c) => [c, TWO_WAREHOUSE_SOURCES[c]])),
    }),
    faults: options.slowChannel
      ? {
          default: options.faultProfile,
          [`${options.slowChannel.channel}/${INSTANCE_NAMES[options.slowChannel.channel]}`]: {
            ...FAULT_PROFILES[options.faultProfile],
            latencyMs: { min: options.slowChannel.latencyMs, max: options.slowChannel.latencyMs },
          },
        }
      : options.faultProfile,
    timeScale: 1 / options.scale,
    layers: plan.layers,
    webhooks: plan.webhooks,
    pollInterval: `${plan.pollRealMs ?? 24 * 3_600_000}ms`,
    warehousePollInterval: `${plan.warehousePollRealMs ?? 24 * 3_600_000}ms`,
    ...(plan.reconcileCron !== null && { reconcile: plan.reconcileCron }),
    buffer: bufferYaml(plan.buffer),
    adaptive: `{ velocityWindow: ${plan.adaptive.velocityWindowMs}ms, replanInterval: ${plan.adaptive.replanIntervalMs}ms, defaultLatency: ${plan.adaptive.defaultLatencyMs}ms }`,
    ...(plan.channelBuffers && { buffers: Object.fromEntries(Object.entries(plan.channelBuffers).map(([c, b]) => [c, bufferYaml(b)])) }),
    instanceOptions: {
      // 150 requests per platform minute, and orders ship 10 platform minutes after allocation
      warehouse: { rateLimit: { limit: 150, windowMs: platformMinuteMs }, autoShipAfterMs: 600_000 },
      shopify: { restoreRate: 100 * options.scale },
    },
    connectionOptions: {
      warehouse: `rateLimit: { requests: 150, windowMs: ${Math.max(1, platformMinuteMs)} }`,
      // Amazon applies an accepted listings PATCH after its processing delay (60 platform
      // seconds in the sandbox); the engine must leave it alone at least that long.
      amazon: `asyncApplyMs: ${platformMinuteMs + 500}`,
    },
    onPushed: (_connection, waitedMs) => onPushed(waitedMs),
    logLevel: options.logLevel ?? 'silent',
  };
}

/** Waits until every order is at the warehouse and every channel shows the policy of the true ATS. */
async function settle(stack: PlatformStack, orders: OrderBook, sampler: ChannelSampler, maxMs: number): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    await sleep(250);
    if (orders.pending.size === 0 && sampler.propagation.openCount === 0 && (await countDirtyListings(stack.db)) === 0) return true;
  }
  return false;
}

async function waitForReconciliations(stack: PlatformStack, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    if ((await countReconciliations(stack.db, 'running')) === 0) return;
    await sleep(200);
  }
}

async function initialSync(stack: PlatformStack, channels: readonly SimChannel[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const targets = await listingTargets(stack.db);
    const dirty = await countDirtyListings(stack.db);
    const showing = targets.every((listing) => {
      const channel = channels.find((c) => CONNECTION_IDS[c] === listing.connectionId);
      return !channel || stack.instance(channel).control.getStock(listing.sku) === listing.target;
    });
    if (dirty === 0 && showing) return;
    if (Date.now() > deadline)
      throw new StocksyncError('TIMED_OUT', `the first sync did not finish in ${timeoutMs} ms: the engine never showed its targets on every channel`);
    await sleep(200);
  }
}
