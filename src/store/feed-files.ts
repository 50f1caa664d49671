// Aggregate: the stock files of file-feed warehouses (migration 016) and their staged rows.
// The engine (src/engine/feed) reads a file into feed_rows, asks this module what it would
// change, and applies, holds or refuses it; every status change is one statement.
import type { Queryable } from './db.js';

export type FeedFileStatus = 'staging' | 'held' | 'applying' | 'applied' | 'ignored' | 'refused' | 'discarded' | 'superseded';

export interface FeedFileRow {
  id: number;
  connectionId: string;
  name: string;
  observedAt: Date;
  status: FeedFileStatus;
  rowsRead: number;
  rowsRefused: number;
  inStock: number | null;
  wouldZero: number | null;
  applied: number | null;
  absentZero: boolean | null;
  note: string | null;
  createdAt: Date;
  decidedAt: Date | null;
}

const FILE_COLUMNS = `id, connection_id AS "connectionId", name, observed_at AS "observedAt", status, rows_read AS "rowsRead",
  rows_refused AS "rowsRefused", in_stock AS "inStock", would_zero AS "wouldZero", applied, absent_zero AS "absentZero", note, created_at AS "createdAt", decided_at AS "decidedAt"`;

/** True when this file (name and moment) was read before, whatever became of it. */
export async function feedFileSeen(q: Queryable, connectionId: string, name: string, observedAt: Date): Promise<boolean> {
  const { rows } = await q.query({
    name: 'feed_file_seen',
    text: `SELECT 1 FROM feed_files WHERE connection_id = $1 AND name = $2 AND observed_at = $3 AND status <> 'staging'`,
    values: [connectionId, name, observedAt],
  });
  return rows.length > 0;
}

/** The snapshot moment of the newest file applied (or being applied), or null. */
export async function lastAppliedAt(q: Queryable, connectionId: string): Promise<Date | null> {
  const { rows } = await q.query<{ at: Date | null }>({
    name: 'feed_last_applied',
    text: `SELECT max(observed_at) AS at FROM feed_files WHERE connection_id = $1 AND status IN ('applying', 'applied')`,
    values: [connectionId],
  });
  return rows[0]?.at ?? null;
}

/** A file found older than the last applied: kept as `ignored`, so it is not looked at again. */
export async function recordIgnoredFile(q: Queryable, f: { connectionId: string; name: string; observedAt: Date; note: string }): Promise<void> {
  await q.query({
    name: 'feed_file_ignore',
    text: `INSERT INTO feed_files (connection_id, name, observed_at, status, note, decided_at) VALUES ($1, $2, $3, 'ignored', $4, now())
           ON CONFLICT (connection_id, name, observed_at) DO NOTHING`,
    values: [f.connectionId, f.name, f.observedAt, f.note],
  });
}

/**
 * Starts reading a file: a `staging` row, replacing one a crashed or failed read left.
 * Null when the file already has an outcome.
 */
export async function startFeedFile(q: Queryable, f: { connectionId: string; name: string; observedAt: Date }): Promise<number | null> {
  await q.query({
    name: 'feed_file_unstage',
    text: `DELETE FROM feed_files WHERE connection_id = $1 AND name = $2 AND observed_at = $3 AND status = 'staging'`,
    values: [f.connectionId, f.name, f.observedAt],
  });
  const { rows } = await q.query<{ id: number }>({
    name: 'feed_file_start',
    text: `INSERT INTO feed_files (connection_id, name, observed_at, status) VALUES ($1, $2, $3, 'staging')
           ON CONFLICT (connection_id, name, observed_at) DO NOTHING RETURNING id`,
    values: [f.connectionId, f.name, f.observedAt],
  });
  return rows[0]?.id ?? null;
}

/**
 * Readings a crashed process left `staging` (with their rows) for good: their file may never
 * be seen again once a newer one arrives. Left an hour, in case a slow reading still runs.
 */
