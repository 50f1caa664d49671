// Plays the workload against the sandbox, each event at its time: shoppers' orders and
// cancellations on the channels; shrinkage, receipts and returns at the 3PL. What it did
// goes into the order book, the SKUs' traces and its counts; when it last changed each
// SKU is where the sampler starts a propagation interval.
import type { WarehouseControl } from '../../sandbox/warehouse/index.js';
import type { PlatformStack } from '../harness/stack.js';
import type { OrderBook, PlacedOrder } from './order-book.js';
import type { WarehouseTruth } from './warehouse-truth.js';
import type { SkuTrace } from './sku-trace.js';
import { sleep } from './types.js';
import type { SimChannel, WorkloadEvent } from './workload.js';

export interface PlayCounts {
  attempted: number;
  refused: number;
  cancelled: number;
  cancelRefused: number;
  cancelledAfterWarehouse: number;
  flashPlaced: number;
  shrunkUnits: number;
  shrinkSkipped: number;
  /** Shrinkage the workload asked for that would have taken units an order holds. */
  shrinkClampedUnits: number;
  receivedUnits: number;
  returnedUnits: number;
}

export interface WarehouseCounts {
  receivedUnits: number;
  returnedUnits: number;
  shrunkUnits: number;
}

export interface PlayerDeps {
  stack: PlatformStack;
  orders: OrderBook;
  /** Read only: the player changes the 3PLs through the sandbox. */
  warehouse: WarehouseTruth;
  /** The warehouses each channel may ship from. */
  sources: ReadonlyMap<SimChannel, readonly string[]>;
  /** Brings `warehouse` up to date with the 3PL's ledger (and tells what it found). */
  followLedger: () => void;
  trace: SkuTrace;
}

/** Real ms between progress calls while playing. */
const PROGRESS_EVERY_MS = 15_000;

export class WorkloadPlayer {
  readonly counts: PlayCounts = {
    attempted: 0,
    refused: 0,
    cancelled: 0,
    cancelRefused: 0,
    cancelledAfterWarehouse: 0,
    flashPlaced: 0,
    shrunkUnits: 0,
    shrinkSkipped: 0,
    shrinkClampedUnits: 0,
    receivedUnits: 0,
    returnedUnits: 0,
  };
  /** SKU -> Date.now() of the workload's last change to it. */
  readonly lastChange = new Map<string, number>();
  /** Warehouse id -> the units the workload moved there. */
  readonly warehouseCounts: Record<string, WarehouseCounts> = {};

  constructor(private readonly deps: PlayerDeps) {}

  /** Plays every event at its time (late ticks catch up); `progress` every 15 s with the real ms played. */
  async play(events: readonly WorkloadEvent[], progress: (elapsedMs: number) => void): Promise<void> {
    const started = performance.now();
    let next = 0;
    let lastProgress = 0;
    while (next < events.length) {
      const elapsed = performance.now() - started;
      while (next < events.length && events[next]!.t <= elapsed) this.apply(events[next++]!);
      if (elapsed - lastProgress > PROGRESS_EVERY_MS) {
        lastProgress = elapsed;
        progress(elapsed);
      }
      const wait = next < events.length ? Math.min(20, Math.max(0, events[next]!.t - (performance.now() - started))) : 0;
      await sleep(wait);
    }
  }

  private apply(event: WorkloadEvent): void {
    const now = Date.now();
    switch (event.kind) {
      case 'order':
        return this.order(event, now);
      case 'cancel':
        return this.cancel(event.order, now);
      case 'shrink':
        return this.shrink(event.sku, event.quantity, event.warehouse ?? this.deps.stack.warehouseIds[0]!, now);
      case 'receive':
      case 'return':
        return this.arrive(event, now);
    }
  }

