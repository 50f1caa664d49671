// Layer 2, warehouse side: every accepted order goes to each warehouse its claims were
// routed to (its part: the units at that warehouse's locations) with a reference id unique
// per order and warehouse, so a retry after a crash is refused as a duplicate, never
// shipped twice. Each warehouse's pusher sends its own parts.
import type { Logger } from 'pino';
import type { ConnectorError } from '../../connectors/errors.js';
import type { WarehouseConnector } from '../../connectors/types.js';
import type { Db } from '../../store/db.js';
import {
  cancelsToSend,
  deferWarehousePush,
  markWarehouseError,
  ordersToPush,
  type CancelToSend,
  type OrderPart,
  type OrderToPush,
} from '../../store/warehouse-orders.js';
import { confirmWarehouseCancel } from '../confirm-cancel.js';
import { acknowledgeOrder } from '../acknowledge-order.js';
import type { PauseBackoff } from '../../store/connection-pauses.js';
import { gateOf, isAuthFailure, pauseOnAuthFailure, resumeOnSuccess } from './connection-gate.js';

export interface PusherDeps {
  db: Db;
  log: Logger;
  connectionId: string; // the warehouse
  connector: WarehouseConnector;
  /** How probes of a warehouse paused for auth back off (connection-gate.ts DEFAULT_AUTH_BACKOFF). */
  authBackoff?: PauseBackoff;
}

/**
 * The reference id a warehouse knows a part by, unique per order and warehouse: the
 * warehouse refuses a second order with it, so a retry never ships twice. The order's own
 * warehouse keeps the plain form every order had before parts existed.
 */
export function referenceIdOf(part: OrderPart & { main: boolean }): string {
  return part.main ? `stocksync-${part.orderId}` : `stocksync-${part.orderId}-${part.warehouseConnectionId}`;
}

/** The order id in a reference id of ours (referenceIdOf); null for anyone else's. */
export function orderIdOfReference(referenceId: string): number | null {
  const match = /^stocksync-(\d+)(?:-[a-z0-9][a-z0-9-]*)?$/.exec(referenceId);
  return match ? Number(match[1]) : null;
}

/**
 * One round: push a handful of orders, side by side (the connector paces them to the
 * warehouse's rate limit). A retryable failure defers that order alone. Refused
 * credentials pause the warehouse connection, never an order: it stays queued, one order
 * probes when the retry is due, and the first that gets through resumes the rest. True
 * when more may be waiting.
 */
export async function pushOrdersOnce(d: PusherDeps, limit = 20): Promise<boolean> {
  // Optional chaining: scripted test warehouses declare no capabilities at all.
  const outside = d.connector.capabilities?.ordersOutside;
  if (outside) return handOffOnce(d, outside.countedAfterMs, limit);
  const gate = await gateOf(d.db, d.connectionId);
  if (gate === 'closed') return false;
  const probing = gate === 'probe';
  const take = probing ? 1 : limit;
  const orders = await ordersToPush(d.db, d.connectionId, take);
  const cancels = probing && orders.length > 0 ? [] : await cancelsToSend(d.db, d.connectionId, take);
  const outcomes = await Promise.all([...orders.map((o) => pushOne(d, o)), ...cancels.map((c) => cancelOne(d, c))]);
  const refused = outcomes.find((o) => o !== undefined);
  if (refused) await pauseOnAuthFailure(d.db, d.log, d.connectionId, refused, d.authBackoff);
  else if (probing && outcomes.length > 0) await resumeOnSuccess(d.db, d.log, d.connectionId);
  if (probing) return refused === undefined && outcomes.length > 0;
  return orders.length === limit || cancels.length === limit;
}

/**
 * A channel cancelled an order the warehouse has: cancel it there, then end its claims.
 * Returns the error when the warehouse refused our credentials (the cancel stays pending).
 */
