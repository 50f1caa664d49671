// Layer 4: full reconciliation of one connection. Warehouse: page through its whole stock
// and correct drift through the ledger (kind `reconcile`). Channel: page through every
// listing's count and repair it by docs/invariants.md invariant 3: lower at once; raise only once
// the channel's orders are ingested past the moment that count was read (an order sweep
// runs after the last page), else the raise waits for the next run.
import type { Logger } from 'pino';
import type { ChannelConnector, ChannelQuantity, Page, WarehouseConnector } from '../../connectors/types.js';
import { StocksyncError } from '../../errors.js';
import { touchActivity } from '../../store/activity.js';
import { readCursor } from '../../store/cursors.js';
import type { Db } from '../../store/db.js';
import { listingKeysAfter, type ListingKey } from '../../store/dispatch.js';
import { insertQuarantine } from '../../store/inbox.js';
import {
  driftOf,
  finishReconciliation,
  insertDrift,
  observeChannelCounts,
  startReconciliation,
  stockLevelsOf,
  type CountDrift,
  type DriftRow,
  type StoredDriftRow,
} from '../../store/reconciliations.js';
import { levelObservation, recordObservation } from '../record-observation.js';
import { isAuthFailure, pauseOnAuthFailure, resumeOnSuccess } from './connection-gate.js';
import { pollOnce } from './poller.js';
import { ConnectorError } from '../../connectors/errors.js';

export interface ReconcileDeps {
  db: Db;
  log: Logger;
  connectionId: string;
  connector: ChannelConnector | WarehouseConnector;
  trigger: 'schedule' | 'manual';
  /** Progress after each page: items checked so far, and the total when known. */
  onProgress?: (checked: number, total: number | null) => void;
}

export interface ReconcileReport {
  runId: number;
  connectionId: string;
  checked: number;
  drifted: number;
  driftUnits: number;
  drift: StoredDriftRow[];
}

export async function reconcileConnection(d: ReconcileDeps): Promise<ReconcileReport> {
  const runId = await startReconciliation(d.db, d.connectionId, d.trigger);
  let checked = 0;
  try {
    checked = d.connector.kind === 'warehouse' ? await reconcileWarehouse(d, d.connector, runId) : await reconcileChannel(d, d.connector, runId);
    const totals = await finishReconciliation(d.db, runId, { status: 'done', checked });
    await touchActivity(d.db, d.connectionId, 'reconcile');
    const report = { runId, connectionId: d.connectionId, checked, ...totals, drift: await driftOf(d.db, runId) };
    d.log.info({ connection: d.connectionId, checked, drifted: report.drifted, driftUnits: report.driftUnits }, 'reconciliation done');
    return report;
  } catch (e) {
    await finishReconciliation(d.db, runId, { status: 'failed', checked, error: (e as Error).message.slice(0, 500) });
    if (e instanceof ConnectorError && isAuthFailure(e)) await pauseOnAuthFailure(d.db, d.log, d.connectionId, e);
    throw e;
  }
}

/**
 * The pages of a full listing, each with the two ends of the span its items may be from:
 * `since`, the earliest (the page's `asOf` where the platform says, as a Shopify bulk
 * operation's start; else the moment its request went out), and `readAt`, the latest (the
 * moment it arrived). The next page is fetched while the caller stores this one, so the
 * database work overlaps the platform's paced reads instead of adding to them.
 */
async function* pagesOf<T>(fetch: (cursor: string | null) => Promise<Page<T>>): AsyncGenerator<{ items: T[]; readAt: Date; since: Date }> {
  let requestedAt = new Date();
  let pending = fetch(null);
  for (;;) {
    const page = await pending;
    const readAt = new Date();
    const since = page.asOf && page.asOf < requestedAt ? page.asOf : requestedAt;
    if (page.next !== null) {
      requestedAt = new Date();
      pending = fetch(page.next);
      // Awaited on the next turn; a caller that stops early must not leave it unhandled.
      pending.catch(() => {});
    }
    yield { items: page.items, readAt, since };
    if (page.next === null) return;
  }
}

