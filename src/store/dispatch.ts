// Aggregate: listings as the dispatcher sees them (layer 2): what to push, and what the
// channel acknowledged.
import type { Queryable } from './db.js';

export interface DirtyListing {
  id: number;
  sku: string;
  platformIds: Record<string, string>;
  target: number;
  pushed: number | null;
  targetChangedAt: Date;
  /** What we know of the count the channel shows (src/domain/push-read.ts). */
  verify: boolean;
  unrecordedSales: number;
  raiseHeld: boolean;
  /** Since the channel last acknowledged a push of this listing; null: never. */
  confirmedAgoMs: number | null;
  /** Since the moment the connection's orders are ingested through (its poll cursor); null: never polled. */
  ordersIngestedAgoMs: number | null;
}

/**
 * The oldest dirty listings of a connection that may be pushed now: not quarantined, not in
 * a push still in flight (`exclude`), not awaiting an async apply or a retry, and not a raise held until the channel's orders are
 * ingested past the moment it was seen selling on its own (invariant 3), and whose stock
 * some warehouse has reported. `lowerOnly`: only those whose push lowers the channel (or
 * sets a count never pushed), for the slot a raise must not hold (dispatcher.ts).
 */
export async function dirtyListings(
  q: Queryable,
  connectionId: string,
  limit: number,
  exclude: readonly number[] = [],
  lowerOnly = false,
): Promise<DirtyListing[]> {
  const { rows } = await q.query<DirtyListing>({
    name: 'dispatch_dirty',
    text: `SELECT l.id, l.sku, l.platform_ids AS "platformIds", l.target, l.pushed, l.target_changed_at AS "targetChangedAt",
                  l.verify, l.unrecorded_sales AS "unrecordedSales",
                  (l.raise_held_since IS NOT NULL AND (c.since IS NULL OR c.since < l.raise_held_since)) AS "raiseHeld",
                  (extract(epoch FROM now() - l.pushed_at) * 1000)::float8 AS "confirmedAgoMs",
                  (extract(epoch FROM now() - c.since) * 1000)::float8 AS "ordersIngestedAgoMs"
             FROM listings l
             LEFT JOIN poll_cursors c ON c.connection_id = l.connection_id AND c.stream = 'orders'
            WHERE l.connection_id = $1 AND l.dirty AND l.quarantined_reason IS NULL
              AND NOT (l.id = ANY($3::bigint[])) -- in a push still in flight
              AND (l.push_pending_until IS NULL OR l.push_pending_until < now())
              AND (NOT $4 OR l.target < COALESCE(l.pushed, l.target + 1)) -- lowerings only (domain/push-priority.ts isLowering)
              AND NOT (l.raise_held_since IS NOT NULL AND l.target > COALESCE(l.pushed, 0)
                       AND (c.since IS NULL OR c.since < l.raise_held_since))
              -- Never push a count no warehouse has reported yet (a fresh start would zero every channel).
              AND (EXISTS (SELECT 1 FROM stock_levels s WHERE s.sku = l.sku)
                   OR EXISTS (SELECT 1 FROM bundle_components b JOIN stock_levels s ON s.sku = b.component_sku WHERE b.bundle_sku = l.sku))
            -- Lowerings first (they close oversell windows), then raises, verifications last;
            -- a platform slower than the changes (Amazon, 5 calls/s) must not spend its
            -- budget on the least urgent. Among lowerings, those to 0 first: the channel
            -- shows units that are gone, and any sale of them oversells.
            ORDER BY (l.target < COALESCE(l.pushed, l.target + 1)) DESC, (l.target = 0 AND COALESCE(l.pushed, 1) > 0) DESC,
                     (l.pushed IS DISTINCT FROM l.target) DESC, l.target_changed_at, l.id
            LIMIT $2`,
    values: [connectionId, limit, exclude, lowerOnly],
  });
  return rows;
}

/**
 * The channel now shows `quantity`, set from `expected`. Applied as a delta on what we
 * hold, because a sale the channel made after our push may have been recorded meanwhile
 * (it lowered `pushed` already): pushed = pushed + (quantity - expected). A push the
 * platform applies later (`pendingMs`) sets an absolute count that overwrites the sales
 * made until then: pushed = quantity, and the count shown until then is kept apart.
 */
