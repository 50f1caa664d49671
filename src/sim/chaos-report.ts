// What chaos must not do, counted from the outside at the end of a run: from the engines'
// database (orders, order lines, claims) and the sandbox (the orders the shoppers placed,
// the 3PL's orders), never from what the engines say about themselves. Each count must be 0.
import type { Db } from '../store/db.js';
import { claimsPerOrderLine } from '../store/claims.js';
import { ordersAfter } from '../store/orders.js';
import { orderIdOfReference } from '../engine/workers/warehouse-pusher.js';
import { CONNECTION_IDS } from '../harness/names.js';
import { channelOrderKey, type OrderBook } from './order-book.js';

export interface WarehouseOrderTruth {
  reference_id: string;
  status: string;
  lines: { quantity: number }[];
}

export interface IntegrityCounts {
  /** Placed on a channel (not cancelled by the shopper) and never recorded by the engine. */
  ordersLost: number;
  /** The same, among orders the shopper cancelled (an engine may never hear of a quick cancel). */
  cancelledOrdersNeverRecorded: number;
  /** Engine orders beyond the first for one channel order. */
  ordersRecordedTwice: number;
  /** Claim rows beyond one per line of a channel order (over every recording of it). */
  claimsDoubled: number;
  /** Units of 3PL orders beyond the first for one channel order. */
  unitsPushedTwice: number;
  /** Some of each, to look into. */
  examples: { lost: string[]; recordedTwice: string[]; claimedTwice: string[]; pushedTwice: string[] };
}

export async function integrityCounts(db: Db, orders: OrderBook, warehouseOrders: readonly WarehouseOrderTruth[]): Promise<IntegrityCounts> {
  // Every recording of each channel order (Shopify: GID and bare number are one order).
  const recordings = new Map<string, number[]>();
  const keyOfEngineOrder = new Map<number, string>();
  for (const row of await ordersAfter(db, 0)) {
    const key = channelOrderKey(row.connectionId, row.externalId);
    keyOfEngineOrder.set(row.id, key);
    recordings.set(key, [...(recordings.get(key) ?? []), row.id]);
  }
  const lost: string[] = [];
  let cancelledNeverRecorded = 0;
  for (const placed of orders.byEvent.values()) {
    if (recordings.has(channelOrderKey(CONNECTION_IDS[placed.channel], placed.orderId))) continue;
    if (placed.cancelled) cancelledNeverRecorded++;
    else lost.push(`${placed.channel}:${placed.orderId}`);
  }
  const twice = [...recordings].filter(([, ids]) => ids.length > 1);

  // Claims per (channel order, line): one claim row per line, whichever recording made it.
  const claimsByLine = new Map<string, number>();
  for (const line of await claimsPerOrderLine(db)) {
    const key = `${keyOfEngineOrder.get(line.orderId) ?? `engine:${line.orderId}`}#${line.lineNo}`;
    claimsByLine.set(key, (claimsByLine.get(key) ?? 0) + line.claims);
  }
  const claimedTwice = [...claimsByLine].filter(([, n]) => n > 1);

  // The 3PL's orders per channel order: the engine's reference id names its engine order.
  const pushes = new Map<string, WarehouseOrderTruth[]>();
  for (const order of warehouseOrders) {
    const engineOrder = orderIdOfReference(order.reference_id);
    if (engineOrder === null) continue;
    const key = keyOfEngineOrder.get(engineOrder) ?? `engine:${engineOrder}`;
    pushes.set(key, [...(pushes.get(key) ?? []), order]);
  }
  const pushedTwice = [...pushes].filter(([, list]) => list.length > 1);
  const unitsPushedTwice = pushedTwice.reduce((sum, [, list]) => sum + list.slice(1).reduce((s, o) => s + o.lines.reduce((u, l) => u + l.quantity, 0), 0), 0);

  return {
    ordersLost: lost.length,
    cancelledOrdersNeverRecorded: cancelledNeverRecorded,
    ordersRecordedTwice: twice.reduce((sum, [, ids]) => sum + ids.length - 1, 0),
    claimsDoubled: claimedTwice.reduce((sum, [, n]) => sum + n - 1, 0),
    unitsPushedTwice,
    examples: {
      lost: lost.slice(0, 10),
      recordedTwice: twice.slice(0, 10).map(([key, ids]) => `${key} as engine orders ${ids.join(', ')}`),
      claimedTwice: claimedTwice.slice(0, 10).map(([key, n]) => `${key}: ${n} claims`),
      pushedTwice: pushedTwice.slice(0, 10).map(([key, list]) => `${key}: ${list.map((o) => o.reference_id).join(', ')}`),
    },
  };
}
