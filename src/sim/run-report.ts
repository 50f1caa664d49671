// The report of one run, built at its end: the documented measures first, then what
// explains them (the definitions, the run's context, the counts of what was played,
// the oversold orders' stories and the engine's view of what went wrong).
import type { PlatformStack } from '../harness/stack.js';
import { oversellTotals } from '../store/incidents.js';
import { orderTotals } from '../store/orders.js';
import { countReconciliations, driftTotals } from '../store/reconciliations.js';
import { engineViewOf, withTargets } from './report-diagnostics.js';
import type { OrderBook } from './order-book.js';
import type { WarehouseTruth } from './warehouse-truth.js';
import { warehouseFigures } from './warehouse-report.js';
import { TWO_WAREHOUSE_SOURCES } from './warehouse-layout.js';
import type { OversoldStories } from './oversold-stories.js';
import type { PlayCounts, WarehouseCounts } from './player.js';
import type { ChannelSampler } from './sampler.js';
import type { StrategyPlan } from './strategies.js';
import { percentiles, round, type RunOptions, type SimReport } from './types.js';
import type { Workload } from './workload.js';

export const DEFINITIONS = {
  oversold:
    "orders the engine pushed to the 3PL that the 3PL could not allocate (status Exception), at any time and however briefly: the 3PL's ledger records every order that starts waiting in Exception (created short, or deallocated by shrinkage), followed at every sample and at the end (with several 3PLs, each one's own ledger: an order short at its warehouse is oversold whatever the others hold); units = all units of such orders. With several 3PLs an order the engine routed across warehouses but sent whole to one, which waits there only for the part routed to another (the warehouse had free every unit routed to it), is counted as misrouted (misroutedOrders/Units), not oversold: that is the whole-order push, not a channel selling what its warehouses lacked. Shrinkage is found only among units no order has taken (shrinkClampedUnits: what that left out), so every oversold unit is one a channel showed and should not have",
  undersellUnitSeconds:
    "sum over channels and SKUs of max(0, true ATS - channel count), integrated over real seconds: what a perfect sync without any buffer would show, the same yardstick for every strategy (a hold-back, zero-below or partition counts); true ATS = 3PL on_hand - committed - backordered - units sold on channels (not cancelled) that the 3PL has not received yet; with several 3PLs, per channel: what the 3PLs it may ship from could still give it once every unit in flight is served (a max flow over the channels' sources), an oversold 3PL counting 0. undersellVsPolicyUnitSeconds: the same against the strategy's own policy of the true ATS",
  propagationMs:
    'real ms from a change of a SKU (a sale, cancellation, receipt, return or shrinkage applied by the workload) until every channel shows the policy of the true ATS again (for a partitioned SKU: no channel above its policy and the counts adding up to the true ATS), sampled every sampleMs; a later change while one is open keeps the earlier start; changes that needed no channel update are not counted; still open at the end: counted with their age',
  refused: 'shoppers a channel turned away because it showed fewer units than they asked for: the price of a buffer, and of a slow raise',
  apiCalls: 'sandbox requests per platform during the workload and settling (first sync excluded)',
  throttled: 'requests the sandbox answered with 429 (rate limit or injected), all platforms',
  driftCorrectedUnits: 'sum of |units| of drift rows reconciliation acted on (corrected, lowered, raised)',
};

export interface RunParts {
  stack: PlatformStack;
  workload: Workload;
  plan: StrategyPlan;
  options: RunOptions;
  sampleMs: number;
  /** The opening-stock reconciliation run (0: none), which is not drift. */
  bootstrapRun: number;
  orders: OrderBook;
  warehouse: WarehouseTruth;
  stories: OversoldStories;
  counts: PlayCounts;
  warehouseCounts: Readonly<Record<string, WarehouseCounts>>;
  sampler: ChannelSampler;
}

export interface RunOutcome {
  pushWaits: number[];
  playedMs: number;
  settled: boolean;
  wallMs: number;
}

