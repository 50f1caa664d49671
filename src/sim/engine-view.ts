// What a simulation report says beside its numbers: the definitions of its measures, and
// the engine's own view (from its database) of the orders and SKUs that went wrong, so a
// report explains itself without a rerun.
import type { Stack } from '../harness/stack.js';
import type { PlacedOrder } from './ground-truth.js';
import { CONNECTION_IDS } from '../harness/names.js';
import { listingsWithStock } from '../store/listings.js';
import { findOrderState } from '../store/orders.js';
import { round, type RunOptions } from './types.js';
import type { SkuTrace } from './sku-trace.js';
import type { StrategyPlan } from './strategies.js';
import type { Workload } from './workload.js';

export interface Mismatch {
  sku: string;
  trueAts: number;
  ideal: Record<string, number>;
  shown: Record<string, number>;
}

export const DEFINITIONS = {
  oversold: 'orders the engine pushed to the 3PL that the 3PL could not allocate (status Exception), seen at any time: sampled every sampleMs, just before every receipt or return (the only other way out of Exception), and at the end; units = all units of such orders. Shrinkage is found only among units no order has taken (shrinkClampedUnits: what that left out), so every oversold unit is one a channel showed and should not have',
  undersellUnitSeconds: 'sum over channels and SKUs of max(0, policy(true ATS) - channel count), integrated over real seconds; true ATS = 3PL on_hand - committed - backordered - units sold on channels (not cancelled) that the 3PL has not received yet',
  propagationMs: 'real ms from a change of a SKU (a sale, cancellation, receipt, return or shrinkage applied by the workload) until every channel shows the policy of the true ATS again, sampled every sampleMs; a later change while one is open keeps the earlier start; changes that needed no channel update are not counted; still open at the end: counted with their age',
  apiCalls: 'sandbox requests per platform during the workload and settling (first sync excluded)',
  throttled: 'requests the sandbox answered with 429 (rate limit or injected), all platforms',
  driftCorrectedUnits: 'sum of |units| of drift rows reconciliation acted on (corrected, lowered, raised)',
};

/** The SKUs whose channels did not show their policy at the end, with the engine's targets and stock. */
export async function withTargets(db: Stack['db'], ms: readonly Mismatch[]) {
  if (ms.length === 0) return [];
  const listings = await listingsWithStock(db, ms.map((m) => m.sku));
  // `c`: the report's name for the connection since its first version.
  return ms.map((m) => ({ ...m, engine: listings.filter((l) => l.sku === m.sku).map(({ connectionId, ...l }) => ({ sku: l.sku, c: connectionId, target: l.target, pushed: l.pushed, available: l.available, claimed: l.claimed })) }));
}

/** Orders that never reached the 3PL, as the engine recorded them. */
export async function engineViewOf(db: Stack['db'], ps: readonly PlacedOrder[]) {
  const out = [];
  for (const p of ps) {
    const order = await findOrderState(db, CONNECTION_IDS[p.channel], [p.orderId, `gid://shopify/Order/${p.orderId}`]);
    // The report's names for these fields are the columns'.
    const engine = order && { id: order.id, status: order.status, warehouse_ref: order.warehouseRef, warehouse_ack_at: order.warehouseAckAt, created_at: order.createdAt };
    out.push({ channel: p.channel, orderId: p.orderId, lines: p.lines, placedMsAgo: Date.now() - p.placedAt, engine });
  }
  return out;
}

/** Oversold orders and units per channel; `exceptions` by warehouse reference (stocksync-<engine order id>). */
export function oversoldByChannel(exceptions: ReadonlyMap<string, number>, engineOrders: ReadonlyMap<number, PlacedOrder | null>): Record<string, { orders: number; units: number }> {
  const out: Record<string, { orders: number; units: number }> = {};
  for (const ref of exceptions.keys()) {
    const p = engineOrders.get(Number(ref.slice('stocksync-'.length)));
    const o = (out[p ? p.channel : 'unknown'] ??= { orders: 0, units: 0 });
    o.orders++;
    o.units += p?.units ?? 0;
  }
  return out;
}

/** What was played, on which clock, with which strategy. */
export function runContext(w: Workload, plan: StrategyPlan, o: RunOptions, playedMs: number) {
  return {
    workload: { hash: w.hash, skus: w.params.skus, channels: w.params.channels, durationSec: w.params.durationSec, orderRate: w.params.orderRate, flashIntensity: w.params.flashIntensity ?? 1, planned: w.counts },
    clock: {
      scale: o.scale,
      meaning: `${o.scale} platform seconds per real second`,
      sandboxTimeScale: 1 / o.scale,
      platformDurationSec: round((playedMs / 1000) * o.scale, 0),
      poll: plan.pollPlatformSec === null ? null : { platformSec: plan.pollPlatformSec, realMs: plan.pollRealMs },
      reconcile: plan.reconcilePlatformSec === null ? null : { platformSec: plan.reconcilePlatformSec, cron: plan.reconcileCron },
    },
    strategyPlan: { description: plan.description, layers: plan.layers, webhooksSubscribed: plan.webhooks, buffer: plan.buffer, ...(plan.channelBuffers && { channelBuffers: plan.channelBuffers }) },
  };
}

/** Each oversold order with the story of its SKUs from 20 s before the sale to 3 s after (or now). */
export function oversoldDetail(orders: readonly PlacedOrder[], trace: SkuTrace) {
  return orders.map((p) => ({
    channel: p.channel,
    orderId: p.orderId,
    lines: p.lines,
    placedAtMs: p.placedAt - trace.startedAt,
    trace: Object.fromEntries(p.lines.map((l) => [l.sku, trace.around(l.sku, p.placedAt, 20_000, 3_000)])),
  }));
}
