// Layer 3: incremental polling per connection and stream, from a stored cursor, with an
// overlap window for clock skew and late writes. Whatever a poll sees twice is
// deduplicated by the engine (order ids, ledger keys). A sweep interrupted by a crash
// resumes from its last saved page; the cursor advances only when a sweep completes.
import type { Logger } from 'pino';
import type { ChannelConnector, WarehouseConnector } from '../../connectors/types.js';
import type { FileFeed } from '../../connectors/file-feed.js';
import { ingestFeed } from '../feed/ingest-feed.js';
import { ConnectorError } from '../../connectors/errors.js';
import { StocksyncError } from '../../errors.js';
import { touchActivity } from '../../store/activity.js';
import { insertQuarantine } from '../../store/inbox.js';
import { recordedOrderIds } from '../../store/orders.js';
import { recordPollFindings } from '../../store/connection-signals.js';
import { completeSweep, readCursor, savePage, type Stream } from '../../store/cursors.js';
import { forgetUnrecordedSales } from '../../store/dispatch.js';
import { recomputeSkuTargets } from '../recompute-skus.js';
import type { Db } from '../../store/db.js';
import { cancelOrder } from '../cancel-order.js';
import { levelObservation, recordObservation } from '../record-observation.js';
import { recordOrders } from '../record-orders.js';
import { isAuthFailure, pauseOnAuthFailure, resumeOnSuccess } from './connection-gate.js';
import { checkSubscriptions } from './subscriptions.js';

export interface PollerDeps {
  db: Db;
  log: Logger;
  connectionId: string;
  connector: ChannelConnector | WarehouseConnector;
  /** Re-read this far back before the cursor (clock skew, late writes). Default 2 minutes. */
  overlapMs?: number;
  /** Where a connection never polled starts. Default 24 hours back. */
  initialLookbackMs?: number;
  now?: () => Date;
  /** Check the platform's webhook subscriptions at most this often (subscriptions.ts). */
  subscriptionCheckMs?: number;
}

export interface PollResult {
  stream: Stream;
  pages: number;
  items: number;
}

export async function pollOnce(d: PollerDeps): Promise<PollResult> {
  let result: PollResult;
  try {
    result =
      d.connector.kind === 'channel'
        ? await pollOrders(d, d.connector)
        : d.connector.fileFeed
          ? await pollFeed(d, d.connector.fileFeed)
          : await pollLevels(d, d.connector);
  } catch (e) {
    // Refused credentials are the connection's state (status shows it), not a poll's blip.
    if (e instanceof ConnectorError && isAuthFailure(e)) await pauseOnAuthFailure(d.db, d.log, d.connectionId, e);
    throw e;
  }
  await resumeOnSuccess(d.db, d.log, d.connectionId);
  await touchActivity(d.db, d.connectionId, 'poll');
  await checkSubscriptions({ ...d, ...(d.subscriptionCheckMs !== undefined && { minIntervalMs: d.subscriptionCheckMs }) }).catch((e: unknown) =>
    // A failed check is tried again at the next poll; the poll itself went through.
    d.log.warn({ connection: d.connectionId, err: (e as Error).message }, 'webhook subscriptions not checked'),
  );
  return result;
}

async function sweep<T>(
  d: PollerDeps,
  stream: Stream,
  fetchPage: (since: Date, page: string | null) => Promise<{ items: T[]; next: string | null }>,
  ingest: (items: T[]) => Promise<void>,
): Promise<PollResult> {
  const now = d.now ?? (() => new Date());
  const cursor = await readCursor(d.db, d.connectionId, stream);
  const since = cursor?.since ?? new Date(now().getTime() - (d.initialLookbackMs ?? 86_400_000));
  const sweepStarted = cursor?.sweepStarted ?? now();
  const from = new Date(since.getTime() - (d.overlapMs ?? 120_000));
  let page = cursor?.pageCursor ?? null;
  let pages = 0;
  let items = 0;
  do {
    const res = await fetchPage(from, page);
    await ingest(res.items);
    pages++;
    items += res.items.length;
    page = res.next;
    if (page !== null) await savePage(d.db, d.connectionId, stream, since, sweepStarted, page);
  } while (page !== null);
  await completeSweep(d.db, d.connectionId, stream, sweepStarted);
  return { stream, pages, items };
}

async function pollOrders(d: PollerDeps, c: ChannelConnector): Promise<PollResult> {
  const known = (ids: readonly string[]) => recordedOrderIds(d.db, d.connectionId, ids);
  const result = await sweep(
    d,
    'orders',
    (since, page) => c.pollOrders(since, page, known),
    async (orders) => {
      const results = await recordOrders(
        d.db,
        orders.map((o) => ({
          connectionId: d.connectionId,
          externalId: o.externalId,
          placedAt: o.placedAt,
          lines: o.lines,
          raw: o.raw,
          ...(o.fulfilment && { fulfilment: o.fulfilment }),
          ...(o.location && { location: o.location }),
        })),
      );
      for (const [i, r] of results.entries()) {
        if (r.outcome === 'rejected') await refuse(d, `order ${orders[i]!.externalId}: ${r.error.message}`, orders[i]);
      }
      // Orders no webhook had brought: the webhooks-silent alert rule reads these.
      await recordPollFindings(d.db, d.connectionId, results.filter((r) => r.outcome === 'recorded').length);
      for (const o of orders.filter((x) => x.cancelled)) await cancelOrder(d.db, { connectionId: d.connectionId, externalId: o.externalId });
    },
  );
  // Orders are in up to the sweep's start: sales read before it and still unrecorded were none.
  const skus = await forgetUnrecordedSales(d.db, d.connectionId);
  if (skus.length > 0) await recomputeSkuTargets(d.db, skus, 1_000);
  return result;
}

function pollLevels(d: PollerDeps, c: WarehouseConnector): Promise<PollResult> {
  return sweep(
    d,
    'inventory',
    (since, page) => c.pollLevels(since, page),
    async (levels) => {
      for (const l of levels) {
        await recordObservation(d.db, levelObservation(d.connectionId, l, { source: 'poll', read: true })).catch((e: unknown) => {
          // One bad row (an unknown location, a negative count) must not stop the sweep.
          if (!(e instanceof StocksyncError) || e instanceof ConnectorError) throw e;
          return refuse(d, `level ${l.location}/${l.sku}: ${e.message}`, l);
        });
      }
    },
  );
}

/** A warehouse that exports files: its newest file is one full snapshot (engine/feed). */
async function pollFeed(d: PollerDeps, feed: FileFeed): Promise<PollResult> {
  const r = await ingestFeed({ db: d.db, log: d.log, connectionId: d.connectionId, feed, ...(d.now && { now: d.now }) });
  return { stream: 'inventory', pages: r.outcome === 'none' ? 0 : 1, items: r.outcome === 'applied' || r.outcome === 'held' ? r.rows : 0 };
}

async function refuse(d: PollerDeps, reason: string, row: unknown): Promise<void> {
  d.log.warn({ connection: d.connectionId, reason }, 'polled row refused and quarantined');
  await insertQuarantine(d.db, { source: 'poll', connectionId: d.connectionId, reason, body: Buffer.from(JSON.stringify(row ?? null)) });
}