interface WarehouseOrderTruth {
  reference_id: string;
  status: string;
  lines: { quantity: number }[];
}

/** The report, from the parts of a run whose sampler has taken its last sample. */
export async function buildReport(run: RunParts, outcome: RunOutcome): Promise<SimReport> {
  const { stack, orders, sampler, counts } = run;
  const end = Date.now();
  const unresolved = sampler.propagation.openAges(end);
  const warehouseOrders = stack.warehouseIds.flatMap((id) => (stack.warehouse(id).control.truth() as { orders: WarehouseOrderTruth[] }).orders);
  const stuck = warehouseOrders.filter((o) => o.reference_id.startsWith('stocksync-') && o.status === 'Exception');
  const stats = new Map([...stack.sandbox.instances.values()].map((i) => [i.platform, i.stats()]));
  const apiCalls = Object.fromEntries([...stats].map(([platform, s]) => [platform, Object.values(s.calls).reduce((a, b) => a + b, 0)]));
  const throttledBy = Object.fromEntries([...stats].map(([platform, s]) => [platform, s.throttled]));
  const errorsBy = Object.fromEntries([...stats].map(([platform, s]) => [platform, s.errors]));
  const drift = await driftTotals(stack.db, run.bootstrapRun);
  const reconciliations = await countReconciliations(stack.db, 'done');
  const oversells = await oversellTotals(stack.db);
  const engineOrders = await orderTotals(stack.db);
  const placed = [...orders.byEvent.values()];
  const lost = placed.filter((o) => !o.cancelled && !o.atWarehouse);
  const warehouses = stack.warehouseIds.length > 1 ? await warehouseFigures(stack, run.warehouse, run.warehouseCounts) : undefined;
  const everyException = run.warehouse.oversold;
  const oversold = new Map([...everyException].filter(([ref]) => !warehouses?.misrouted.has(ref)));
  const misrouted = [...everyException].filter(([ref]) => warehouses?.misrouted.has(ref));
  return {
    strategy: run.options.strategy,
    seed: run.options.seed,
    faultProfile: run.options.faultProfile,
    orders: placed.length,
    oversoldOrders: oversold.size,
    oversoldUnits: sum(oversold.values()),
    undersellUnitSeconds: round(sampler.undersoldUnitMs / 1000),
    propagationMs: percentiles([...sampler.propagation.closed, ...unresolved]),
    apiCalls,
    throttled: sum(Object.values(throttledBy)),
    driftCorrectedUnits: drift.actedUnits,
    // ---- beyond the documented fields ----
    definitions: DEFINITIONS,
    ...runContext(run.workload, run.plan, run.options, outcome.playedMs),
    attempted: counts.attempted,
    refused: counts.refused,
    unitsSold: sum(placed.map((o) => o.units)),
    flashOrders: counts.flashPlaced,
    cancelled: counts.cancelled,
    cancelledAfterWarehouse: counts.cancelledAfterWarehouse,
    receivedUnits: counts.receivedUnits,
    returnedUnits: counts.returnedUnits,
    shrunkUnits: counts.shrunkUnits,
    shrinkClampedUnits: counts.shrinkClampedUnits,
    stuckInExceptionAtEnd: { orders: stuck.length, units: sum(stuck.flatMap((o) => o.lines.map((l) => l.quantity))) },
    oversoldByChannel: oversoldByChannel(oversold, orders),
    ...(warehouses && {
      misroutedOrders: misrouted.length,
      misroutedUnits: sum(misrouted.map(([, units]) => units)),
      misroutedByChannel: oversoldByChannel(new Map(misrouted), orders),
      warehouses: { byWarehouse: warehouses.byWarehouse, splitOrders: warehouses.splitOrders },
    }),
    lostOrders: lost.length,
    lostUnits: sum(lost.map((o) => o.units)),
    lostOrdersDetail: await engineViewOf(stack.db, lost.slice(0, 10)),
    oversoldDetail: run.stories.stories,
    unmatchedWarehouseOrders: orders.unmatchedEngineOrders,
    engineOrders: engineOrders.orders,
    engineCancelledOrders: engineOrders.cancelled,
    engineOversellIncidents: { n: oversells.incidents, units: oversells.unitsShort },
    overexposedUnitSeconds: round(sampler.overexposedUnitMs / 1000),
    loweringMs: {
      ...percentiles([...sampler.lowering.closed, ...sampler.lowering.openAges(end)]),
      count: sampler.lowering.closed.length,
      meaning: 'real ms from a change until no channel shows MORE than the policy of the true ATS (the window in which a channel can oversell)',
    },
    undersellVsPolicyUnitSeconds: round(sampler.undersoldVsPolicyUnitMs / 1000),
    undersellUnitPlatformSeconds: round((sampler.undersoldUnitMs / 1000) * run.options.scale, 0),
    propagationSamples: sampler.propagation.closed.length,
    propagationUnresolvedAtEnd: unresolved.length,
    pushWaitMs: {
      ...percentiles(outcome.pushWaits),
      count: outcome.pushWaits.length,
      meaning: "engine's onPushed hook: target changed -> push call issued, per listing",
    },
    throttledByPlatform: throttledBy,
    errorsByPlatform: errorsBy,
    reconciliations,
    driftRows: drift.actedRows,
    raisesDeferred: drift.raisesDeferred,
    samples: sampler.sampleCount,
    sampleMs: run.sampleMs,
    settled: outcome.settled,
    mismatchesAtEnd: await withTargets(stack.db, sampler.mismatches.slice(0, 20)),
    wallSeconds: round(outcome.wallMs / 1000),
  };
}