export async function dropAbandonedStaging(q: Queryable, connectionId: string): Promise<void> {
  await q.query({
    name: 'feed_files_drop_abandoned',
    text: `DELETE FROM feed_files WHERE connection_id = $1 AND status = 'staging' AND created_at < now() - interval '1 hour'`,
    values: [connectionId],
  });
}

/** A read that failed part-way (the source dropped, the file changed): forgotten, read again next time. */
export async function dropStagingFile(q: Queryable, fileId: number): Promise<void> {
  await q.query({ name: 'feed_file_drop', text: `DELETE FROM feed_files WHERE id = $1 AND status = 'staging'`, values: [fileId] });
}

export interface StagedRow {
  location: string;
  sku: string;
  available: number | null;
  line: number;
}

/** Stores a batch of a file's rows; returns the lines of rows whose SKU and location an earlier row already gave. */
export async function stageFeedRows(q: Queryable, fileId: number, rows: readonly StagedRow[]): Promise<Set<number>> {
  if (rows.length === 0) return new Set();
  const { rows: stored } = await q.query<{ line: number }>({
    name: 'feed_rows_stage',
    text: `INSERT INTO feed_rows (file_id, location, sku, available, line)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[], $5::int[])
           ON CONFLICT (file_id, location, sku) DO NOTHING RETURNING line`,
    values: [fileId, rows.map((r) => r.location), rows.map((r) => r.sku), rows.map((r) => r.available), rows.map((r) => r.line)],
  });
  const kept = new Set(stored.map((r) => r.line));
  return new Set(rows.filter((r) => !kept.has(r.line)).map((r) => r.line));
}

// The levels of the connection now, and what the file says of each (location, SKU); a pair
// absent from the file is zero ($3 = absentSkus zero) or kept. Refused rows keep theirs.
const AFTER_FILE = `
  cur AS (SELECT l.code AS location, s.sku, s.available FROM stock_levels s JOIN locations l ON l.id = s.location_id WHERE l.connection_id = $2),
  f AS (SELECT location, sku, available, line FROM feed_rows WHERE file_id = $1),
  after AS (
    SELECT COALESCE(f.location, cur.location) AS location, COALESCE(f.sku, cur.sku) AS sku, cur.available AS before, f.line,
           CASE WHEN f.sku IS NULL THEN CASE WHEN $3 THEN 0 ELSE cur.available END ELSE COALESCE(f.available, cur.available) END AS available,
           f.sku IS NOT NULL AND f.available IS NULL AS refused
      FROM f FULL JOIN cur ON f.location = cur.location AND f.sku = cur.sku)`;

/** How many catalogue SKUs are in stock here, and how many of them the file would take to zero. */
export async function zeroingOf(q: Queryable, fileId: number, connectionId: string, absentZero: boolean): Promise<{ inStock: number; wouldZero: number }> {
  const { rows } = await q.query<{ inStock: number; wouldZero: number }>({
    name: 'feed_zeroing',
    text: `WITH ${AFTER_FILE},
           per_sku AS (SELECT a.sku, sum(COALESCE(a.before, 0)) AS before, sum(COALESCE(a.available, 0)) AS after
                         FROM after a JOIN skus k ON k.sku = a.sku AND NOT k.is_bundle GROUP BY a.sku)
           SELECT count(*) FILTER (WHERE before > 0)::int AS "inStock", count(*) FILTER (WHERE before > 0 AND after <= 0)::int AS "wouldZero" FROM per_sku`,
    values: [fileId, connectionId, absentZero],
  });
  return rows[0]!;
}

export interface FeedChange {
  location: string;
  sku: string;
  available: number;
  /** The file's line; null for a level the file leaves out (absentSkus: zero). */
  line: number | null;
}

/**
 * What applying the file changes: levels that differ, levels of SKUs with claims waiting to
 * settle at this warehouse (a snapshot must reach them even when the count is the same),
 * and SKUs the catalogue does not know that the previous applied file did not list (the
 * engine records those as incidents once, not at every file).
 */
