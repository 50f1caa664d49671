// The ground truth of a simulation, measured from the outside: orders placed on the
// channels, the sandbox 3PL's own ledger followed incrementally, and what every channel
// shows against the policy of the true available-to-sell, sampled over time.
import type { Stack } from '../harness/stack.js';
import { targetFor } from '../domain/buffers.js';
import type { BufferPolicy } from '../domain/types.js';
import { bufferFor, type StrategyPlan } from './strategies.js';
import type { SimChannel, Workload, WorkloadEvent } from './workload.js';

import { CONNECTION_IDS } from '../harness/names.js';
import { percentiles, round, sleep, type RunOptions, type SimReport } from './types.js';
import { DEFINITIONS, engineViewOf, oversoldByChannel, oversoldDetail, runContext, withTargets, type Mismatch } from './engine-view.js';
import { SkuTrace } from './sku-trace.js';
import { oversellTotals } from '../store/incidents.js';
import { countDirtyListings } from '../store/listings.js';
import { orderTotals, ordersAfter } from '../store/orders.js';
import { countReconciliations, driftTotals } from '../store/reconciliations.js';
import { warehouseAcknowledged } from '../store/warehouse-orders.js';

interface LedgerEntry {
  sku: string;
  onHandDelta: number;
  committedDelta: number;
  reason: string;
  ref?: string;
}

interface WarehouseTruth {
  ledger: LedgerEntry[];
  inventory: { sku: string; on_hand: number; committed: number; fulfillable: number; backordered: number }[];
  orders: { id: number; reference_id: string; status: string; lines: { sku: string; quantity: number }[] }[];
}

export interface PlacedOrder {
  event: number;
  channel: SimChannel;
  orderId: string;
  lines: { sku: string; quantity: number }[];
  units: number;
  placedAt: number;
  cancelled: boolean;
  atWarehouse: boolean;
}

export class Simulation {
  private readonly placed = new Map<number, PlacedOrder>(); // by workload event id
  private readonly byKey = new Map<string, PlacedOrder>(); // `${connection}:${platform order id}`
  private readonly pending = new Set<PlacedOrder>(); // accepted, not cancelled, not yet at the warehouse
  private readonly inFlight = new Map<string, number>(); // units of `pending` per SKU
  private readonly engineOrders = new Map<number, PlacedOrder | null>(); // engine order id -> ours
  private lastEngineOrder = 0;
  private readonly exceptions = new Map<string, number>(); // warehouse reference -> units, ever seen in Exception
  private readonly oversold: ReturnType<typeof oversoldDetail> = [];
  private readonly trace = new SkuTrace(Date.now());
  // The 3PL's own ledger (a live array: every on-hand or allocation change), followed
  // incrementally so that a sample costs the same at the end of the run as at the start.
  private ledger: LedgerEntry[] = [];
  private ledgerAt = 0;
  private readonly onHand = new Map<string, number>();
  private readonly committed = new Map<string, number>();
  private readonly allocated = new Set<string>(); // references the 3PL allocated (at once or later)
  private readonly waiting = new Map<string, PlacedOrder>(); // at the 3PL, not allocated: Exception
  private readonly refOf = new Map<PlacedOrder, string>();
  private readonly lastChange = new Map<string, number>();
  private readonly since = new Map<string, number>(); // SKU -> when its unresolved change began
  private readonly propagation: number[] = [];
  private readonly overSince = new Map<string, number>(); // SKU -> since when a channel shows more than the policy allows
  private readonly lowering: number[] = [];
  private hidden = 0; // unit-ms
  private exposed = 0; // unit-ms shown beyond the policy of the true ATS
  private lastSample = 0;
  private samples = 0;
  private sampling = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly policies: Map<SimChannel, BufferPolicy>;
  private readonly c = { attempted: 0, refused: 0, cancelled: 0, cancelRefused: 0, cancelledAfterWarehouse: 0, shrunkUnits: 0, shrinkSkipped: 0, shrinkClampedUnits: 0, receivedUnits: 0, returnedUnits: 0, flashPlaced: 0, unmatchedWarehouseOrders: 0 };

  constructor(
    private readonly stack: Stack,
    private readonly workload: Workload,
    private readonly plan: StrategyPlan,
    private readonly o: RunOptions,
    private readonly sampleMs: number,
    private readonly bootstrapRun: number,
  ) {
    this.policies = new Map(o.channels.map((c) => [c, bufferFor(plan, c)]));
    this.ledger = this.truth().ledger;
    for (const k of workload.skus) this.onHand.set(k.sku, k.initial);
    this.followLedger();
  }