export async function recordPushed(
  q: Queryable,
  rows: readonly { id: number; quantity: number; expected: number | null; pendingMs?: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await q.query({
    name: 'dispatch_pushed',
    text: `UPDATE listings l
              SET pushed = CASE WHEN u.expected IS NULL OR l.pushed IS NULL OR u.pending_ms > 0 THEN u.quantity
                                ELSE GREATEST(l.pushed + (u.quantity - u.expected), 0) END,
                  pushed_at = now(), pushed_changed_at = now(), verify = false,
                  push_pending_until = CASE WHEN u.pending_ms > 0 THEN now() + u.pending_ms * interval '1 millisecond' END,
                  -- Until an asynchronous push applies, the channel may still show what it showed before.
                  pending_from = CASE WHEN u.pending_ms > 0 THEN GREATEST(COALESCE(l.pushed, 0),
                                   CASE WHEN l.push_pending_until > now() THEN COALESCE(l.pending_from, 0) ELSE 0 END) END
             FROM unnest($1::bigint[], $2::int[], $3::int[], $4::int[]) AS u(id, quantity, expected, pending_ms)
            WHERE l.id = u.id`,
    values: [rows.map((r) => r.id), rows.map((r) => r.quantity), rows.map((r) => r.expected), rows.map((r) => r.pendingMs ?? 0)],
  });
}

/**
 * What the channel really shows (a lost compare-and-set, a reconciliation read). With
 * `holdRaise`, a count lower than we believed means unseen channel sales: raising waits.
 * Those units are added to the unrecorded sales (earlier reads' may still wait for their
 * orders), so that their orders, when they come, do not
 * lower `pushed` a second time (an under-counted exposure would let adaptive buffers
 * raise another channel into units this one has sold).
 */
export async function recordObservedChannelCount(q: Queryable, rows: readonly { id: number; actual: number; holdRaise?: boolean }[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query({
    name: 'dispatch_observed',
    text: `UPDATE listings l SET pushed = u.actual, pushed_changed_at = now(), push_pending_until = NULL, verify = false,
                  unrecorded_sales = l.unrecorded_sales + GREATEST(COALESCE(l.pushed, u.actual) - u.actual, 0),
                  unrecorded_at = CASE WHEN COALESCE(l.pushed, u.actual) > u.actual THEN now() ELSE l.unrecorded_at END,
                  raise_held_since = CASE WHEN u.hold AND u.actual < COALESCE(l.pushed, u.actual) THEN now() ELSE l.raise_held_since END
             FROM unnest($1::bigint[], $2::int[], $3::bool[]) AS u(id, actual, hold) WHERE l.id = u.id`,
    values: [rows.map((r) => r.id), rows.map((r) => r.actual), rows.map((r) => r.holdRaise ?? false)],
  });
}

/**
 * Forgets a connection's unrecorded sales read before its orders poll's cursor: their
 * orders would have been recorded by now, so they were no sales. Returns the SKUs whose
 * targets must be recomputed.
 */
export async function forgetUnrecordedSales(q: Queryable, connectionId: string): Promise<string[]> {
  const { rows } = await q.query<{ sku: string }>({
    name: 'dispatch_forget_unrecorded',
    text: `UPDATE listings l SET unrecorded_sales = 0, unrecorded_at = NULL
             FROM poll_cursors oc
            WHERE l.connection_id = $1 AND l.unrecorded_sales > 0
              AND oc.connection_id = $1 AND oc.stream = 'orders' AND oc.since > COALESCE(l.unrecorded_at, '-infinity')
        RETURNING l.sku`,
    values: [connectionId],
  });
  return rows.map((r) => r.sku);
}

/**
 * Asks the dispatcher to push these listings' targets again even where pushed equals the
 * target: its compare-and-set finds out what the channel really shows.
 */
export async function markListingsToVerify(q: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query({ name: 'dispatch_mark_verify', text: `UPDATE listings SET verify = true WHERE id = ANY($1::bigint[])`, values: [ids] });
}

export async function quarantineListing(q: Queryable, id: number, reason: string): Promise<void> {
  await q.query({
    name: 'dispatch_quarantine',
    text: `UPDATE listings SET quarantined_reason = $2, quarantined_at = now() WHERE id = $1`,
    values: [id, reason],
  });
}

export interface ReleasedListing {
  id: number;
  connectionId: string;
  sku: string;
  /** Why it had been quarantined. */
  reason: string;
}

/**
 * Takes quarantined listings back into dispatch (by connection, by SKU, both, one listing
 * by id (the admin API), or all when none is given) and marks them to be pushed again (`verify`: the dispatcher pushes
 * the target even where pushed already equals it, since what the channel shows is not
 * known after a failed push). One statement; returns what it released.
 */
export async function releaseQuarantinedListings(
  q: Queryable,
  filter: { connectionId?: string; sku?: string; listingId?: number },
): Promise<ReleasedListing[]> {
  const { rows } = await q.query<ReleasedListing>({
    name: 'dispatch_release',
    text: `UPDATE listings l SET quarantined_reason = NULL, quarantined_at = NULL, verify = true, push_pending_until = NULL
             FROM (SELECT id, quarantined_reason FROM listings
                    WHERE quarantined_reason IS NOT NULL AND ($1::text IS NULL OR connection_id = $1) AND ($2::text IS NULL OR sku = $2)
                      AND ($3::bigint IS NULL OR id = $3)
                    ORDER BY id FOR UPDATE) was
            WHERE l.id = was.id
        RETURNING l.id, l.connection_id AS "connectionId", l.sku, was.quarantined_reason AS reason`,
    values: [filter.connectionId ?? null, filter.sku ?? null, filter.listingId ?? null],
  });
  return rows.sort((a, b) => a.connectionId.localeCompare(b.connectionId) || a.sku.localeCompare(b.sku));
}

export async function storeResolvedIds(q: Queryable, rows: readonly { id: number; platformIds: Record<string, string> }[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `UPDATE listings l SET platform_ids = l.platform_ids || u.ids
       FROM unnest($1::bigint[], $2::jsonb[]) AS u(id, ids) WHERE l.id = u.id`,
    [rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.platformIds))],
  );
}