export async function feedChanges(q: Queryable, fileId: number, connectionId: string, absentZero: boolean): Promise<FeedChange[]> {
  const { rows } = await q.query<FeedChange>({
    name: 'feed_changes',
    text: `WITH ${AFTER_FILE},
           prev AS (SELECT id FROM feed_files WHERE connection_id = $2 AND status = 'applied' AND id <> $1 ORDER BY observed_at DESC, id DESC LIMIT 1)
           SELECT a.location, a.sku, a.available, a.line FROM after a LEFT JOIN skus k ON k.sku = a.sku
            WHERE NOT a.refused AND a.available IS NOT NULL
              AND CASE WHEN k.sku IS NULL
                       THEN NOT EXISTS (SELECT 1 FROM feed_rows p WHERE p.file_id = (SELECT id FROM prev) AND p.sku = a.sku)
                       ELSE a.before IS DISTINCT FROM a.available
                            OR EXISTS (SELECT 1 FROM claims c JOIN warehouse_order_parts w ON w.order_id = c.order_id
                                        WHERE c.sku = a.sku AND c.state = 'open' AND w.warehouse_connection_id = $2
                                          AND w.ack_at <= (SELECT observed_at FROM feed_files WHERE id = $1))
                  END
            ORDER BY a.sku, a.location`,
    values: [fileId, connectionId, absentZero],
  });
  return rows;
}

/**
 * Records what the read found and puts the file on hold; a file held before is superseded
 * (first: one held file per connection). Two statements: run them in one transaction.
 */
export async function holdFeedFile(q: Queryable, fileId: number, s: FileStats & { inStock: number; wouldZero: number; note: string }): Promise<void> {
  await q.query({
    name: 'feed_file_supersede_held',
    text: `WITH old AS (UPDATE feed_files SET status = 'superseded', decided_at = now(), decided_by = 'a newer held file'
                        WHERE connection_id = (SELECT connection_id FROM feed_files WHERE id = $1) AND status = 'held' RETURNING id)
           DELETE FROM feed_rows WHERE file_id IN (SELECT id FROM old)`,
    values: [fileId],
  });
  await q.query({
    name: 'feed_file_hold',
    text: `UPDATE feed_files SET status = 'held', sha256 = $2, bytes = $3, rows_read = $4, rows_refused = $5, in_stock = $6, would_zero = $7, note = $8,
                  absent_zero = $9
            WHERE id = $1`,
    values: [fileId, s.sha256, s.bytes, s.rowsRead, s.rowsRefused, s.inStock, s.wouldZero, s.note, s.absentZero],
  });
}

export interface FileStats {
  sha256: string;
  bytes: number;
  rowsRead: number;
  rowsRefused: number;
  absentZero: boolean;
}

/** The file is about to be applied (read, checked, or confirmed by `by`). */
export async function markApplying(q: Queryable, fileId: number, s: FileStats & { inStock: number; wouldZero: number; note: string | null }): Promise<void> {
  await q.query({
    name: 'feed_file_applying',
    text: `UPDATE feed_files SET status = 'applying', sha256 = $2, bytes = $3, rows_read = $4, rows_refused = $5, in_stock = $6, would_zero = $7, note = $8,
                  absent_zero = $9
            WHERE id = $1 AND status = 'staging'`,
    values: [fileId, s.sha256, s.bytes, s.rowsRead, s.rowsRefused, s.inStock, s.wouldZero, s.note, s.absentZero],
  });
}

