// Samples, every sampleMs, what every channel shows against the true ATS (the 3PL's stock
// less what it owes and what is sold on its way there) and the policy of it, and integrates
// the differences: units hidden (undersell, against the true ATS) and shown beyond the
// policy (exposure), and how long each SKU took from a change until the channels showed it
// again.
import { targetFor } from '../domain/buffers.js';
import type { BufferPolicy } from '../domain/types.js';
import type { PlatformStack } from '../harness/stack.js';
import { ordersAfter } from '../store/orders.js';
import { warehouseAcknowledged } from '../store/warehouse-orders.js';
import type { OrderBook } from './order-book.js';
import type { WarehouseTruth } from './warehouse-truth.js';
import type { SkuTrace } from './sku-trace.js';
import { sleep } from './types.js';
import type { SimChannel } from './workload.js';

/** A SKU whose channels did not all show the policy of its true ATS. */
export interface Mismatch {
  sku: string;
  trueAts: number;
  ideal: Record<string, number>;
  shown: Record<string, number>;
}

/**
 * Per SKU, intervals that open when a condition starts to hold at a sample and close at
 * the first sample where it no longer does. An interval starts at the SKU's last change
 * when that came after the previous sample (the change is what made it hold), else at
 * the previous sample.
 */
export class OpenIntervals {
  /** Lengths (ms) of the intervals closed so far. */
  readonly closed: number[] = [];
  private readonly openSince = new Map<string, number>();

  update(sku: string, holds: boolean, at: { now: number; previousSample: number; lastChange: number }): void {
    const since = this.openSince.get(sku);
    if (holds && since === undefined) this.openSince.set(sku, Math.max(at.lastChange, at.previousSample));
    else if (!holds && since !== undefined) {
      this.closed.push(at.now - since);
      this.openSince.delete(sku);
    }
  }

  get openCount(): number {
    return this.openSince.size;
  }

  /** Ages at `now` of the intervals still open. */
  openAges(now: number): number[] {
    return [...this.openSince.values()].map((since) => now - since);
  }
}

export interface SamplerDeps {
  stack: PlatformStack;
  channels: readonly SimChannel[];
  skus: readonly string[];
  policies: ReadonlyMap<SimChannel, BufferPolicy>;
  /** Whether the strategy's buffers may partition a SKU (adaptive or partitioned mode). */
  partitions: boolean;
  orders: OrderBook;
  warehouse: WarehouseTruth;
  /** The warehouses each channel may ship from (one warehouse: every channel, that one). */
  sources: ReadonlyMap<SimChannel, readonly string[]>;
  /** Brings `warehouse` up to date with the 3PL's ledger (and tells what it found). */
  followLedger: () => void;
  trace: SkuTrace;
  /** SKU -> Date.now() of the workload's last change to it. */
  lastChange: ReadonlyMap<string, number>;
  sampleMs: number;
}

export class ChannelSampler {
  /**
   * Unit-ms a channel showed below the true ATS: the stock a perfect sync without any buffer
   * would show. The same yardstick for every strategy, so that a buffer's price (hold-back,
   * zero-below, a partition) counts as undersell.
   */
  undersoldUnitMs = 0;
  /** Unit-ms a channel showed below the policy of the true ATS (its own buffers allowed for). */
  undersoldVsPolicyUnitMs = 0;
  /** Unit-ms a channel showed above it: the units it could oversell. */
  overexposedUnitMs = 0;
  /** From a change until every channel shows the policy again. */
  readonly propagation = new OpenIntervals();
  /** From a change until no channel shows more than the policy. */
  readonly lowering = new OpenIntervals();
  sampleCount = 0;
  /** The SKUs that did not match at the latest sample. */
  mismatches: Mismatch[] = [];
  private lastSampleAt = 0;
  private sampling = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  /** Samples whose read of the engine's orders failed (a database restart). */
  dbReadsFailed = 0;

  constructor(private readonly deps: SamplerDeps) {}

