// Layer 1, asynchronous half: turns stored webhook events into engine operations. Every
// operation is idempotent (order ids, ledger keys), so an event processed twice after a
// crash changes nothing; a permanent failure quarantines the event with its reason.
import type { Logger } from 'pino';
import { ConnectorError } from '../../connectors/errors.js';
import type { Connector, InboundEvent } from '../../connectors/types.js';
import { parseWebhookWithinLimits } from '../../connectors/webhook-limits.js';
import { StocksyncError } from '../../errors.js';
import { backoffDelayMs } from '../../domain/backoff.js';
import { withTx, type Db } from '../../store/db.js';
import { claimInboxEvents, markInboxProcessed, markInboxQuarantined, markInboxRetry, type InboxRow } from '../../store/inbox.js';
import { cancelOrder } from '../cancel-order.js';
import { findListing, handleChannelQuantity } from '../channel-quantity.js';
import type { OrderBatcher } from '../order-batcher.js';
import { levelObservation, recordObservation } from '../record-observation.js';

export interface InboxDeps {
  db: Db;
  log: Logger;
  connectors: ReadonlyMap<string, Connector>;
  orders: OrderBatcher;
  batchSize?: number;
  maxAttempts?: number;
  /** First retry delay, doubled per attempt up to `retryMaxMs` (jittered). */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/**
 * Tries of an event that keeps failing for a passing reason before it is quarantined.
 * With 1 s doubling to 10 minutes, 15 tries span about an hour: an outage of a platform
 * or of the database is ridden out, and a poison event is still set aside the same day.
 */
const MAX_ATTEMPTS = 15;
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 600_000;

/** One round: process a batch of pending events. True when more may be waiting. */
export async function processInboxOnce(d: InboxDeps): Promise<boolean> {
  const limit = d.batchSize ?? 100;
  return withTx(d.db, async (tx) => {
    const rows = await claimInboxEvents(tx, limit);
    const done: number[] = [];
    // Events are independent: run them together so that orders batch in the order batcher.
    await Promise.all(
      rows.map(async (row) => {
        try {
          await processEvent(d, row);
          done.push(row.id);
        } catch (e) {
          const reason = e instanceof Error ? e.message : String(e);
          if (isRetryable(e)) {
            const retryInMs = backoffDelayMs(row.attempts + 1, d.retryBaseMs ?? RETRY_BASE_MS, d.retryMaxMs ?? RETRY_MAX_MS);
            await markInboxRetry(tx, row.id, reason.slice(0, 500), d.maxAttempts ?? MAX_ATTEMPTS, retryInMs);
          } else await markInboxQuarantined(tx, row.id, reason.slice(0, 500));
          d.log.warn({ connection: row.connectionId, event: row.eventId, topic: row.topic, err: reason }, 'webhook event not processed');
        }
      }),
    );
    await markInboxProcessed(tx, done);
    return rows.length === limit;
  });
}

function isRetryable(e: unknown): boolean {
  if (e instanceof ConnectorError) return e.retryable;
  if (e instanceof StocksyncError) return e.code === 'DB_UNAVAILABLE';
  // PostgreSQL refused the event's own values (class 22 data exception, 54 program limit):
  // the same event fails the same way every time, so it is quarantined at once.
  const sqlState = (e as { code?: unknown }).code;
  if (typeof sqlState === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(sqlState)) return false;
  return true; // an unexpected error (a lost database connection...): try again later
}

async function processEvent(d: InboxDeps, row: InboxRow): Promise<void> {
  const connector = d.connectors.get(row.connectionId);
  if (!connector) throw new StocksyncError('NOT_FOUND', `connection ${row.connectionId} has no connector in this process`);
  // The same limits as at the door: an event stored before they existed is quarantined here.
  const parsed = parseWebhookWithinLimits(connector, { headers: row.headers, query: {}, rawBody: Buffer.from(row.body) });
  for (const event of parsed.events) await applyEvent(d, row, event);
}

async function applyEvent(d: InboxDeps, row: InboxRow, event: InboundEvent): Promise<void> {
  switch (event.kind) {
    case 'order': {
      const r = await d.orders.record({
        connectionId: row.connectionId,
        externalId: event.order.externalId,
        placedAt: event.order.placedAt,
        lines: event.order.lines,
        ...(event.order.location && { location: event.order.location }),
        raw: event.order.raw,
        ...(event.order.fulfilment && { fulfilment: event.order.fulfilment }),
      });
      if (r.outcome === 'rejected') throw r.error;
      if (r.outcome === 'recorded') {
        d.log.info(
          {
            connection: row.connectionId,
            order: event.order.externalId,
            lines: event.order.lines.length,
            ...(r.oversold.length > 0 && { oversold: r.oversold }),
          },
          'order recorded',
        );
      }
      if (event.order.cancelled) await cancelOrder(d.db, { connectionId: row.connectionId, externalId: event.order.externalId });
      return;
    }
    case 'order_cancelled':
      await cancelOrder(d.db, { connectionId: row.connectionId, externalId: event.externalId });
      return;
    case 'channel_quantity': {
      const listing = await findListing(d.db, row.connectionId, event.item);
      const outcome = await handleChannelQuantity(d.db, listing, event.item.quantity);
      if (outcome === 'unknown_listing') d.log.info({ connection: row.connectionId, item: event.item }, 'channel count for a listing we do not manage');
      return;
    }
    case 'warehouse_level': {
      const l = event.level;
      const key = `webhook:${row.connectionId}:${row.eventId}:${l.location}:${l.sku}`;
      await recordObservation(d.db, levelObservation(row.connectionId, l, { source: 'webhook', key }));
      return;
    }
    case 'warehouse_order_status':
    case 'ignored':
      return;
  }
}