/** A file that cannot be applied at all (a header without the mapped columns, a stamp in the future...). */
export async function refuseFeedFile(q: Queryable, fileId: number, note: string, s?: Omit<FileStats, 'absentZero'>): Promise<void> {
  await q.query({
    name: 'feed_file_refuse',
    text: `WITH rows_gone AS (DELETE FROM feed_rows WHERE file_id = $1)
           UPDATE feed_files SET status = 'refused', note = $2, decided_at = now(), sha256 = COALESCE($3, sha256), bytes = COALESCE($4, bytes),
                  rows_read = COALESCE($5, rows_read), rows_refused = COALESCE($6, rows_refused)
            WHERE id = $1`,
    values: [fileId, note, s?.sha256 ?? null, s?.bytes ?? null, s?.rowsRead ?? null, s?.rowsRefused ?? null],
  });
}

/**
 * Applied: the file's rows stay (the next file is compared with them), older applied files'
 * rows go, and a held file older than this one can no longer be confirmed.
 */
export async function markApplied(q: Queryable, fileId: number, applied: number): Promise<void> {
  await q.query({
    name: 'feed_file_applied',
    text: `WITH me AS (UPDATE feed_files SET status = 'applied', applied = $2, decided_at = COALESCE(decided_at, now()) WHERE id = $1
                       RETURNING connection_id, observed_at),
                  old AS (SELECT f.id FROM feed_files f, me WHERE f.connection_id = me.connection_id AND f.id <> $1 AND f.status = 'applied'),
                  rows_gone AS (DELETE FROM feed_rows WHERE file_id IN (SELECT id FROM old))
           UPDATE feed_files f SET status = 'superseded', decided_at = now(), decided_by = 'a newer applied file'
             FROM me WHERE f.connection_id = me.connection_id AND f.status = 'held' AND f.observed_at <= me.observed_at`,
    values: [fileId, applied],
  });
}

/** Files left `applying` by a crash (applied again: every level's ledger key is the file's). */
export async function applyingFiles(q: Queryable, connectionId: string): Promise<FeedFileRow[]> {
  const { rows } = await q.query<FeedFileRow>({
    name: 'feed_files_applying',
    text: `SELECT ${FILE_COLUMNS} FROM feed_files WHERE connection_id = $1 AND status = 'applying' ORDER BY observed_at`,
    values: [connectionId],
  });
  return rows;
}

/**
 * A person's decision on the held file: `applying` (confirm) or `discarded`. Null when the
 * connection has no held file (none, or a newer file superseded it).
 */
export async function decideHeldFile(q: Queryable, connectionId: string, decision: 'applying' | 'discarded', by: string): Promise<FeedFileRow | null> {
  const { rows } = await q.query<FeedFileRow>({
    name: 'feed_file_decide',
    text: `WITH rows_gone AS (DELETE FROM feed_rows WHERE $2 = 'discarded' AND file_id IN (SELECT id FROM feed_files WHERE connection_id = $1 AND status = 'held'))
           UPDATE feed_files SET status = $2, decided_at = now(), decided_by = $3 WHERE connection_id = $1 AND status = 'held'
           RETURNING ${FILE_COLUMNS}`,
    values: [connectionId, decision, by],
  });
  return rows[0] ?? null;
}

/** The latest files of one connection, or of every connection, newest first. */
export async function recentFeedFiles(q: Queryable, connectionId: string | null, limit: number): Promise<FeedFileRow[]> {
  const { rows } = await q.query<FeedFileRow>({
    name: 'feed_files_recent',
    text: `SELECT ${FILE_COLUMNS} FROM feed_files WHERE ($1::text IS NULL OR connection_id = $1) AND status <> 'staging' ORDER BY id DESC LIMIT $2`,
    values: [connectionId, limit],
  });
  return rows;
}

/** Every held file: `stocksync status` lists them, they wait for a person. */
export async function heldFeedFiles(q: Queryable): Promise<FeedFileRow[]> {
  const { rows } = await q.query<FeedFileRow>({
    name: 'feed_files_held',
    text: `SELECT ${FILE_COLUMNS} FROM feed_files WHERE status = 'held' ORDER BY connection_id`,
    values: [],
  });
  return rows;
}
