// Layer 2, warehouse side: every accepted order goes to its warehouse with a unique
// reference id, so a retry after a crash is refused as a duplicate, never shipped twice.
import type { Logger } from 'pino';
import type { WarehouseConnector } from '../../connectors/types.js';
import type { Db } from '../../store/db.js';
import { deferWarehousePush, markWarehouseError, ordersToPush, type OrderToPush } from '../../store/warehouse-orders.js';
import { acknowledgeOrder } from '../acknowledge-order.js';

export interface PusherDeps {
  db: Db;
  log: Logger;
  connectionId: string; // the warehouse
  connector: WarehouseConnector;
}

export function referenceIdOf(orderId: number): string {
  return `stocksync-${orderId}`;
}

/**
 * One round: push a handful of orders, side by side (the connector paces them to the
 * warehouse's rate limit). A retryable failure defers that order alone. True when more
 * may be waiting.
 */
export async function pushOrdersOnce(d: PusherDeps, limit = 20): Promise<boolean> {
  const orders = await ordersToPush(d.db, d.connectionId, limit);
  await Promise.all(orders.map((o) => pushOne(d, o)));
  return orders.length === limit;
}

async function pushOne(d: PusherDeps, o: OrderToPush): Promise<void> {
  if (o.lines.length === 0) return markWarehouseError(d.db, o.id, 'nothing to ship: no line of this order is a known SKU');
  const outcome = await d.connector.pushOrder({ referenceId: referenceIdOf(o.id), lines: o.lines });
  if (outcome.status === 'failed') {
    if (outcome.error.retryable) {
      d.log.info({ warehouse: d.connectionId, order: o.externalId, err: outcome.error.message }, 'order push deferred');
      return deferWarehousePush(d.db, o.id, outcome.error.info.retryAfterMs);
    }
    d.log.warn({ warehouse: d.connectionId, order: o.externalId, err: outcome.error.message }, 'warehouse refused the order');
    return markWarehouseError(d.db, o.id, `${outcome.error.connectorCode}: ${outcome.error.message}`.slice(0, 500));
  }
  // A duplicate means an earlier push got through before a crash: its acknowledgement
  // time is unknown, and now is later than it, which only delays settling (never early).
  const ackAt = outcome.status === 'accepted' ? outcome.at : new Date();
  const warehouseRef = outcome.status === 'accepted' ? outcome.warehouseOrderId : referenceIdOf(o.id);
  await acknowledgeOrder(d.db, { connectionId: o.connectionId, externalId: o.externalId, warehouseConnectionId: d.connectionId, warehouseRef, ackAt });
}