export interface ListingIdentity {
  id: number;
  sku: string;
  platformIds: Record<string, string>;
  target: number;
  pushed: number | null;
}

/**
 * The listing an event names: by all its platform ids, else by the first of them alone
 * (stored ids may lack a field the event carries), else by SKU; never one whose own ids
 * contradict the event's (the same item's count at another Shopify location).
 */
export async function findListing(
  q: Queryable,
  connectionId: string,
  item: { sku: string; platformIds: Record<string, string> },
): Promise<ListingIdentity | undefined> {
  const ids = Object.fromEntries(Object.entries(item.platformIds).filter(([, v]) => typeof v === 'string' && v !== ''));
  const first = Object.entries(ids).slice(0, 1);
  // Unnamed on purpose: its generic plan (forced for named statements, see db.ts) cannot
  // use the GIN index on platform_ids and was 7x slower on 100,000 listings.
  const { rows } = await q.query<ListingIdentity>({
    text: `SELECT id, sku, platform_ids AS "platformIds", target, pushed FROM listings
            WHERE connection_id = $1
              AND (($4 AND platform_ids @> $2::jsonb) OR ($4 AND platform_ids @> $3::jsonb) OR sku = $5)
              AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(platform_ids) p WHERE $2::jsonb ->> p.key <> p.value)
            ORDER BY ($4 AND platform_ids @> $2::jsonb) DESC, ($4 AND platform_ids @> $3::jsonb) DESC
            LIMIT 1`,
    values: [connectionId, JSON.stringify(ids), JSON.stringify(Object.fromEntries(first)), first.length > 0, item.sku],
  });
  return rows[0];
}

/** Listings of a connection (listing resolution at dispatcher start). */
export async function connectionListings(q: Queryable, connectionId: string): Promise<ListingIdentity[]> {
  const { rows } = await q.query<ListingIdentity>(
    `SELECT id, sku, platform_ids AS "platformIds", target, pushed FROM listings WHERE connection_id = $1 ORDER BY id`,
    [connectionId],
  );
  return rows;
}

/** A listing as a connector names it: its id, SKU and platform ids (nothing else). */
export interface ListingKey {
  listingId: number;
  sku: string;
  platformIds: Record<string, string>;
}

/**
 * Up to `limit` listings of a connection after `afterId`, in id order: a full
 * reconciliation reads its catalogue in chunks like this, never as one 100,000-row result.
 * Rows come as arrays and are built into one small object each (pg's row objects grow
 * their properties one by one, twice the size), since the caller keeps them all.
 */
export async function listingKeysAfter(q: Queryable, connectionId: string, afterId: number, limit: number): Promise<ListingKey[]> {
  const { rows } = await q.query<[string, string, Record<string, string>]>({
    name: 'dispatch_listing_keys_after',
    text: `SELECT id, sku, platform_ids FROM listings WHERE connection_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    values: [connectionId, afterId, limit],
    rowMode: 'array',
  });
  return rows.map(([id, sku, platformIds]) => ({ listingId: Number(id), sku, platformIds }));
}

/** Any one listing of a connection (a cheap read proves the credentials work). */
export async function firstListing(q: Queryable, connectionId: string): Promise<ListingIdentity | undefined> {
  const { rows } = await q.query<ListingIdentity>({
    name: 'dispatch_first_listing',
    text: `SELECT id, sku, platform_ids AS "platformIds", target, pushed FROM listings WHERE connection_id = $1 ORDER BY id LIMIT 1`,
    values: [connectionId],
  });
  return rows[0];
}

/** Leaves these listings alone for a while (a retryable failure backs off). */
export async function deferListings(q: Queryable, ids: readonly number[], ms: number): Promise<void> {
  if (ids.length === 0) return;
  await q.query({
    name: 'dispatch_defer',
    text: `UPDATE listings SET push_pending_until = now() + $2 * interval '1 millisecond' WHERE id = ANY($1::bigint[])`,
    values: [ids, ms],
  });
}