/** What was played, on which clock, with which strategy. */
function runContext(workload: Workload, plan: StrategyPlan, options: RunOptions, playedMs: number) {
  return {
    workload: {
      hash: workload.hash,
      skus: workload.params.skus,
      channels: workload.params.channels,
      durationSec: workload.params.durationSec,
      orderRate: workload.params.orderRate,
      flashIntensity: workload.params.flashIntensity ?? 1,
      ...(workload.params.warehouses === 2 && { warehouses: 2, sources: TWO_WAREHOUSE_SOURCES }),
      planned: workload.counts,
    },
    clock: {
      scale: options.scale,
      meaning: `${options.scale} platform seconds per real second`,
      sandboxTimeScale: 1 / options.scale,
      platformDurationSec: round((playedMs / 1000) * options.scale, 0),
      poll: plan.pollPlatformSec === null ? null : { platformSec: plan.pollPlatformSec, realMs: plan.pollRealMs },
      warehousePoll: plan.warehousePollPlatformSec === null ? null : { platformSec: plan.warehousePollPlatformSec, realMs: plan.warehousePollRealMs },
      reconcile: plan.reconcilePlatformSec === null ? null : { platformSec: plan.reconcilePlatformSec, cron: plan.reconcileCron },
    },
    strategyPlan: {
      description: plan.description,
      layers: plan.layers,
      webhooksSubscribed: plan.webhooks,
      buffer: plan.buffer,
      ...(plan.channelBuffers && { channelBuffers: plan.channelBuffers }),
    },
  };
}

/** Oversold orders and units per channel ("unknown": an order the book cannot name). */
function oversoldByChannel(oversold: ReadonlyMap<string, number>, orders: OrderBook): Record<string, { orders: number; units: number }> {
  const byChannel: Record<string, { orders: number; units: number }> = {};
  for (const reference of oversold.keys()) {
    const order = orders.ofReference(reference);
    const tally = (byChannel[order ? order.channel : 'unknown'] ??= { orders: 0, units: 0 });
    tally.orders++;
    tally.units += order?.units ?? 0;
  }
  return byChannel;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
