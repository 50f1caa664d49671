// Aggregate: reconciliation runs and the drift each found (layer 4).
import type { Queryable } from './db.js';

/**
 * What reconciliation did about a drift. Only the first three change anything: lowered
 * and raised mean the new count is queued for a dispatcher that will push it. not_pushed:
 * the channel shows another count than its target and nothing can push it now (`note`
 * says why).
 * stale_kept: a warehouse read differs from the stored level, which is newer: kept; or a
 * channel count was read before `pushed` last changed (a sale or push recorded since): kept.
 */
export type DriftAction = 'corrected' | 'lowered' | 'raised' | 'raise_deferred' | 'not_pushed' | 'stale_kept';

/** Actions that did not change what a platform shows or what we hold. */
const NOT_ACTED = ['raise_deferred', 'not_pushed', 'stale_kept'];

export interface DriftRow {
  connectionId: string;
  sku: string;
  believed: number | null;
  actual: number;
  action: DriftAction;
  layer: string | null;
  /** Why the action could not be taken, when it could not. */
  note?: string | null;
  /** A warehouse row: the location the level differs at (`warehouse/location`). */
  location?: string | null;
}

/** A stored drift row: a channel's with its own sources names them (`warehouse/location`, in routing order). */
export type StoredDriftRow = DriftRow & { units: number; location: string | null; sources: string[] | null };

export async function startReconciliation(q: Queryable, connectionId: string, trigger: string): Promise<number> {
  const { rows } = await q.query<{ id: number }>(`INSERT INTO reconciliations (connection_id, trigger) VALUES ($1, $2) RETURNING id`, [connectionId, trigger]);
  return rows[0]!.id;
}

/**
 * Stores a page of drift. A channel row gets the channel's sources as they are now (none:
 * the channel sells from the default sources), so that the report says which locations the
 * count it found was computed from.
 */
export async function insertDrift(q: Queryable, runId: number, rows: readonly DriftRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query({
    name: 'drift_insert',
    text: `INSERT INTO drift (reconciliation_id, connection_id, sku, believed, actual, units, action, layer, note, location, sources)
           SELECT $1, c, s, b, a, a - COALESCE(b, 0), act, l, n, loc,
                  CASE WHEN loc IS NULL THEN (
                    SELECT array_agg(src.name ORDER BY src.rank) FROM (
                      SELECT lo.connection_id || '/' || lo.code AS name, min(cl.position::bigint * 100000 + cs.position) AS rank
                        FROM channel_locations cl JOIN channel_sources cs ON cs.channel_location_id = cl.id JOIN locations lo ON lo.id = cs.location_id
                       WHERE cl.connection_id = c GROUP BY lo.connection_id, lo.code) src) END
             FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(c, s, b, a, act, l, n, loc)`,
    values: [
      runId,
      rows.map((r) => r.connectionId),
      rows.map((r) => r.sku),
      rows.map((r) => r.believed),
      rows.map((r) => r.actual),
      rows.map((r) => r.action),
      rows.map((r) => r.layer),
      rows.map((r) => r.note ?? null),
      rows.map((r) => r.location ?? null),
    ],
  });
}

export async function finishReconciliation(
  q: Queryable,
  runId: number,
  r: { status: 'done' | 'failed'; checked: number; error?: string },
): Promise<{ drifted: number; driftUnits: number }> {
  const { rows } = await q.query<{ drifted: number; driftUnits: number }>(
    `UPDATE reconciliations
        SET finished_at = now(), status = $2, checked = $3, error = $4,
            drifted = (SELECT count(*) FROM drift WHERE reconciliation_id = $1),
            drift_units = (SELECT COALESCE(sum(abs(units)), 0) FROM drift WHERE reconciliation_id = $1)
      WHERE id = $1
  RETURNING drifted, drift_units AS "driftUnits"`,
    [runId, r.status, r.checked, r.error ?? null],
  );
  return rows[0]!;
}

export async function driftOf(q: Queryable, runId: number): Promise<StoredDriftRow[]> {
  const { rows } = await q.query<StoredDriftRow>({
    name: 'drift_of_run',
    text: `SELECT connection_id AS "connectionId", sku, believed, actual, units, action, layer, note, location, sources
             FROM drift WHERE reconciliation_id = $1 ORDER BY abs(units) DESC, sku, location`,
    values: [runId],
  });
  return rows;
}