  /** Applies the 3PL ledger entries written since the last call; returns references allocated by them. */
  private followLedger(): string[] {
    const allocatedNow: string[] = [];
    for (; this.ledgerAt < this.ledger.length; this.ledgerAt++) {
      const e = this.ledger[this.ledgerAt]!;
      this.onHand.set(e.sku, (this.onHand.get(e.sku) ?? 0) + e.onHandDelta);
      this.committed.set(e.sku, (this.committed.get(e.sku) ?? 0) + e.committedDelta);
      if (e.ref === undefined) continue;
      if (e.reason === 'allocate') {
        this.allocated.add(e.ref);
        allocatedNow.push(e.ref);
      } else if (e.reason === 'deallocate') this.allocated.delete(e.ref);
    }
    return allocatedNow;
  }

  private backordered(sku: string): number {
    let n = 0;
    for (const p of this.waiting.values()) for (const l of p.lines) if (l.sku === sku) n += l.quantity;
    return n;
  }

  private wh() {
    return this.stack.instance('warehouse').control;
  }

  private truth(): WarehouseTruth {
    return this.wh().truth() as WarehouseTruth;
  }

  /** Plays every event at its time (late ticks catch up), sampling all the while. */
  async play(log: (l: string) => void): Promise<void> {
    this.startSampler();
    const events = this.workload.events;
    const t0 = performance.now();
    let next = 0;
    let lastLog = 0;
    while (next < events.length) {
      const now = performance.now() - t0;
      while (next < events.length && events[next]!.t <= now) this.apply(events[next++]!);
      if (now - lastLog > 15_000) {
        lastLog = now;
        log(`${this.o.strategy}/${this.o.faultProfile}: ${Math.round(now / 1000)} s, ${this.placed.size} orders placed, ${this.pending.size} in flight, ${this.exceptions.size} oversold so far`);
      }
      const wait = next < events.length ? Math.min(20, Math.max(0, events[next]!.t - (performance.now() - t0))) : 0;
      await sleep(wait);
    }
  }