  private order(event: Extract<WorkloadEvent, { kind: 'order' }>, now: number): void {
    const { orders, trace } = this.deps;
    this.counts.attempted++;
    const channel = this.deps.stack.instance(event.channel).control;
    const shown = event.lines.map((l) => channel.getStock(l.sku) ?? 0);
    const result = channel.shopperOrder(event.lines);
    event.lines.forEach((l, i) =>
      trace.add(
        l.sku,
        `${result.ok ? 'sold' : 'refused'} ${l.quantity} on ${event.channel} (it showed ${shown[i]})${event.flash ? ' flash' : ''} order ${result.ok ? result.orderId : '-'}`,
        now,
      ),
    );
    if (!result.ok) {
      this.counts.refused++;
      return;
    }
    const units = event.lines.reduce((sum, l) => sum + l.quantity, 0);
    const order: PlacedOrder = {
      event: event.id,
      channel: event.channel,
      orderId: result.orderId,
      lines: event.lines,
      units,
      placedAt: now,
      cancelled: false,
      atWarehouse: false,
    };
    orders.place(order);
    if (event.flash) this.counts.flashPlaced++;
    this.changed(order.lines, now);
  }

  private cancel(eventId: number, now: number): void {
    const order = this.deps.orders.byEvent.get(eventId);
    if (!order || order.cancelled) return;
    if (!this.deps.stack.instance(order.channel).control.cancelOrder?.(order.orderId)) {
      this.counts.cancelRefused++;
      return;
    }
    this.counts.cancelled++;
    for (const l of order.lines) this.deps.trace.add(l.sku, `cancelled ${l.quantity} on ${order.channel} order ${order.orderId}`, now);
    if (!this.deps.orders.cancel(order)) this.counts.cancelledAfterWarehouse++;
    this.changed(order.lines, now);
  }

  private shrink(sku: string, quantity: number, warehouseId: string, now: number): void {
    // Shrinkage is found among the units no order has taken: neither allocated at the
    // 3PL nor sold on a channel on its way there. A unit a shopper already bought that
    // then goes missing is a loss no sync can prevent; left in, it would count as an
    // oversell of the engine (seed 42 lost 3 sold units 5 ms after the sale this way).
    // With several warehouses, the units sold on every channel that may ship from this one
    // count as taken here.
    const { warehouse, orders, sources } = this.deps;
    this.deps.followLedger();
    let inFlight = 0;
    for (const [channel, from] of sources) if (from.includes(warehouseId)) inFlight += orders.inFlightOn(channel, sku);
    const free = warehouse.available(sku, warehouseId) - inFlight;
    const shrunk = Math.min(quantity, Math.max(0, free));
    this.counts.shrinkClampedUnits += quantity - Math.max(0, shrunk);
    if (shrunk <= 0) {
      this.counts.shrinkSkipped++;
      return;
    }
    this.warehouseControl(warehouseId).adjust(sku, -shrunk, 'shrinkage found in a cycle count');
    this.deps.trace.add(sku, `warehouse ${warehouseId} shrinkage -${shrunk}`, now);
    this.counts.shrunkUnits += shrunk;
    this.byWarehouse(warehouseId).shrunkUnits += shrunk;
    this.lastChange.set(sku, now);
  }

  private arrive(event: Extract<WorkloadEvent, { kind: 'receive' | 'return' }>, now: number): void {
    const warehouseId = event.warehouse ?? this.deps.stack.warehouseIds[0]!;
    if (event.kind === 'receive') {
      this.warehouseControl(warehouseId).receive(event.sku, event.quantity, `sim-receipt-${Math.round(event.t)}`);
      this.counts.receivedUnits += event.quantity;
    } else {
      this.warehouseControl(warehouseId).returnStock(event.sku, event.quantity);
      this.counts.returnedUnits += event.quantity;
    }
    this.byWarehouse(warehouseId)[event.kind === 'receive' ? 'receivedUnits' : 'returnedUnits'] += event.quantity;
    this.deps.trace.add(event.sku, `warehouse ${warehouseId} ${event.kind} +${event.quantity}`, now);
    this.lastChange.set(event.sku, now);
  }

  private changed(lines: readonly { sku: string }[], now: number): void {
    for (const l of lines) this.lastChange.set(l.sku, now);
  }

  private warehouseControl(id: string) {
    return this.deps.stack.warehouse(id).control as WarehouseControl;
  }

  private byWarehouse(id: string): WarehouseCounts {
    return (this.warehouseCounts[id] ??= { receivedUnits: 0, returnedUnits: 0, shrunkUnits: 0 });
  }
}