export async function stockLevelsOf(q: Queryable, connectionId: string, keys: readonly { location: string; sku: string }[]): Promise<Map<string, number>> {
  const { rows } = await q.query<{ location: string; sku: string; available: number }>(
    `SELECT l.code AS location, s.sku, s.available
       FROM stock_levels s JOIN locations l ON l.id = s.location_id
       JOIN unnest($2::text[], $3::text[]) AS k(location, sku) ON k.location = l.code AND k.sku = s.sku
      WHERE l.connection_id = $1`,
    [connectionId, keys.map((k) => k.location), keys.map((k) => k.sku)],
  );
  return new Map(rows.map((r) => [`${r.location}\u0000${r.sku}`, r.available]));
}

/** A channel count as read, for the listing it names; `mayRaise` once the orders are in. */
export interface ChannelCount {
  listingId: number;
  actual: number;
  mayRaise: boolean;
  /**
   * The earliest moment the count may be from (a bulk operation's start, a page's request):
   * where `pushed` changed since, the count is older news and is not taken (`newer`).
   */
  since: Date;
}

/** A count that differs from what we believed the channel shows. */
export interface CountDrift {
  listingId: number;
  sku: string;
  believed: number | null;
  target: number;
  actual: number;
  /** Taken as the channel's count (pushed = actual): lowered, raised or corrected. */
  recorded: boolean;
  /** Not taken: `pushed` changed after the read began (a sale or a push recorded meanwhile). */
  newer: boolean;
  /**
   * Why no dispatcher will push this listing now (quarantined, connection paused for auth,
   * no warehouse level yet); null when it will be pushed.
   */
  blocked: string | null;
}

/**
 * The moments as ISO strings, each distinct one formatted once: a page's 1,000 counts
 * share one `since`, and pg would format the same Date 1,000 times (garbage at 100,000
 * counts per reconciliation). Milliseconds, as pg sends a Date.
 */
function isoStamps(moments: readonly Date[]): string[] {
  const formatted = new Map<number, string>();
  return moments.map((d) => {
    let iso = formatted.get(d.getTime());
    if (iso === undefined) formatted.set(d.getTime(), (iso = d.toISOString()));
    return iso;
  });
}

/**
 * Takes the channel's counts as what it shows, in one statement: the comparison with
 * pushed and target runs on the rows as they are now (locked), not on a copy the
 * reconciler read before paging through the channel. A count above the target is always
 * taken (the dispatcher then lowers the channel); one at or below it only with mayRaise,
 * else it is returned unrecorded (raising waits for the channel's orders, invariant 3).
 * A count read before `pushed` last changed is never taken, whatever its direction: what
 * changed it (a sale recorded, a push acknowledged) is newer than the read.
 * The listing turns dirty where the count differs from the target.
 */
export async function observeChannelCounts(q: Queryable, counts: readonly ChannelCount[]): Promise<CountDrift[]> {
  if (counts.length === 0) return [];
  const { rows } = await q.query<CountDrift>({
    name: 'reconcile_observe_counts',
    text: `WITH cur AS (
             SELECT l.id, l.sku, l.pushed, l.target, u.actual, u.may_raise,
                    COALESCE(l.pushed_changed_at >= u.since, false) AS newer,
                    CASE WHEN l.quarantined_reason IS NOT NULL THEN 'listing quarantined: ' || l.quarantined_reason
                         WHEN p.paused_reason IS NOT NULL THEN 'connection paused: ' || p.paused_reason || ' failing since '
                              || to_char(p.paused_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' (' || COALESCE(p.last_error, '') || ')'
                         WHEN NOT EXISTS (SELECT 1 FROM stock_levels s WHERE s.sku = l.sku)
                              AND NOT EXISTS (SELECT 1 FROM bundle_components b JOIN stock_levels s ON s.sku = b.component_sku WHERE b.bundle_sku = l.sku)
                              THEN 'no warehouse has reported this SKU yet' END AS blocked
               FROM listings l JOIN unnest($1::bigint[], $2::int[], $3::bool[], $4::timestamptz[]) AS u(id, actual, may_raise, since) ON u.id = l.id
               LEFT JOIN connection_pauses p ON p.connection_id = l.connection_id AND p.paused_reason IS NOT NULL
              WHERE l.pushed IS DISTINCT FROM u.actual
              ORDER BY l.id
                FOR UPDATE OF l
           ), upd AS (
             UPDATE listings l SET pushed = cur.actual, pushed_changed_at = now(), push_pending_until = NULL, verify = false
               FROM cur WHERE l.id = cur.id AND NOT cur.newer AND (cur.actual > cur.target OR cur.may_raise)
             RETURNING l.id
           )
           SELECT cur.id AS "listingId", cur.sku, cur.pushed AS believed, cur.target, cur.actual, upd.id IS NOT NULL AS recorded, cur.newer, cur.blocked
             FROM cur LEFT JOIN upd ON upd.id = cur.id ORDER BY cur.id`,
    values: [counts.map((c) => c.listingId), counts.map((c) => c.actual), counts.map((c) => c.mayRaise), isoStamps(counts.map((c) => c.since))],
  });
  return rows;
}

