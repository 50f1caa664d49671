// Layer 2, channel side: drains a connection's dirty listings in batches as large as the
// platform takes, within its rate limit (the connector paces itself), and records what
// the channel acknowledged. Level-triggered: a crash loses nothing, the listings stay dirty.
import type { Logger } from 'pino';
import { ConnectorError } from '../../connectors/errors.js';
import type { ChannelConnector, PushItem, PushOutcome } from '../../connectors/types.js';
import { withTx, type Db } from '../../store/db.js';
import { countPushes } from '../../store/activity.js';
import { recordLoweringLatencies } from '../../store/lowering-latencies.js';
import type { PauseBackoff } from '../../store/connection-pauses.js';
import { gateOf, isAuthFailure, pauseOnAuthFailure, resumeOnSuccess } from './connection-gate.js';
import { countPushOutcomes, observeLowerings } from '../../metrics/counters.js';
import { countIsCurrent } from '../../domain/push-read.js';
import { isLowering } from '../../domain/push-priority.js';
import {
  deferListings,
  dirtyListings,
  firstListing,
  quarantineListing,
  recordObservedChannelCount,
  recordPushed,
  storeResolvedIds,
  connectionListings,
  type DirtyListing,
} from '../../store/dispatch.js';

export interface DispatcherDeps {
  db: Db;
  log: Logger;
  connectionId: string;
  connector: ChannelConnector;
  /** How long an asynchronously applied push (Amazon) is left alone before it may be redone. */
  asyncApplyMs?: number;
  /**
   * Called with how long each pushed listing waited since its target changed (propagation),
   * and whether the push lowers the channel (an oversell window closing) or raises it.
   */
  onPushed?: (waitedMs: number, direction: PushDirection) => void;
  /** The channel acknowledged lowerings: raises other channels held back for them may go. */
  onLowered?: () => void;
  /** The channel sold units we have not seen: poll its orders now (raises wait for them). */
  onUnseenSales?: () => void;
  /** How probes of a connection paused for auth back off (connection-gate.ts DEFAULT_AUTH_BACKOFF). */
  authBackoff?: PauseBackoff;
}

const RETRY_LATER_MS = 5_000;

export type PushDirection = 'lower' | 'raise';

/** One round: push one batch. True when more may be waiting. */
export async function dispatchOnce(d: DispatcherDeps): Promise<boolean> {
  const gate = await gateOf(d.db, d.connectionId);
  if (gate === 'closed') return false;
  if (gate === 'probe') return probe(d, []);
  const max = d.connector.capabilities.maxBatch;
  const batch = await dirtyListings(d.db, d.connectionId, max);
  if (batch.length === 0) return false;
  const stale = await pushBatch(d, batch);
  return batch.length === max || stale;
}

/**
 * The connection is paused for auth and a probe is due: push the most urgent dirty listing
 * alone (or, with nothing to push, read one listing's count: a cheap call that needs the
 * same credentials). Through, the connection resumes; refused, it waits longer. True when
 * the connection works again (dispatch at once).
 */
async function probe(d: DispatcherDeps, exclude: readonly number[]): Promise<boolean> {
  const batch = await dirtyListings(d.db, d.connectionId, 1, exclude);
  if (batch.length > 0) {
    await pushBatch(d, batch, true);
    return (await gateOf(d.db, d.connectionId)) === 'open';
  }
  const listing = await firstListing(d.db, d.connectionId);
  if (!listing) return false;
  try {
    await d.connector.readQuantities([{ listingId: listing.id, sku: listing.sku, platformIds: listing.platformIds }]);
  } catch (e) {
    if (!(e instanceof ConnectorError)) throw e;
    // Whatever stopped the probe, the credentials are not proven: wait for the next one.
    await pauseOnAuthFailure(d.db, d.log, d.connectionId, e, d.authBackoff);
    return false;
  }
  await resumeOnSuccess(d.db, d.log, d.connectionId);
  return true;
}

export interface DispatchPool {
  /**
   * Fills the free slots with batches. With every slot taken, waits for one to finish and
   * returns true; else returns false (sleep until `onSettled` or a change wakes the loop).
   */
  step(): Promise<boolean>;
  /** Waits for the pushes in flight (at shutdown). */
  drain(): Promise<void>;
}

/**
 * Up to `concurrency` pushes in flight on one connection, on disjoint listings. A request
 * that hangs (a platform timeout holds it for seconds) then no longer holds back every
 * listing that becomes dirty behind it, which is what let a lowering wait seconds on the
 * `lossy` faults. The connector's limiter still paces all of them within the platform's
 * rate; a listing is never in two pushes at once, so compare-and-set and the recorded
 * deltas stay per listing as with one push at a time.
 */
