// The engine's own view, from its database, of what went wrong in a simulation: the
// SKUs whose channels did not match at the end and the orders that never reached the
// 3PL, so that a report explains itself without a rerun.
import type { PlatformStack } from '../harness/stack.js';
import { CONNECTION_IDS } from '../harness/names.js';
import { listingsWithStock } from '../store/listings.js';
import { findOrderState } from '../store/orders.js';
import type { PlacedOrder } from './order-book.js';
import type { Mismatch } from './sampler.js';

/** The SKUs whose channels did not show their policy at the end, with the engine's targets and stock. */
export async function withTargets(db: PlatformStack['db'], mismatches: readonly Mismatch[]) {
  if (mismatches.length === 0) return [];
  const listings = await listingsWithStock(
    db,
    mismatches.map((m) => m.sku),
  );
  // `c`: the report's name for the connection since its first version.
  return mismatches.map((m) => ({
    ...m,
    engine: listings
      .filter((l) => l.sku === m.sku)
      .map((l) => ({ sku: l.sku, c: l.connectionId, target: l.target, pushed: l.pushed, available: l.available, claimed: l.claimed })),
  }));
}

/** Orders that never reached the 3PL, as the engine recorded them. */
export async function engineViewOf(db: PlatformStack['db'], orders: readonly PlacedOrder[]) {
  const views = [];
  for (const order of orders) {
    const recorded = await findOrderState(db, CONNECTION_IDS[order.channel], [order.orderId, `gid://shopify/Order/${order.orderId}`]);
    // The report names these fields as the columns do.
    const engine = recorded && {
      id: recorded.id,
      status: recorded.status,
      warehouse_ref: recorded.warehouseRef,
      warehouse_ack_at: recorded.warehouseAckAt,
      created_at: recorded.createdAt,
    };
    views.push({ channel: order.channel, orderId: order.orderId, lines: order.lines, placedMsAgo: Date.now() - order.placedAt, engine });
  }
  return views;
}