  start(): void {
    this.lastSampleAt = Date.now();
    const loop = async () => {
      if (this.sampling) return;
      this.sampling = true;
      try {
        await this.sample();
      } finally {
        this.sampling = false;
      }
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.deps.sampleMs);
    };
    this.timer = setTimeout(() => void loop(), this.deps.sampleMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One more sample once any running one has finished (the last look of a run). */
  async finalSample(): Promise<void> {
    while (this.sampling) await sleep(10);
    await this.sample();
  }

  /**
   * One sample: which placed orders the 3PL has accepted (names and acknowledgements from
   * the engine's orders table: every quantity comes from the sandbox); then the 3PL's
   * state (its ledger, followed) and every channel's count, read in the same turn of the
   * event loop.
   */
  private async sample(): Promise<void> {
    const { stack, orders, warehouse } = this.deps;
    try {
      orders.recordEngineOrders(await ordersAfter(stack.db, orders.engineOrdersAfter()));
      const pending = orders.pendingEngineOrders();
      // The pusher records the 3PL's acknowledgement right after its answer.
      if (pending.length > 0) for (const id of await warehouseAcknowledged(stack.db, pending)) orders.arrivedAtWarehouse(id);
    } catch {
      // PostgreSQL restarting under chaos: the orders stay pending (their units in flight)
      // until a later sample reads them; the platforms' side of this sample still counts.
      this.dbReadsFailed++;
    }
    const now = Date.now();
    this.deps.followLedger();
    const shown = new Map(
      this.deps.channels.map((c) => {
        const control = stack.instance(c).control;
        return [c, new Map(this.deps.skus.map((sku) => [sku, control.getStock(sku) ?? 0]))] as const;
      }),
    );
    const { channels, sources } = this.deps;
    this.record(
      now,
      (sku) =>
        warehouse.trueAts(
          sku,
          channels.map((c) => ({ id: c, sources: sources.get(c)!, inFlight: orders.inFlightOn(c, sku) })),
        ),
      (channel, sku) => shown.get(channel)!.get(sku)!,
    );
  }

  private record(
    now: number,
    trueAtsOf: (sku: string) => { byChannel: ReadonlyMap<string, number>; pool: number },
    shownOn: (channel: SimChannel, sku: string) => number,
  ): void {
    const { channels, policies, trace } = this.deps;
    const elapsed = now - this.lastSampleAt;
    const at = { now, previousSample: this.lastSampleAt, lastChange: 0 };
    this.lastSampleAt = now;
    this.sampleCount++;
    this.mismatches = [];
    for (const sku of this.deps.skus) {
      const truth = trueAtsOf(sku);
      const trueAts = truth.pool;
      const trueAtsOn = (c: SimChannel) => truth.byChannel.get(c)!;
      const ideal = new Map(channels.map((c) => [c, targetFor(0, Math.max(0, trueAtsOn(c)), policies.get(c)!)]));
      const perChannel = channels.some((c) => trueAtsOn(c) !== trueAts);
      trace.sampled(
        sku,
        `sample: true ATS ${trueAts}, shown (policy${perChannel ? ', true ATS' : ''}) ${channels.map((c) => `${c} ${shownOn(c, sku)} (${ideal.get(c)}${perChannel ? `, ${trueAtsOn(c)}` : ''})`).join(', ')}`,
        now,
      );
      let mismatch = false;
      let over = false;
      let totalShown = 0;
      let totalIdeal = 0;
      for (const c of channels) {
        const count = shownOn(c, sku);
        totalShown += count;
        totalIdeal += ideal.get(c)!;
        const difference = count - ideal.get(c)!;
        if (difference !== 0) mismatch = true;
        if (difference > 0) {
          over = true;
          this.overexposedUnitMs += difference * elapsed;
        } else this.undersoldVsPolicyUnitMs -= difference * elapsed;
        this.undersoldUnitMs += Math.max(0, Math.max(0, trueAtsOn(c)) - count) * elapsed;
      }
      // A partitioned SKU shows the ATS split between the channels, not the policy on each:
      // it has converged when no channel shows more than its policy and the counts add up to
      // the ATS (or to the policies', when those are smaller). With several warehouses, each
      // channel's policy is of what its own warehouses can give, and the ATS is all of theirs.
      if (mismatch && !over && this.deps.partitions && totalShown >= Math.min(totalIdeal, Math.max(0, trueAts))) mismatch = false;
      if (mismatch)
        this.mismatches.push({ sku, trueAts, ideal: Object.fromEntries(ideal), shown: Object.fromEntries(channels.map((c) => [c, shownOn(c, sku)])) });
      at.lastChange = this.deps.lastChange.get(sku) ?? 0;
      this.lowering.update(sku, over, at);
      this.propagation.update(sku, mismatch, at);
    }
  }
}
