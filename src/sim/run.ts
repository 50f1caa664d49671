// One simulation run: a fresh database, the sandbox and the real engine (src/harness/stack.ts),
// the seeded workload played against the channels and the warehouse, and the
// measurements taken from the outside, with the sandbox 3PL as ground truth.
import pino from 'pino';
import { startStackOn, type ChannelPlatform, type Stack } from '../harness/stack.js';
import type { WarehouseConnector } from '../connectors/types.js';
import { reconcileConnection } from '../engine/workers/reconciler.js';
import { countDirtyListings, listingTargets } from '../store/listings.js';
import { countReconciliations } from '../store/reconciliations.js';
import { CONNECTION_IDS } from '../harness/names.js';
import { bufferYaml, planFor } from './strategies.js';
import { buildWorkload, type SimChannel } from './workload.js';
import { Simulation } from './ground-truth.js';
import { round, sleep, type RunOptions, type SimReport } from './types.js';

/** Runs one strategy on the database at `databaseUrl` (which it migrates). */
export async function runSimulation(databaseUrl: string, o: RunOptions): Promise<SimReport> {
  const workload = buildWorkload(o);
  const plan = planFor(o.strategy, o.scale);
  const log = o.onProgress ?? (() => {});
  const sampleMs = o.sampleMs ?? 100;
  const pushWaits: number[] = [];
  let measuring = false;
  const started = Date.now();
  let bootstrapRun = 0; // the opening-stock reconciliation, not drift

  const stack = await startStackOn(databaseUrl, {
    seed: o.seed,
    channels: [...o.channels] as ChannelPlatform[],
    skus: workload.skus.map((k) => ({ sku: k.sku, quantity: k.initial })),
    faults: o.faultProfile,
    timeScale: 1 / o.scale,
    layers: plan.layers,
    webhooks: plan.webhooks,
    pollInterval: `${plan.pollRealMs ?? 24 * 3_600_000}ms`,
    ...(plan.reconcileCron !== null && { reconcile: plan.reconcileCron }),
    buffer: bufferYaml(plan.buffer),
    adaptive: `{ velocityWindow: ${plan.adaptive.velocityWindowMs}ms, replanInterval: ${plan.adaptive.replanIntervalMs}ms, defaultLatency: ${plan.adaptive.defaultLatencyMs}ms }`,
    ...(plan.channelBuffers && { buffers: Object.fromEntries(Object.entries(plan.channelBuffers).map(([c, b]) => [c, bufferYaml(b)])) }),
    instanceOptions: {
      // 150 requests per platform minute, and orders ship 10 platform minutes after allocation
      warehouse: { rateLimit: { limit: 150, windowMs: Math.round(60_000 / o.scale) }, autoShipAfterMs: 600_000 },
      shopify: { restoreRate: 100 * o.scale },
    },
    connectionOptions: {
      warehouse: `rateLimit: { requests: 150, windowMs: ${Math.max(1, Math.round(60_000 / o.scale))} }`,
      // Amazon applies an accepted listings PATCH after its processing delay (60 platform
      // seconds in the sandbox); the engine must leave it alone at least that long.
      amazon: `asyncApplyMs: ${Math.round(60_000 / o.scale) + 500}`,
    },
    onPushed: (_c, ms) => {
      if (measuring) pushWaits.push(ms);
    },
    logLevel: o.logLevel ?? 'silent',
  });
  try {
    log(`${o.strategy}/${o.faultProfile}: engine up in ${Date.now() - started} ms; first sync`);
    if (!plan.layers.polling || !plan.layers.reconcile) {
      // Without polling the engine never reads the 3PL's opening stock (webhooks only carry
      // changes) and never pushes a count no warehouse reported: an operator would run
      // `stocksync reconcile` once. Do that for the warehouse before the workload starts.
      bootstrapRun = (await reconcileConnection({ db: stack.db, log: pino({ level: 'silent' }), connectionId: 'wh', connector: stack.engine.connectors.get('wh') as WarehouseConnector, trigger: 'manual' })).runId;
    }
    await initialSync(stack, o.channels, 120_000);
    for (const inst of stack.sandbox.instances.values()) inst.resetStats();
    const sim = new Simulation(stack, workload, plan, o, sampleMs, bootstrapRun);
    measuring = true;
    const t0 = Date.now();
    await sim.play(log);
    const playedMs = Date.now() - t0;
    const settleMs = o.settleMs ?? Math.max(20_000, 2 * (plan.pollRealMs ?? 0) + 10_000);
    const settled = await sim.settle(settleMs);
    measuring = false;
    sim.stop();
    log(`${o.strategy}/${o.faultProfile}: played ${round(playedMs / 1000)} s, settled ${settled ? 'yes' : 'no'} after ${round((Date.now() - t0 - playedMs) / 1000)} s`);
    return await sim.report({ pushWaits, playedMs, settled, wallMs: Date.now() - started });
  } finally {
    // The engine's stop() does not wait for a scheduled reconciliation in progress, which
    // then uses a closed pool (an unhandled rejection that ends the process): let any
    // running one finish first.
    await waitForReconciliations(stack, 120_000).catch(() => undefined);
    await stack.close();
  }
}

async function waitForReconciliations(stack: Stack, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    if ((await countReconciliations(stack.db, 'running')) === 0) return;
    await sleep(200);
  }
}

async function initialSync(stack: Stack, channels: readonly SimChannel[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const targets = await listingTargets(stack.db);
    const dirty = await countDirtyListings(stack.db);
    const showing = targets.every((listing) => {
      const channel = channels.find((c) => CONNECTION_IDS[c] === listing.connectionId);
      return !channel || stack.instance(channel).control.getStock(listing.sku) === listing.target;
    });
    if (dirty === 0 && showing) return;
    if (Date.now() > deadline) throw new Error('the first sync did not finish: the engine never showed its targets on every channel');
    await sleep(200);
  }
}