async function cancelOne(d: PusherDeps, c: CancelToSend): Promise<ConnectorError | undefined> {
  const referenceId = referenceIdOf(c);
  const warehouseOrderId = c.warehouseRef !== null && c.warehouseRef !== referenceId ? c.warehouseRef : null;
  const outcome = await d.connector.cancelOrder({ referenceId, warehouseOrderId });
  if (outcome.status === 'failed' && isAuthFailure(outcome.error)) return outcome.error;
  if (outcome.status === 'failed') {
    if (outcome.error.retryable) {
      await deferWarehousePush(d.db, c, outcome.error.info.retryAfterMs);
      return undefined;
    }
    d.log.warn({ warehouse: d.connectionId, order: c.orderId, err: outcome.error.message }, 'warehouse cancellation failed; the order stays claimed');
    await confirmWarehouseCancel(d.db, c, 'refused');
    return undefined;
  }
  if (outcome.status === 'not_cancellable') {
    d.log.warn({ warehouse: d.connectionId, order: c.orderId, reason: outcome.reason }, 'the warehouse could not cancel (shipped?)');
    await confirmWarehouseCancel(d.db, c, 'refused');
    return undefined;
  }
  const released = await confirmWarehouseCancel(d.db, c, 'cancelled');
  d.log.info({ warehouse: d.connectionId, order: c.orderId, released }, 'cancellation confirmed by the warehouse');
  return undefined;
}

/**
 * A warehouse that takes no orders from us (a file feed, capabilities.ordersOutside): the
 * order reaches it another way, so nothing is sent. The hand-off is recorded as the
 * acknowledgement, dated `countedAfterMs` ahead: its claims settle on the first snapshot
 * taken then or later, which counts the order. A cancellation releases the claims at once:
 * no push is pending that could still ship it from us.
 */
async function handOffOnce(d: PusherDeps, countedAfterMs: number, limit: number): Promise<boolean> {
  const orders = await ordersToPush(d.db, d.connectionId, limit);
  for (const o of orders) {
    const ackAt = new Date(Date.now() + countedAfterMs);
    await acknowledgeOrder(d.db, {
      connectionId: o.connectionId,
      externalId: o.externalId,
      warehouseConnectionId: d.connectionId,
      warehouseRef: referenceIdOf(o),
      ackAt,
    });
  }
  const cancels = await cancelsToSend(d.db, d.connectionId, limit);
  for (const c of cancels) await confirmWarehouseCancel(d.db, c, 'cancelled');
  return orders.length === limit || cancels.length === limit;
}

/** Returns the error when the warehouse refused our credentials (the order stays queued). */
async function pushOne(d: PusherDeps, o: OrderToPush): Promise<ConnectorError | undefined> {
  if (o.lines.length === 0) {
    await markWarehouseError(d.db, o, 'nothing to ship: no line of this order is a known SKU');
    return undefined;
  }
  const outcome = await d.connector.pushOrder({ referenceId: referenceIdOf(o), lines: o.lines });
  if (outcome.status === 'failed') {
    if (isAuthFailure(outcome.error)) return outcome.error;
    if (outcome.error.retryable) {
      d.log.info({ warehouse: d.connectionId, order: o.externalId, err: outcome.error.message }, 'order push deferred');
      await deferWarehousePush(d.db, o, outcome.error.info.retryAfterMs);
      return undefined;
    }
    d.log.warn({ warehouse: d.connectionId, order: o.externalId, err: outcome.error.message }, 'warehouse refused the order');
    await markWarehouseError(d.db, o, `${outcome.error.connectorCode}: ${outcome.error.message}`.slice(0, 500));
    return undefined;
  }
  // A duplicate means an earlier push got through before a crash: its acknowledgement
  // time is unknown, and now is later than it, which only delays settling (never early).
  const ackAt = outcome.status === 'accepted' ? outcome.at : new Date();
  const warehouseRef = outcome.status === 'accepted' ? outcome.warehouseOrderId : referenceIdOf(o);
  await acknowledgeOrder(d.db, { connectionId: o.connectionId, externalId: o.externalId, warehouseConnectionId: d.connectionId, warehouseRef, ackAt });
  return undefined;
}