export async function countReconciliations(q: Queryable, status: 'running' | 'done' | 'failed'): Promise<number> {
  const { rows } = await q.query<{ n: number }>({
    name: 'reconciliations_count',
    text: `SELECT count(*)::int AS n FROM reconciliations WHERE status = $1`,
    values: [status],
  });
  return rows[0]!.n;
}

export interface DriftTotals {
  /** Sum of |units| of the drift rows reconciliation acted on (corrected, lowered, raised). */
  actedUnits: number;
  actedRows: number;
  /** Raises held back until the channel's orders are in (invariant 3). */
  raisesDeferred: number;
}

/** Drift of every reconciliation run except `exceptRunId` (e.g. the opening-stock run). */
export async function driftTotals(q: Queryable, exceptRunId: number): Promise<DriftTotals> {
  const { rows } = await q.query<DriftTotals>({
    name: 'drift_totals',
    text: `SELECT COALESCE(sum(abs(units)) FILTER (WHERE action <> ALL ($2::text[])), 0)::int AS "actedUnits",
                  count(*) FILTER (WHERE action <> ALL ($2::text[]))::int AS "actedRows",
                  count(*) FILTER (WHERE action = 'raise_deferred')::int AS "raisesDeferred"
             FROM drift WHERE reconciliation_id <> $1`,
    values: [exceptRunId, NOT_ACTED],
  });
  return rows[0]!;
}

/** Runs interrupted by a stopped process stay `running` forever: close them, unless a live lease says one is going on. */
export async function closeInterruptedReconciliations(q: Queryable): Promise<void> {
  await q.query({
    name: 'reconciliations_close_interrupted',
    text: `UPDATE reconciliations r SET status = 'failed', finished_at = now(), error = 'interrupted: the process stopped'
            WHERE status = 'running'
              AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.name = 'reconcile:' || r.connection_id AND l.expires_at > now())`,
    values: [],
  });
}

export interface ReconciliationView {
  id: number;
  connectionId: string;
  trigger: string;
  status: 'running' | 'done' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  /** Items checked so far (while running) or in all; total when the platform said. */
  checked: number;
  total: number | null;
  drifted: number;
  driftUnits: number;
  error: string | null;
}

const RUN_COLUMNS = `id, connection_id AS "connectionId", trigger, status, started_at AS "startedAt", finished_at AS "finishedAt",
                     checked, total, drifted, drift_units AS "driftUnits", error`;

export async function listReconciliations(
  q: Queryable,
  f: { connectionId: string | null; beforeId: number | null; limit: number },
): Promise<ReconciliationView[]> {
  const { rows } = await q.query<ReconciliationView>({
    name: 'reconciliations_list',
    text: `SELECT ${RUN_COLUMNS} FROM reconciliations
            WHERE ($1::text IS NULL OR connection_id = $1) AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    values: [f.connectionId, f.beforeId, f.limit],
  });
  return rows;
}

export async function reconciliation(q: Queryable, id: number): Promise<ReconciliationView | null> {
  const { rows } = await q.query<ReconciliationView>({
    name: 'reconciliations_get',
    text: `SELECT ${RUN_COLUMNS} FROM reconciliations WHERE id = $1`,
    values: [id],
  });
  return rows[0] ?? null;
}

/** The running reconciliation of a connection, if any. */
export async function runningReconciliation(q: Queryable, connectionId: string): Promise<ReconciliationView | null> {
  const { rows } = await q.query<ReconciliationView>({
    name: 'reconciliations_running',
    text: `SELECT ${RUN_COLUMNS} FROM reconciliations WHERE connection_id = $1 AND status = 'running' ORDER BY id DESC LIMIT 1`,
    values: [connectionId],
  });
  return rows[0] ?? null;
}

/** Progress of the running reconciliation of a connection (one runs at a time per connection, under its lease). */
export async function recordReconciliationProgress(q: Queryable, connectionId: string, checked: number, total: number | null): Promise<void> {
  await q.query({
    name: 'reconciliations_progress',
    text: `UPDATE reconciliations SET checked = $2, total = $3 WHERE connection_id = $1 AND status = 'running'`,
    values: [connectionId, checked, total],
  });
}
