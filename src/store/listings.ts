// Aggregate: listings (a SKU on one channel) with their target and pushed quantities.
import type { Queryable } from './db.js';
import type { BufferPolicy } from '../domain/types.js';

/** What the buffer planner needs of one listing's present (src/domain/buffer-modes.ts). */
export interface ListingState {
  id: number;
  sku: string;
  connectionId: string;
  target: number;
  /** The most the channel may show now: pushed, or the count before a push still applying. */
  exposure: number;
  /** Units per second as stored, and how long ago it was stored (decay it to now). */
  velocity: number;
  velocityAgeMs: number;
  partitioned: boolean;
  raiseGated: boolean;
  /** Sales a read of the channel found whose orders are not recorded yet (store/dispatch.ts). */
  unrecordedSales: number;
  /** The channel's platform (whether it applies a count later is the platform's trait). */
  platform: string;
  /** The platform location the count is at ('' or absent: the connection as a whole; migration 024). */
  outlet?: string;
}

export interface ListingPolicyRow extends ListingState {
  policy: BufferPolicy;
  override: BufferPolicy | null;
}

// Exposure: the units a channel may still sell. What it shows (pushed); plus, for an
// asynchronous push (pending_from set), the count it showed before: until the push applies
// it sells that, and what it sells meanwhile is overwritten by the applied count, so those
// units stay counted until the channel's orders are ingested past the apply.
const STATE_COLUMNS = `l.id, l.sku, l.connection_id AS "connectionId", l.target,
            COALESCE(l.pushed, 0)
              + CASE WHEN l.pending_from IS NOT NULL
                      AND (l.push_pending_until > now() OR COALESCE(oc.since, '-infinity') < l.push_pending_until)
                     THEN l.pending_from ELSE 0 END AS exposure,
            l.velocity, COALESCE(extract(epoch FROM now() - l.velocity_at) * 1000, 0)::float8 AS "velocityAgeMs",
            l.partitioned, l.raise_gated AS "raiseGated", l.unrecorded_sales AS "unrecordedSales", c.platform, l.outlet`;
const STATE_JOINS = `JOIN connections c ON c.id = l.connection_id
       LEFT JOIN poll_cursors oc ON oc.connection_id = l.connection_id AND oc.stream = 'orders'`;

// The policy in force: one set through the admin API (runtime) wins over the YAML's until it
// is removed, the channel's and each SKU's override alike (README, "Admin API").
const EFFECTIVE_POLICY = `COALESCE(c.buffer_policy_runtime, c.buffer_policy) AS policy, COALESCE(ro.policy, o.policy) AS override`;
const OVERRIDE_JOINS = `LEFT JOIN buffer_overrides o ON o.connection_id = l.connection_id AND o.sku = l.sku
       LEFT JOIN runtime_buffer_overrides ro ON ro.connection_id = l.connection_id AND ro.sku = l.sku`;

/** Listings of these SKUs with their channel's policy and the SKU's override, pool order. */
export async function listingsWithPolicies(tx: Queryable, skus: readonly string[]): Promise<ListingPolicyRow[]> {
  const { rows } = await tx.query<ListingPolicyRow>({
    name: 'listings_with_policies',
    text: `SELECT ${STATE_COLUMNS}, ${EFFECTIVE_POLICY}
       FROM listings l
       ${STATE_JOINS}
       ${OVERRIDE_JOINS}
      WHERE l.sku = ANY($1::text[])
      ORDER BY l.sku, l.connection_id, l.outlet`,
    values: [skus],
  });
  return rows;
}

/** The planner's state of every listing of these SKUs (their policies come from the catalogue cache). */
export async function listingStates(tx: Queryable, skus: readonly string[]): Promise<ListingState[]> {
  if (skus.length === 0) return [];
  const { rows } = await tx.query<ListingState>({
    name: 'listings_states',
    text: `SELECT ${STATE_COLUMNS} FROM listings l ${STATE_JOINS}
            WHERE l.sku = ANY($1::text[]) ORDER BY l.sku, l.connection_id, l.outlet`,
    values: [skus],
  });
  return rows;
}