export function createDispatchPool(d: DispatcherDeps, concurrency: number, onSettled: () => void = () => {}): DispatchPool {
  const max = d.connector.capabilities.maxBatch;
  const busy = new Set<number>();
  const running = new Set<Promise<void>>();
  /** The batches in flight that lower a channel (the rest raise it or verify it). */
  const lowering = new Set<Promise<void>>();
  // A raise never holds the slot a lowering needs: while a batch without lowerings is in
  // flight (on Amazon it waits behind every lowering in the rate limiter), one slot more
  // is open to lowerings only. At most `concurrency + 1` batches in flight.
  const openTo = (): 'any' | 'lowerings' | 'none' =>
    running.size < concurrency ? 'any' : running.size === concurrency && lowering.size < concurrency ? 'lowerings' : 'none';
  let failure: { error: unknown } | undefined;
  const rethrow = () => {
    const f = failure;
    failure = undefined;
    if (f) throw f.error; // the loop backs off; the other pushes carry on
  };
  const start = (batch: DirtyListing[]) => {
    for (const l of batch) busy.add(l.id);
    const lowers = batch.some(isLowering);
    const job: Promise<void> = pushBatch(d, batch)
      .then(
        () => undefined,
        (error: unknown) => void (failure ??= { error }),
      )
      .finally(() => {
        for (const l of batch) busy.delete(l.id);
        running.delete(job);
        lowering.delete(job);
        onSettled(); // its listings may be dirty again, and a slot is free
      });
    running.add(job);
    if (lowers) lowering.add(job);
  };
  return {
    async step() {
      rethrow();
      const gate = await gateOf(d.db, d.connectionId);
      if (gate !== 'open') {
        // Paused for auth: let the pushes in flight finish, then probe alone when due.
        if (running.size > 0) {
          await Promise.race(running);
          rethrow();
          return true;
        }
        return gate === 'probe' ? probe(d, [...busy]) : false;
      }
      for (let open = openTo(); open !== 'none'; open = openTo()) {
        const batch = await dirtyListings(d.db, d.connectionId, max, [...busy], open === 'lowerings');
        if (batch.length === 0) break;
        start(batch);
      }
      // A free slot and nothing dirty: sleep until woken by a change or a finished push.
      if (openTo() !== 'none') return false;
      await Promise.race(running);
      rethrow();
      return true;
    },
    async drain() {
      await Promise.all([...running]);
    },
  };
}

/**
 * Pushes one batch and records the outcomes. True when a compare-and-set was stale.
 * `probing`: the connection is paused for auth and this push is its probe.
 */
async function pushBatch(d: DispatcherDeps, batch: readonly DirtyListing[], probing = false): Promise<boolean> {
  // Only where a push applies later: the reason a read may be skipped is the overwrite
  // window of an asynchronous absolute set (src/domain/push-read.ts).
  const async = d.connector.capabilities.asyncApply;
  const items: PushItem[] = batch.map((l) => ({
    listing: { listingId: l.id, sku: l.sku, platformIds: l.platformIds },
    quantity: l.target,
    expected: l.pushed,
    ...(async && countIsCurrent(l) && { expectedCurrent: true }),
  }));
  const issuedAt = Date.now();
  // Propagation is measured on changes, not on verifications of an unchanged target.
  for (const l of batch) {
    if (l.pushed !== l.target) d.onPushed?.(Math.max(0, issuedAt - l.targetChangedAt.getTime()), isLowering(l) ? 'lower' : 'raise');
  }
  let outcomes: PushOutcome[];
  try {
    outcomes = await d.connector.push(items);
  } catch (e) {
    if (!(e instanceof ConnectorError)) throw e;
    await countPushes(d.db, d.connectionId, { calls: 1, listings: 0, throttled: e.connectorCode === 'RATE_LIMITED' ? 1 : 0, errors: 1 });
    // Refused credentials pause the connection; the listings stay dirty, none is blamed.
    if (isAuthFailure(e)) {
      countPushOutcomes(d.connectionId, 'failed_retryable', items.length);
      await pauseOnAuthFailure(d.db, d.log, d.connectionId, e, d.authBackoff);
      return false;
    }
    // A connection-wide outage is not the listings' fault either: the loop backs off.
    if (e.retryable) {
      countPushOutcomes(d.connectionId, 'failed_retryable', items.length);
      throw e;
    }
    outcomes = items.map((i) => ({ status: 'failed', listingId: i.listing.listingId, error: e }));
  }
  await applyOutcomes(d, batch, items, outcomes, probing);
  return outcomes.some((o) => o.status === 'stale');
}

