// Layer 4: full reconciliation of one connection. Warehouse: page through its whole stock
// and correct drift through the ledger (kind `reconcile`). Channel: page through every
// listing's count and repair it by DESIGN.md invariant 3: lower at once; raise only once
// the channel's orders are ingested past the moment its counts were read (a fresh order
// sweep runs first), else the raise waits for the next run.
import type { Logger } from 'pino';
import type { ChannelConnector, ChannelQuantity, WarehouseConnector, WarehouseLevel } from '../../connectors/types.js';
import { StocksyncError } from '../../errors.js';
import { touchActivity } from '../../store/activity.js';
import { readCursor } from '../../store/cursors.js';
import type { Db } from '../../store/db.js';
import { connectionListings, recordObservedChannelCount, type ListingIdentity } from '../../store/dispatch.js';
import { insertQuarantine } from '../../store/inbox.js';
import { driftOf, finishReconciliation, insertDrift, startReconciliation, stockLevelsOf, type DriftRow } from '../../store/reconciliations.js';
import { levelObservation, recordObservation } from '../record-observation.js';
import { pollOnce } from './poller.js';

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
  drift: (DriftRow & { units: number })[];
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
    throw e;
  }
}

async function reconcileWarehouse(d: ReconcileDeps, c: WarehouseConnector, runId: number): Promise<number> {
  let page: string | null = null;
  let checked = 0;
  do {
    const res: { items: WarehouseLevel[]; next: string | null } = await c.listLevels(page);
    const readAt = new Date();
    const believed = await stockLevelsOf(d.db, d.connectionId, res.items);
    const drift: DriftRow[] = [];
    for (const l of res.items) {
      const was = believed.get(`${l.location}\u0000${l.sku}`);
      if (was === l.available) continue;
      try {
        // The level as read now: newer than anything stored from webhooks or polls.
        const observedAt = new Date(Math.max(readAt.getTime(), l.observedAt.getTime()));
        const r = await recordObservation(d.db, {
          ...levelObservation(d.connectionId, { ...l, observedAt }, { source: 'reconcile', key: `reconcile:${runId}:${l.location}:${l.sku}` }),
          reconcile: true,
        });
        if (r.outcome === 'applied') drift.push({ connectionId: d.connectionId, sku: l.sku, believed: was ?? null, actual: l.available, action: 'corrected', layer: 'polling' });
      } catch (e) {
        if (!(e instanceof StocksyncError)) throw e;
        await insertQuarantine(d.db, { source: 'reconcile', connectionId: d.connectionId, reason: `${l.location}/${l.sku}: ${e.message}` });
      }
    }
    await insertDrift(d.db, runId, drift);
    checked += res.items.length;
    d.onProgress?.(checked, null);
    page = res.next;
  } while (page !== null);
  return checked;
}

async function reconcileChannel(d: ReconcileDeps, c: ChannelConnector, runId: number): Promise<number> {
  const known = await connectionListings(d.db, d.connectionId);
  const refs = known.map((l) => ({ listingId: l.id, sku: l.sku, platformIds: l.platformIds }));
  const counts: { item: ChannelQuantity; readAt: Date }[] = [];
  let page: string | null = null;
  do {
    const res: { items: ChannelQuantity[]; next: string | null } = await c.listQuantities(page, refs);
    const readAt = new Date();
    for (const item of res.items) counts.push({ item, readAt });
    d.onProgress?.(counts.length, known.length);
    page = res.next;
  } while (page !== null);

  // Orders the channel took before we read its counts must be ingested before raising.
  const readStarted = counts[0]?.readAt ?? new Date();
  let ordersIngested = (await readCursor(d.db, d.connectionId, 'orders'))?.since ?? null;
  try {
    await pollOnce({ db: d.db, log: d.log, connectionId: d.connectionId, connector: c });
    ordersIngested = (await readCursor(d.db, d.connectionId, 'orders'))?.since ?? ordersIngested;
  } catch (e) {
    d.log.warn({ connection: d.connectionId, err: (e as Error).message }, 'order sweep before reconciliation failed: raises deferred');
  }
  const mayRaise = ordersIngested !== null && ordersIngested.getTime() >= readStarted.getTime();

  const drift: DriftRow[] = [];
  const observed: { id: number; actual: number }[] = [];
  const index = indexListings(known);
  for (const { item } of counts) {
    const listing = matchListing(index, item);
    if (!listing || listing.pushed === item.quantity) continue;
    const base = { connectionId: d.connectionId, sku: listing.sku, believed: listing.pushed, actual: item.quantity, layer: 'webhooks' };
    if (item.quantity > listing.target) {
      observed.push({ id: listing.id, actual: item.quantity });
      drift.push({ ...base, action: 'lowered' });
    } else if (mayRaise) {
      observed.push({ id: listing.id, actual: item.quantity });
      drift.push({ ...base, action: item.quantity < listing.target ? 'raised' : 'corrected' });
    } else {
      drift.push({ ...base, action: 'raise_deferred' });
    }
  }
  // The listings turn dirty where the channel differs from its target; the dispatcher
  // then pushes the target with compare-and-set against what the channel really shows.
  await recordObservedChannelCount(d.db, observed);
  await insertDrift(d.db, runId, drift);
  return counts.length;
}

/**
 * Every listing of the connection by each of its platform ids and by SKU: a full
 * reconciliation matches 100,000 counts in memory instead of 100,000 queries.
 */
function indexListings(listings: readonly ListingIdentity[]) {
  const byId = new Map<string, ListingIdentity>();
  const bySku = new Map<string, ListingIdentity>();
  for (const l of listings) {
    for (const [k, v] of Object.entries(l.platformIds)) byId.set(`${k}\u0000${v}`, l);
    bySku.set(l.sku, l);
  }
  return { byId, bySku };
}

/** The listing a count names: by all its platform ids, else by any one of them, else by SKU (as store/dispatch.ts findListing). */
function matchListing(index: ReturnType<typeof indexListings>, item: ChannelQuantity): ListingIdentity | undefined {
  const ids = Object.entries(item.platformIds).filter(([, v]) => typeof v === 'string' && v !== '');
  const candidates = ids.map(([k, v]) => index.byId.get(`${k}\u0000${v}`)).filter((l): l is ListingIdentity => l !== undefined);
  const all = candidates.find((l) => ids.every(([k, v]) => l.platformIds[k] === undefined || l.platformIds[k] === v));
  return all ?? candidates[0] ?? (item.sku ? index.bySku.get(item.sku) : undefined);
}