export interface TargetChange {
  id: number;
  target: number;
  /** Adaptive's state for the listing's SKU, and whether the planner held a raise of it back. */
  partitioned: boolean;
  raiseGated: boolean;
}

/** Writes new targets and planner state; only rows where something really changes are touched. */
export async function updateTargets(tx: Queryable, changes: readonly TargetChange[]): Promise<number> {
  if (changes.length === 0) return 0;
  const { rowCount } = await tx.query({
    name: 'listings_update_targets',
    text: `UPDATE listings l SET target = u.target, partitioned = u.partitioned, raise_gated = u.gated,
                  target_changed_at = CASE WHEN l.target <> u.target THEN now() ELSE l.target_changed_at END
       FROM unnest($1::bigint[], $2::int[], $3::bool[], $4::bool[]) AS u(id, target, partitioned, gated)
      WHERE l.id = u.id AND (l.target <> u.target OR l.partitioned <> u.partitioned OR l.raise_gated <> u.gated)`,
    values: [changes.map((c) => c.id), changes.map((c) => c.target), changes.map((c) => c.partitioned), changes.map((c) => c.raiseGated)],
  });
  return rowCount ?? 0;
}

/** SKUs whose plan may change with time alone: partitioned (adaptive may leave) or holding a raise back. */
export async function skusToReplan(q: Queryable, limit: number): Promise<string[]> {
  const { rows } = await q.query<{ sku: string }>({
    name: 'listings_skus_to_replan',
    text: `SELECT DISTINCT sku FROM listings WHERE partitioned OR raise_gated ORDER BY sku LIMIT $1`,
    values: [limit],
  });
  return rows.map((r) => r.sku);
}

/** A listing's identity and policy, without its quantities (engine/catalog-cache.ts keeps these). */
export type ListingPolicy = Pick<ListingPolicyRow, 'id' | 'sku' | 'connectionId' | 'policy' | 'override'>;

/**
 * Every listing with its policy, pool order, and the catalogue version they belong to:
 * listings, policies and overrides change only with a catalogue sync, which bumps it.
 */
export async function loadListingPolicies(q: Queryable): Promise<{ version: number; listings: ListingPolicy[] }> {
  const { rows } = await q.query<ListingPolicy & { version: number }>(
    `SELECT v.version, x.* FROM catalog_version v LEFT JOIN (
       SELECT l.id, l.sku, l.connection_id AS "connectionId", ${EFFECTIVE_POLICY}
         FROM listings l
         JOIN connections c ON c.id = l.connection_id
         ${OVERRIDE_JOINS}) x ON true
      ORDER BY x.sku, x."connectionId"`,
  );
  return {
    version: Number(rows[0]!.version),
    listings: rows.filter((r) => r.id !== null).map(({ id, sku, connectionId, policy, override }) => ({ id, sku, connectionId, policy, override })),
  };
}

export interface ListingView {
  connectionId: string;
  /** The platform location the count is at ('' : the connection as a whole; migration 024). */
  outlet: string;
  platform: string;
  target: number;
  pushed: number | null;
  dirty: boolean;
  quarantinedReason: string | null;
  /** The SKU's sales velocity on this channel as stored (units/s) and its age: decay it to now to read it. */
  velocity: number;
  velocityAgeMs: number;
  partitioned: boolean;
  raiseGated: boolean;
}

export async function listingsOfSku(tx: Queryable, sku: string): Promise<ListingView[]> {
  const { rows } = await tx.query<ListingView>({
    name: 'listings_of_sku',
    text: `SELECT l.connection_id AS "connectionId", l.outlet, c.platform, l.target, l.pushed, l.dirty,
            l.quarantined_reason AS "quarantinedReason", l.velocity,
            COALESCE(extract(epoch FROM now() - l.velocity_at) * 1000, 0)::float8 AS "velocityAgeMs",
            l.partitioned, l.raise_gated AS "raiseGated"
       FROM listings l JOIN connections c ON c.id = l.connection_id
      WHERE l.sku = $1 ORDER BY l.connection_id, l.outlet`,
    values: [sku],
  });
  return rows;
}