async function reconcileWarehouse(d: ReconcileDeps, c: WarehouseConnector, runId: number): Promise<number> {
  let checked = 0;
  for await (const { items } of pagesOf((cursor) => c.listLevels(cursor))) {
    const believed = await stockLevelsOf(d.db, d.connectionId, items);
    const drift: DriftRow[] = [];
    for (const l of items) {
      const was = believed.get(`${l.location}\u0000${l.sku}`);
      if (was === l.available) continue;
      try {
        // Stamped with the item's own last change, in the warehouse's clock, never with our
        // clock: a claim settles when an observation is newer than the warehouse's
        // acknowledgement of its order (also the warehouse's clock), and a warehouse clock
        // behind ours would make every order it acknowledged since look older than the read,
        // settling claims the read did not count (seen: hostile's 45 s skew, 2 units
        // oversold). The level is the state after every change up to that moment; a read
        // wins a tie with a stored event (migration 007).
        const r = await recordObservation(d.db, {
          ...levelObservation(d.connectionId, l, { source: 'reconcile', key: `reconcile:${runId}:${l.location}:${l.sku}`, read: true }),
          reconcile: true,
        });
        const base = {
          connectionId: d.connectionId,
          sku: l.sku,
          believed: was ?? null,
          actual: l.available,
          layer: 'polling',
          location: `${d.connectionId}/${l.location}`,
        };
        if (r.outcome === 'applied') drift.push({ ...base, action: 'corrected' });
        // A level that differs but lost to a newer stored one is still drift: say so.
        else if (r.outcome === 'stale')
          drift.push({ ...base, action: 'stale_kept', note: `kept the stored level: observed after this read's ${l.observedAt.toISOString()}` });
      } catch (e) {
        if (!(e instanceof StocksyncError)) throw e;
        await insertQuarantine(d.db, { source: 'reconcile', connectionId: d.connectionId, reason: `${l.location}/${l.sku}: ${e.message}` });
      }
    }
    await insertDrift(d.db, runId, drift);
    checked += items.length;
    d.onProgress?.(checked, null);
  }
  return checked;
}

/**
 * Each page is compared as it arrives (overlapping the next page's read): counts above
 * the target are taken at once, since lowering is always safe; counts below it are held.
 * After the read, an order sweep; a held count is then taken only if the channel's orders
 * are ingested past the moment its page arrived, else its raise is deferred to the next run.
 *
 * A page is as old as the start of the read that produced it (`since`: a Shopify bulk
 * operation runs for minutes), and a count is never taken over a `pushed` that changed
 * after that start (a sale recorded, a push acknowledged while the read ran): it is
 * reported as stale_kept. The raise gate uses the other end, the page's arrival: a bulk
 * operation reads the shop progressively (Shopify documents no snapshot), so a count may
 * be as recent as that, and show a sale made after `since` whose order is not in yet.
 */
async function reconcileChannel(d: ReconcileDeps, c: ChannelConnector, runId: number): Promise<number> {
  const known = await catalogueOf(d.db, d.connectionId);
  const index = indexListings(known);
  const held: { listingId: number; actual: number; readAt: Date; since: Date }[] = [];
  let checked = 0;
  for await (const { items, readAt, since } of pagesOf((cursor) => c.listQuantities(cursor, known))) {
    // The platform answered with our credentials: a connection paused for auth works again,
    // so the lowerings below are pushed (and the report may say so).
    if (checked === 0) await resumeOnSuccess(d.db, d.log, d.connectionId);
    const counts = new Map<number, number>();
    for (const item of items) {
      const listing = matchListing(index, item);
      if (listing) counts.set(listing.listingId, item.quantity);
    }
    const found = await observeChannelCounts(
      d.db,
      [...counts].map(([listingId, actual]) => ({ listingId, actual, mayRaise: false, since })),
    );
    await insertDrift(
      d.db,
      runId,
      found.filter((f) => f.recorded || f.newer).map((f) => channelDrift(d.connectionId, f, since)),
    );
    for (const f of found) if (!f.recorded && !f.newer) held.push({ listingId: f.listingId, actual: f.actual, readAt, since });
    checked += items.length;
    d.onProgress?.(checked, known.length);
  }

  const ordersIngested = await sweepOrders(d, c);
  const raised = await observeChannelCounts(
    d.db,
    held.map((h) => ({
      listingId: h.listingId,
      actual: h.actual,
      mayRaise: ordersIngested !== null && ordersIngested.getTime() >= h.readAt.getTime(),
      since: h.since,
    })),
  );
  const sinceOf = new Map(held.map((h) => [h.listingId, h.since]));
  await insertDrift(
    d.db,
    runId,
    raised.map((f) => channelDrift(d.connectionId, f, sinceOf.get(f.listingId)!)),
  );
  return checked;
}

/** Polls the channel's orders now; how far they are ingested afterwards (null: not known). */
async function sweepOrders(d: ReconcileDeps, c: ChannelConnector): Promise<Date | null> {
  const before = (await readCursor(d.db, d.connectionId, 'orders'))?.since ?? null;
  try {
    await pollOnce({ db: d.db, log: d.log, connectionId: d.connectionId, connector: c });
    return (await readCursor(d.db, d.connectionId, 'orders'))?.since ?? before;
  } catch (e) {
    d.log.warn({ connection: d.connectionId, err: (e as Error).message }, 'order sweep before reconciliation failed: raises deferred');
    return before;
  }
}