  /** Waits until every order is at the warehouse and every channel shows the policy of the true ATS. */
  async settle(maxMs: number): Promise<boolean> {
    const deadline = Date.now() + maxMs;
    while (Date.now() < deadline) {
      await sleep(250);
      if (this.pending.size === 0 && this.since.size === 0) {
        if ((await countDirtyListings(this.stack.db)) === 0) return true;
      }
    }
    return false;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private apply(e: WorkloadEvent): void {
    const now = Date.now();
    switch (e.kind) {
      case 'order': {
        this.c.attempted++;
        const ctl = this.stack.instance(e.channel).control;
        const saw = e.lines.map((l) => ctl.getStock(l.sku) ?? 0);
        const r = ctl.shopperOrder(e.lines);
        e.lines.forEach((l, i) => this.trace.add(l.sku, `${r.ok ? 'sold' : 'refused'} ${l.quantity} on ${e.channel} (it showed ${saw[i]})${e.flash ? ' flash' : ''} order ${r.ok ? r.orderId : '-'}`, now));
        if (!r.ok) {
          this.c.refused++;
          return;
        }
        const units = e.lines.reduce((s, l) => s + l.quantity, 0);
        const p: PlacedOrder = { event: e.id, channel: e.channel, orderId: r.orderId, lines: e.lines, units, placedAt: now, cancelled: false, atWarehouse: false };
        this.placed.set(e.id, p);
        this.byKey.set(`${CONNECTION_IDS[e.channel]}:${normaliseId(r.orderId)}`, p);
        this.pending.add(p);
        this.addInFlight(p, +1);
        if (e.flash) this.c.flashPlaced++;
        for (const l of e.lines) this.lastChange.set(l.sku, now);
        return;
      }
      case 'cancel': {
        const p = this.placed.get(e.order);
        if (!p || p.cancelled) return;
        const inst = this.stack.instance(p.channel).control;
        if (!inst.cancelOrder?.(p.orderId)) {
          this.c.cancelRefused++;
          return;
        }
        p.cancelled = true;
        this.c.cancelled++;
        for (const l of p.lines) this.trace.add(l.sku, `cancelled ${l.quantity} on ${p.channel} order ${p.orderId}`, now);
        if (this.pending.delete(p)) this.addInFlight(p, -1);
        else this.c.cancelledAfterWarehouse++;
        for (const l of p.lines) this.lastChange.set(l.sku, now);
        return;
      }
      case 'shrink': {
        // Shrinkage is found among the units no order has taken: neither allocated at the
        // 3PL nor sold on a channel on its way there. A unit a shopper already bought that
        // then goes missing is a loss no sync can prevent; left in, it would count as an
        // oversell of the engine (seed 42 lost 3 sold units 5 ms after the sale this way).
        this.followLedger();
        const free = (this.onHand.get(e.sku) ?? 0) - (this.committed.get(e.sku) ?? 0) - this.backordered(e.sku) - (this.inFlight.get(e.sku) ?? 0);
        const q = Math.min(e.quantity, Math.max(0, free));
        this.c.shrinkClampedUnits += e.quantity - Math.max(0, q);
        if (q <= 0) {
          this.c.shrinkSkipped++;
          return;
        }
        this.wh().adjust!(e.sku, -q, 'shrinkage found in a cycle count');
        this.trace.add(e.sku, `warehouse shrinkage -${q}`, now);
        this.c.shrunkUnits += q;
        this.lastChange.set(e.sku, now);
        return;
      }
      case 'receive':
      case 'return': {
        // Stock arriving allocates orders waiting in Exception: whatever the call allocates
        // was waiting, i.e. oversold, even if no sample saw it waiting.
        this.followLedger();
        if (e.kind === 'receive') {
          this.wh().receive!(e.sku, e.quantity, `sim-receipt-${Math.round(e.t)}`);
          this.c.receivedUnits += e.quantity;
        } else {
          this.wh().returnStock!(e.sku, e.quantity);
          this.c.returnedUnits += e.quantity;
        }
        this.trace.add(e.sku, `warehouse ${e.kind} +${e.quantity}`, now);
        for (const ref of this.followLedger()) this.markOversold(ref);
        this.lastChange.set(e.sku, now);
        return;
      }
    }
  }

  private addInFlight(p: PlacedOrder, sign: 1 | -1): void {
    for (const l of p.lines) this.inFlight.set(l.sku, (this.inFlight.get(l.sku) ?? 0) + sign * l.quantity);
  }

  private markOversold(ref: string): void {
    if (this.exceptions.has(ref)) return;
    const m = /^stocksync-(\d+)$/.exec(ref);
    const p = m ? this.engineOrders.get(Number(m[1])) : undefined;
    this.exceptions.set(ref, p ? p.units : 0);
    if (p) {
      for (const l of p.lines) this.trace.add(l.sku, `warehouse could not allocate ${ref} (order ${p.orderId} on ${p.channel})`);
      // The story now: a busy SKU's trace keeps only its latest lines.
      if (this.oversold.length < 20) this.oversold.push(...oversoldDetail([p], this.trace));
      this.waiting.delete(ref);
    }
  }

  private startSampler(): void {
    this.lastSample = Date.now();
    const loop = async () => {
      if (this.sampling) return;
      this.sampling = true;
      try {
        await this.sample();
      } finally {
        this.sampling = false;
      }
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.sampleMs);
    };
    this.timer = setTimeout(() => void loop(), this.sampleMs);
  }