/** Listings not quarantined that still wait for a push (of one connection, or of all). */
export async function countDirtyListings(q: Queryable, connectionId: string | null = null): Promise<number> {
  const { rows } = await q.query<{ n: number }>({
    name: 'listings_count_dirty',
    text: `SELECT count(*)::int AS n FROM listings
            WHERE dirty AND quarantined_reason IS NULL AND ($1::text IS NULL OR connection_id = $1)`,
    values: [connectionId],
  });
  return rows[0]!.n;
}

/** Listings (not quarantined) of a connection that no push has reached yet: its first sync is done at 0. */
export async function countNeverPushedListings(q: Queryable, connectionId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>({
    name: 'listings_count_never_pushed',
    text: `SELECT count(*)::int AS n FROM listings WHERE connection_id = $1 AND pushed IS NULL AND quarantined_reason IS NULL`,
    values: [connectionId],
  });
  return rows[0]!.n;
}

/** The target of every listing not quarantined. */
export async function listingTargets(q: Queryable): Promise<{ connectionId: string; sku: string; target: number }[]> {
  const { rows } = await q.query<{ connectionId: string; sku: string; target: number }>({
    name: 'listings_targets',
    text: `SELECT connection_id AS "connectionId", sku, target FROM listings WHERE quarantined_reason IS NULL`,
    values: [],
  });
  return rows;
}

export interface ListingWithStock {
  sku: string;
  connectionId: string;
  target: number;
  pushed: number | null;
  /** The SKU's totals (sku_stock). */
  available: number;
  claimed: number;
}

/** Every listing of these SKUs with its SKU's stock totals. */
export async function listingsWithStock(q: Queryable, skus: readonly string[]): Promise<ListingWithStock[]> {
  const { rows } = await q.query<ListingWithStock>({
    name: 'listings_with_stock',
    text: `SELECT l.sku, l.connection_id AS "connectionId", l.target, l.pushed, s.available, s.claimed
             FROM listings l JOIN sku_stock s USING (sku) WHERE l.sku = ANY($1::text[])`,
    values: [skus],
  });
  return rows;
}

/**
 * Push now: the listing is pushed at its target at the next dispatch round, compare-and-set
 * where the platform has it (verify), whatever waits it had; the dirty trigger wakes its
 * dispatcher. False when no such listing, or it is quarantined (release it first).
 */
export async function requestPush(q: Queryable, listingId: number): Promise<'requested' | 'quarantined' | 'not_found'> {
  const { rows } = await q.query<{ quarantined: boolean }>({
    name: 'listings_request_push',
    text: `WITH l AS (SELECT id, quarantined_reason IS NOT NULL AS quarantined FROM listings WHERE id = $1 FOR UPDATE),
           upd AS (UPDATE listings SET verify = true, push_pending_until = NULL FROM l WHERE listings.id = l.id AND NOT l.quarantined RETURNING 1)
           SELECT quarantined FROM l`,
    values: [listingId],
  });
  const row = rows[0];
  return !row ? 'not_found' : row.quarantined ? 'quarantined' : 'requested';
}

/** When the longest-waiting dirty listing (not quarantined) became dirty; null when none is. */
export async function oldestDirtySince(q: Queryable): Promise<Date | null> {
  const { rows } = await q.query<{ since: Date | null }>({
    name: 'listings_oldest_dirty',
    text: `SELECT min(target_changed_at) AS since FROM listings WHERE dirty AND quarantined_reason IS NULL`,
    values: [],
  });
  return rows[0]?.since ?? null;
}

/** Quarantined listings per connection and reason (the simulation's chaos report shows them). */
export async function quarantinedListingCounts(q: Queryable): Promise<{ connectionId: string; reason: string; listings: number }[]> {
  const { rows } = await q.query<{ connectionId: string; reason: string; listings: number }>({
    name: 'listings_quarantined_counts',
    text: `SELECT connection_id AS "connectionId", quarantined_reason AS reason, count(*)::int AS listings
             FROM listings WHERE quarantined_reason IS NOT NULL GROUP BY connection_id, quarantined_reason ORDER BY listings DESC`,
  });
  return rows;
}