async function applyOutcomes(
  d: DispatcherDeps,
  batch: readonly DirtyListing[],
  items: readonly PushItem[],
  outcomes: readonly PushOutcome[],
  probing: boolean,
): Promise<void> {
  const expectedOf = new Map(items.map((i) => [i.listing.listingId, i.expected]));
  const pushed = outcomes.flatMap((o) =>
    o.status === 'applied' || o.status === 'accepted'
      ? [
          {
            id: o.listingId,
            quantity: o.quantity,
            expected: expectedOf.get(o.listingId) ?? null,
            pendingMs: o.status === 'accepted' ? (d.asyncApplyMs ?? 120_000) : 0,
          },
        ]
      : [],
  );
  const stale = outcomes.flatMap((o) => (o.status === 'stale' && o.actual !== null ? [{ id: o.listingId, actual: o.actual, holdRaise: true }] : []));
  const failed = outcomes.filter((o): o is Extract<PushOutcome, { status: 'failed' }> => o.status === 'failed');
  const retryLater = failed.filter((o) => o.error.retryable).map((o) => o.listingId);
  // Amazon's per-listing path returns a refused token as that listing's failure: it is
  // still the connection's credentials, so the listing stays dirty and is not quarantined.
  const authFailed = failed.filter((o) => isAuthFailure(o.error));
  const permanent = failed.filter((o) => !o.error.retryable && !isAuthFailure(o.error));
  // Lowering latency (adaptive buffers plan with it): target changed -> the channel shows
  // it, i.e. acknowledged, or for a platform that applies later, acknowledged plus its delay.
  const ackedAt = Date.now();
  const listingOf = new Map(batch.map((l) => [l.id, l]));
  const loweredMs = pushed.flatMap((p) => {
    const l = listingOf.get(p.id);
    return l && l.pushed !== null && p.quantity < l.pushed ? [Math.max(0, ackedAt - l.targetChangedAt.getTime()) + p.pendingMs] : [];
  });
  await withTx(d.db, async (tx) => {
    await recordPushed(tx, pushed);
    await recordLoweringLatencies(tx, d.connectionId, loweredMs);
    await recordObservedChannelCount(tx, stale);
    await deferListings(tx, retryLater, RETRY_LATER_MS);
    for (const f of permanent) {
      await quarantineListing(tx, f.listingId, `${f.error.connectorCode}: ${f.error.message}`.slice(0, 500));
    }
    await countPushes(tx, d.connectionId, {
      calls: 1,
      listings: pushed.length,
      throttled: failed.filter((f) => f.error.connectorCode === 'RATE_LIMITED').length,
      errors: failed.length,
    });
  });
  observeLowerings(d.connectionId, loweredMs);
  for (const o of outcomes)
    countPushOutcomes(
      d.connectionId,
      o.status === 'failed' ? (o.error.retryable || isAuthFailure(o.error) ? 'failed_retryable' : 'failed_permanent') : o.status,
    );
  if (authFailed.length > 0) await pauseOnAuthFailure(d.db, d.log, d.connectionId, authFailed[0]!.error, d.authBackoff);
  else if (probing) await resumeOnSuccess(d.db, d.log, d.connectionId);
  if (loweredMs.length > 0) d.onLowered?.();
  if (stale.length > 0) {
    d.log.info({ connection: d.connectionId, stale: stale.length }, 'compare-and-set lost to channel sales; re-planned');
    // Unseen channel sales hold raises until the orders are in: fetch them now.
    if (stale.some((s) => s.actual < (expectedOf.get(s.id) ?? s.actual))) d.onUnseenSales?.();
  }
  for (const f of failed) d.log.warn({ connection: d.connectionId, listing: f.listingId, err: f.error.message, retryable: f.error.retryable }, 'push failed');
}

/**
 * Stores the platform ids of listings configured by SKU only, so webhooks naming ids find
 * them. Null when the connection is paused for auth (nothing asked; try again once resumed).
 */
export async function resolveListingIds(d: DispatcherDeps): Promise<number | null> {
  if ((await gateOf(d.db, d.connectionId)) !== 'open') return null;
  const listings = await connectionListings(d.db, d.connectionId);
  let resolved: Map<number, Record<string, string>>;
  try {
    resolved = await d.connector.resolveListings(listings.map((l) => ({ listingId: l.id, sku: l.sku, platformIds: l.platformIds })));
  } catch (e) {
    if (!(e instanceof ConnectorError) || !isAuthFailure(e)) throw e;
    await pauseOnAuthFailure(d.db, d.log, d.connectionId, e, d.authBackoff);
    return null;
  }
  const rows = [...resolved].map(([id, platformIds]) => ({ id, platformIds }));
  await storeResolvedIds(d.db, rows);
  const missing = listings.filter((l) => !resolved.has(l.id));
  for (const l of missing) d.log.warn({ connection: d.connectionId, sku: l.sku }, 'listing not found on the platform by SKU');
  return rows.length;
}