  /**
   * One sample: the 3PL's state (its ledger, followed) and every channel's count, read in
   * the same turn of the event loop; then, from the engine's orders table, which placed
   * orders the 3PL has acknowledged (names and acknowledgements only: every quantity
   * comes from the sandbox).
   */
  private async sample(): Promise<void> {
    // Ids are drawn before commit, so a lower id can become visible after a higher one:
    // look back over a window of ids rather than strictly after the last one seen.
    const rows = await ordersAfter(this.stack.db, Math.max(0, this.lastEngineOrder - 2_000));
    for (const r of rows) {
      if (this.engineOrders.has(r.id)) continue;
      const p = this.byKey.get(`${r.connectionId}:${normaliseId(r.externalId)}`) ?? null;
      this.engineOrders.set(r.id, p);
      if (p) this.refOf.set(p, `stocksync-${r.id}`);
      else this.c.unmatchedWarehouseOrders++;
      this.lastEngineOrder = Math.max(this.lastEngineOrder, r.id);
    }
    // Orders the 3PL acknowledged (the pusher records it right after the 3PL's answer).
    const waitingIds = [...this.pending].flatMap((p) => {
      const ref = this.refOf.get(p);
      return ref ? [Number(ref.slice('stocksync-'.length))] : [];
    });
    if (waitingIds.length > 0) {
      const acked = await warehouseAcknowledged(this.stack.db, waitingIds);
      this.followLedger();
      for (const id of acked) {
        const p = this.engineOrders.get(id);
        if (!p || p.atWarehouse) continue;
        p.atWarehouse = true;
        if (this.pending.delete(p)) this.addInFlight(p, -1);
        const ref = `stocksync-${id}`;
        // Allocation happens inside the 3PL's answer: acknowledged and not allocated = Exception.
        if (!this.allocated.has(ref)) {
          this.waiting.set(ref, p);
          this.markOversold(ref);
          this.waiting.set(ref, p);
        }
      }
    }
    for (const ref of [...this.waiting.keys()]) if (this.allocated.has(ref)) this.waiting.delete(ref);
    const now = Date.now();
    this.followLedger();
    const shown = new Map<SimChannel, Map<string, number>>();
    for (const c of this.o.channels) {
      const ctl = this.stack.instance(c).control;
      shown.set(c, new Map(this.workload.skus.map((k) => [k.sku, ctl.getStock(k.sku) ?? 0])));
    }
    const inFlight = new Map(this.inFlight);
    const backordered = new Map<string, number>();
    for (const p of this.waiting.values()) for (const l of p.lines) backordered.set(l.sku, (backordered.get(l.sku) ?? 0) + l.quantity);
    const onHand = new Map(this.onHand);
    const committed = new Map(this.committed);

    const dt = now - this.lastSample;
    const prev = this.lastSample;
    this.lastSample = now;
    this.samples++;
    this.lastMismatches = [];
    for (const { sku } of this.workload.skus) {
      const item = { sku };
      const ats = (onHand.get(sku) ?? 0) - (committed.get(sku) ?? 0) - (backordered.get(sku) ?? 0) - (inFlight.get(sku) ?? 0);
      const ideals = new Map(this.o.channels.map((c) => [c, targetFor(0, Math.max(0, ats), this.policies.get(c)!)]));
      this.trace.sampled(sku, `sample: true ATS ${ats}, shown (policy) ${this.o.channels.map((c) => `${c} ${shown.get(c)!.get(sku) ?? 0} (${ideals.get(c)})`).join(', ')}`, now);
      let mismatch = false;
      let over = false;
      for (const c of this.o.channels) {
        const s = shown.get(c)!.get(item.sku) ?? 0;
        const ideal = ideals.get(c)!;
        if (s !== ideal) mismatch = true;
        if (s > ideal) over = true;
        if (s < ideal) this.hidden += (ideal - s) * dt;
        else if (s > ideal) this.exposed += (s - ideal) * dt;
      }
      if (mismatch) this.lastMismatches.push({ sku: item.sku, trueAts: ats, ideal: Object.fromEntries(ideals), shown: Object.fromEntries(this.o.channels.map((c) => [c, shown.get(c)!.get(item.sku) ?? 0])) });
      const overOpen = this.overSince.get(item.sku);
      if (over && overOpen === undefined) {
        const changed = this.lastChange.get(item.sku) ?? 0;
        this.overSince.set(item.sku, changed > prev ? changed : prev);
      } else if (!over && overOpen !== undefined) {
        this.lowering.push(now - overOpen);
        this.overSince.delete(item.sku);
      }
      const open = this.since.get(item.sku);
      if (mismatch && open === undefined) {
        const changed = this.lastChange.get(item.sku) ?? 0;
        this.since.set(item.sku, changed > prev ? changed : prev);
      } else if (!mismatch && open !== undefined) {
        this.propagation.push(now - open);
        this.since.delete(item.sku);
      }
    }
  }
  private lastMismatches: Mismatch[] = [];