/**
 * What the run did about one count. "lowered" or "raised" only when a dispatcher will push
 * the target; else "not_pushed", and the note says why.
 */
function channelDrift(connectionId: string, f: CountDrift, since: Date): DriftRow {
  const base = { connectionId, sku: f.sku, believed: f.believed, actual: f.actual, layer: 'webhooks' };
  if (f.newer) return { ...base, action: 'stale_kept', note: `kept the count recorded after this read began (${since.toISOString()})` };
  if (!f.recorded) return { ...base, action: 'raise_deferred' };
  if (f.blocked && f.actual !== f.target) return { ...base, action: 'not_pushed', note: f.blocked.slice(0, 500) };
  return { ...base, action: f.actual > f.target ? 'lowered' : f.actual < f.target ? 'raised' : 'corrected' };
}

/** Listings read per statement: the catalogue is kept, the statements' results are not. */
const CATALOGUE_CHUNK = 10_000;

/** Every listing of the connection, one small object each, read in chunks. */
async function catalogueOf(db: Db, connectionId: string): Promise<ListingKey[]> {
  const all: ListingKey[] = [];
  for (let after = 0; ;) {
    const chunk = await listingKeysAfter(db, connectionId, after, CATALOGUE_CHUNK);
    for (const l of chunk) all.push(l);
    if (chunk.length < CATALOGUE_CHUNK) return all;
    after = chunk[chunk.length - 1]!.listingId;
  }
}

interface ListingIndex {
  /**
   * platform id name -> value -> the listing with it, or the few sharing it (one Shopify
   * item's listings at several locations); null: shared too widely to identify any (a
   * Shopify locationId every listing of the shop has).
   */
  byId: Map<string, Map<string, ListingKey | ListingKey[] | null>>;
  /** SKU -> its listing, or its listings at several locations. */
  bySku: Map<string, ListingKey | ListingKey[]>;
}

/** Above this many listings sharing one id value, the value identifies none of them. */
const MAX_SHARING = 16;

/**
 * Every listing of the connection by each of its platform ids and by SKU: a full
 * reconciliation matches 100,000 counts in memory instead of 100,000 queries. An id value
 * many listings share (a Shopify locationId) identifies none of them and is left out:
 * else every item of the shop, ours or not, would match a listing by its location. Keyed
 * by the listings' own strings (no key built per id: 100,000 listings hold enough).
 */
function indexListings(listings: readonly ListingKey[]): ListingIndex {
  const byId = new Map<string, Map<string, ListingKey | ListingKey[] | null>>();
  const bySku = new Map<string, ListingKey | ListingKey[]>();
  for (const l of listings) {
    for (const k in l.platformIds) {
      const v = String(l.platformIds[k]);
      let values = byId.get(k);
      if (!values) byId.set(k, (values = new Map()));
      values.set(v, withOne(values.get(v), l, MAX_SHARING));
    }
    bySku.set(l.sku, withOne(bySku.get(l.sku), l, Infinity)!);
  }
  return { byId, bySku };
}

/** An index entry with one more listing: a single one becomes a list, a list past `max` null. */
function withOne(entry: ListingKey | ListingKey[] | null | undefined, l: ListingKey, max: number): ListingKey | ListingKey[] | null {
  if (entry === undefined || entry === l) return l;
  if (entry === null) return null;
  if (!Array.isArray(entry)) return [entry, l];
  if (entry.length >= max) return null;
  entry.push(l);
  return entry;
}

const usable = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** No id of the count contradicts the listing's own (another item, another location). */
function agrees(l: ListingKey, ids: Record<string, string>): boolean {
  for (const k in ids) {
    const v = ids[k];
    if (usable(v) && l.platformIds[k] !== undefined && l.platformIds[k] !== v) return false;
  }
  return true;
}

/** The entry's listing that agrees with the count's ids. */
function agreeing(entry: ListingKey | ListingKey[] | null | undefined, ids: Record<string, string>): ListingKey | undefined {
  if (!entry) return undefined;
  if (!Array.isArray(entry)) return agrees(entry, ids) ? entry : undefined;
  for (const l of entry) if (agrees(l, ids)) return l;
  return undefined;
}

/**
 * The listing a count names: by an identifying platform id, else by SKU; never one whose
 * own ids contradict the count's (the same item's listing at another location). Called
 * once per count: it allocates nothing.
 */
function matchListing(index: ListingIndex, item: ChannelQuantity): ListingKey | undefined {
  const ids = item.platformIds;
  for (const k in ids) {
    const v = ids[k];
    if (!usable(v)) continue;
    const l = agreeing(index.byId.get(k)?.get(v), ids);
    if (l) return l;
  }
  return item.sku ? agreeing(index.bySku.get(item.sku), ids) : undefined;
}
