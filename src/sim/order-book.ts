// The orders the simulation placed on the channels and where each is on its way to the
// 3PL. An order is pending from the sale until the engine records that the 3PL accepted
// it; its units are in flight meanwhile (sold, not yet counted by the 3PL), so the true
// ATS subtracts them. The engine's orders table names which engine order (and so which
// 3PL reference) is which placed order; every quantity comes from the sandbox.
import { orderIdOfReference } from '../engine/workers/warehouse-pusher.js';
import { CONNECTION_IDS } from '../harness/names.js';
import type { SimChannel } from './workload.js';

export interface PlacedOrder {
  /** The workload event that placed it. */
  event: number;
  channel: SimChannel;
  /** The channel's order id, as the shopper got it. */
  orderId: string;
  lines: { sku: string; quantity: number }[];
  units: number;
  /** Date.now() of the sale. */
  placedAt: number;
  cancelled: boolean;
  /** The engine recorded that the 3PL accepted it. */
  atWarehouse: boolean;
}

/** An engine order as its orders table names it. */
export interface EngineOrderRef {
  id: number;
  connectionId: string;
  externalId: string;
}

/**
 * How far back a read of new engine orders starts below the highest id seen: ids are
 * drawn before commit, so a lower id can become visible after a higher one.
 */
const ENGINE_ORDER_LOOK_BACK = 2_000;

export class OrderBook {
  /** Every placed order, by the workload event that placed it. */
  readonly byEvent = new Map<number, PlacedOrder>();
  /** Accepted by a channel, not cancelled, not yet at the 3PL. */
  readonly pending = new Set<PlacedOrder>();
  /** Engine order id -> the placed order it records (null: none of ours). */
  readonly byEngineOrder = new Map<number, PlacedOrder | null>();
  /** Engine orders that matched no placed order. */
  unmatchedEngineOrders = 0;
  private readonly byChannelOrder = new Map<string, PlacedOrder>(); // channelOrderKey
  private readonly inFlightUnits = new Map<string, number>(); // units of `pending` per SKU
  private readonly inFlightByChannel = new Map<string, number>(); // units of `pending` per channel and SKU
  private readonly engineOrderOf = new Map<PlacedOrder, number>();
  private highestEngineOrder = 0;

  place(order: PlacedOrder): void {
    this.byEvent.set(order.event, order);
    this.byChannelOrder.set(channelOrderKey(CONNECTION_IDS[order.channel], order.orderId), order);
    this.pending.add(order);
    this.addInFlight(order, +1);
  }

  /** The shopper cancelled `order`; true when it had not reached the 3PL. */
  cancel(order: PlacedOrder): boolean {
    order.cancelled = true;
    return this.leavePending(order);
  }

  /** Units sold on the channels that the 3PL has not received. */
  inFlight(sku: string): number {
    return this.inFlightUnits.get(sku) ?? 0;
  }

  /** Units sold on `channel` that the 3PL has not received. */
  inFlightOn(channel: SimChannel, sku: string): number {
    return this.inFlightByChannel.get(`${channel}\u0000${sku}`) ?? 0;
  }

  /** The id above which to read new engine orders. */
  engineOrdersAfter(): number {
    return Math.max(0, this.highestEngineOrder - ENGINE_ORDER_LOOK_BACK);
  }

  /** Matches engine orders (read after engineOrdersAfter()) with the orders placed here. */
  recordEngineOrders(rows: readonly EngineOrderRef[]): void {
    for (const row of rows) {
      if (this.byEngineOrder.has(row.id)) continue;
      const order = this.byChannelOrder.get(channelOrderKey(row.connectionId, row.externalId)) ?? null;
      this.byEngineOrder.set(row.id, order);
      if (order) this.engineOrderOf.set(order, row.id);
      else this.unmatchedEngineOrders++;
      this.highestEngineOrder = Math.max(this.highestEngineOrder, row.id);
    }
  }

  /** Engine order ids of the pending orders the engine has recorded. */
  pendingEngineOrders(): number[] {
    return [...this.pending].flatMap((order) => {
      const id = this.engineOrderOf.get(order);
      return id === undefined ? [] : [id];
    });
  }

  /** The 3PL accepted engine order `engineOrderId`: its placed order (if ours) is at the warehouse. */
  arrivedAtWarehouse(engineOrderId: number): void {
    const order = this.byEngineOrder.get(engineOrderId);
    if (!order || order.atWarehouse) return;
    order.atWarehouse = true;
    this.leavePending(order);
  }

  /** The placed order behind a 3PL reference id, once the engine order is known. */
  ofReference(referenceId: string): PlacedOrder | undefined {
    const id = orderIdOfReference(referenceId);
    return (id === null ? undefined : this.byEngineOrder.get(id)) ?? undefined;
  }

  private leavePending(order: PlacedOrder): boolean {
    if (!this.pending.delete(order)) return false;
    this.addInFlight(order, -1);
    return true;
  }

  private addInFlight(order: PlacedOrder, sign: 1 | -1): void {
    for (const l of order.lines) {
      this.inFlightUnits.set(l.sku, this.inFlight(l.sku) + sign * l.quantity);
      this.inFlightByChannel.set(`${order.channel}\u0000${l.sku}`, this.inFlightOn(order.channel, l.sku) + sign * l.quantity);
    }
  }
}

/** Shopify answers order GIDs to the engine and bare numbers to shoppers: both give one key. */
export function channelOrderKey(connectionId: string, orderId: string): string {
  return `${connectionId}:${orderId.replace(/^gid:\/\/shopify\/Order\//, '')}`;
}