  async report(x: { pushWaits: number[]; playedMs: number; settled: boolean; wallMs: number }): Promise<SimReport> {
    // a last look, after the engine settled (or gave up)
    while (this.sampling) await sleep(10);
    await this.sample();
    const end = Date.now();
    const unresolved = [...this.since.values()].map((t) => end - t);
    const truth = this.truth();
    const oursAtWarehouse = truth.orders.filter((o) => o.reference_id.startsWith('stocksync-'));
    const stuck = oursAtWarehouse.filter((o) => o.status === 'Exception');
    const units = (os: { lines: { quantity: number }[] }[]) => os.reduce((s, o) => s + o.lines.reduce((u, l) => u + l.quantity, 0), 0);
    const stats = new Map([...this.stack.sandbox.instances.values()].map((i) => [i.platform, i.stats()]));
    const apiCalls = Object.fromEntries([...stats].map(([p, s]) => [p, Object.values(s.calls).reduce((a, b) => a + b, 0)]));
    const throttledBy = Object.fromEntries([...stats].map(([p, s]) => [p, s.throttled]));
    const errorsBy = Object.fromEntries([...stats].map(([p, s]) => [p, s.errors]));
    const db = this.stack.db;
    const drift = await driftTotals(db, this.bootstrapRun);
    const recons = await countReconciliations(db, 'done');
    const oversells = await oversellTotals(db);
    const engineOrders = await orderTotals(db);
    const placed = [...this.placed.values()];
    const lost = placed.filter((p) => !p.cancelled && !p.atWarehouse);
    const oversoldUnits = [...this.exceptions.values()].reduce((a, b) => a + b, 0);
    const propagation = [...this.propagation, ...unresolved];
    return {
      strategy: this.o.strategy,
      seed: this.o.seed,
      faultProfile: this.o.faultProfile,
      orders: placed.length,
      oversoldOrders: this.exceptions.size,
      oversoldUnits,
      undersellUnitSeconds: round(this.hidden / 1000),
      propagationMs: percentiles(propagation),
      apiCalls,
      throttled: Object.values(throttledBy).reduce((a, b) => a + b, 0),
      driftCorrectedUnits: drift.actedUnits,
      // ---- beyond the documented fields ----
      definitions: DEFINITIONS,
      ...runContext(this.workload, this.plan, this.o, x.playedMs),
      attempted: this.c.attempted,
      refused: this.c.refused,
      unitsSold: placed.reduce((s, p) => s + p.units, 0),
      flashOrders: this.c.flashPlaced,
      cancelled: this.c.cancelled,
      cancelledAfterWarehouse: this.c.cancelledAfterWarehouse,
      receivedUnits: this.c.receivedUnits,
      returnedUnits: this.c.returnedUnits,
      shrunkUnits: this.c.shrunkUnits,
      shrinkClampedUnits: this.c.shrinkClampedUnits,
      stuckInExceptionAtEnd: { orders: stuck.length, units: units(stuck) },
      oversoldByChannel: oversoldByChannel(this.exceptions, this.engineOrders),
      lostOrders: lost.length,
      lostUnits: lost.reduce((s, p) => s + p.units, 0),
      lostOrdersDetail: await engineViewOf(this.stack.db, lost.slice(0, 10)),
      oversoldDetail: this.oversold,
      unmatchedWarehouseOrders: this.c.unmatchedWarehouseOrders,
      engineOrders: engineOrders.orders,
      engineCancelledOrders: engineOrders.cancelled,
      engineOversellIncidents: { n: oversells.incidents, units: oversells.unitsShort },
      overexposedUnitSeconds: round(this.exposed / 1000),
      loweringMs: { ...percentiles([...this.lowering, ...[...this.overSince.values()].map((t) => end - t)]), count: this.lowering.length, meaning: 'real ms from a change until no channel shows MORE than the policy of the true ATS (the window in which a channel can oversell)' },
      undersellUnitPlatformSeconds: round((this.hidden / 1000) * this.o.scale, 0),
      propagationSamples: this.propagation.length,
      propagationUnresolvedAtEnd: unresolved.length,
      pushWaitMs: { ...percentiles(x.pushWaits), count: x.pushWaits.length, meaning: "engine's onPushed hook: target changed -> push call issued, per listing" },
      throttledByPlatform: throttledBy,
      errorsByPlatform: errorsBy,
      reconciliations: recons,
      driftRows: drift.actedRows,
      raisesDeferred: drift.raisesDeferred,
      samples: this.samples,
      sampleMs: this.sampleMs,
      settled: x.settled,
      mismatchesAtEnd: await withTargets(this.stack.db, this.lastMismatches.slice(0, 20)),
      wallSeconds: round(x.wallMs / 1000),
    };
  }
}

/** Shopify answers order GIDs in the engine and bare keys to shoppers. */
function normaliseId(id: string): string {
  return id.replace(/^gid:\/\/shopify\/Order\//, '');
}
