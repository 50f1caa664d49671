// Aggregate: the answers of API writes, by Idempotency-Key. A key is taken by its first
// request (status_code null while it runs), answered once, and a repeat gets that answer.
import type { Queryable } from './db.js';

export type IdempotencyClaim =
  | { state: 'new' }
  | { state: 'replay'; statusCode: number; response: unknown }
  | { state: 'mismatch' } // the key was used for another request
  | { state: 'in_progress' };

/** How long a key is kept; older ones are forgotten (and a request stuck in progress is given up). */
export const IDEMPOTENCY_TTL_HOURS = 24;

/**
 * Takes `key` for the request with this fingerprint, or says what the key already holds.
 * A key whose first request never finished (a crash) is given up after 5 minutes: the
 * writes behind the API are themselves keyed (ledger keys, order ids), so redoing one is safe.
 */
export async function claimIdempotencyKey(q: Queryable, key: string, fingerprint: string): Promise<IdempotencyClaim> {
  await q.query({
    name: 'api_idempotency_forget_stale',
    text: `DELETE FROM api_idempotency
            WHERE key = $1 AND (created_at < now() - $2 * interval '1 hour' OR (status_code IS NULL AND created_at < now() - interval '5 minutes'))`,
    values: [key, IDEMPOTENCY_TTL_HOURS],
  });
  const { rows } = await q.query<{ inserted: boolean; fingerprint: string; statusCode: number | null; response: unknown }>({
    name: 'api_idempotency_claim',
    text: `WITH ins AS (INSERT INTO api_idempotency (key, fingerprint) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key)
           SELECT true AS inserted, $2 AS fingerprint, NULL::int AS "statusCode", NULL::jsonb AS response FROM ins
           UNION ALL
           SELECT false, fingerprint, status_code, response FROM api_idempotency WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
    values: [key, fingerprint],
  });
  const row = rows[0];
  // Neither inserted nor found: another request held the key and released it meanwhile.
  if (!row) return { state: 'in_progress' };
  if (row.inserted) return { state: 'new' };
  if (row.fingerprint !== fingerprint) return { state: 'mismatch' };
  if (row.statusCode === null) return { state: 'in_progress' };
  return { state: 'replay', statusCode: row.statusCode, response: row.response };
}

export async function completeIdempotencyKey(q: Queryable, key: string, statusCode: number, response: unknown): Promise<void> {
  await q.query({
    name: 'api_idempotency_complete',
    text: `UPDATE api_idempotency SET status_code = $2, response = $3, completed_at = now() WHERE key = $1`,
    values: [key, statusCode, JSON.stringify(response ?? null)],
  });
}

/** The request failed on our side (5xx): free the key so that a retry runs it again. */
export async function releaseIdempotencyKey(q: Queryable, key: string): Promise<void> {
  await q.query({ name: 'api_idempotency_release', text: `DELETE FROM api_idempotency WHERE key = $1 AND status_code IS NULL`, values: [key] });
}

/** Forgets keys older than the TTL (called now and then by the API). */
export async function expireIdempotencyKeys(q: Queryable): Promise<number> {
  const { rowCount } = await q.query({
    name: 'api_idempotency_expire',
    text: `DELETE FROM api_idempotency WHERE created_at < now() - $1 * interval '1 hour'`,
    values: [IDEMPOTENCY_TTL_HOURS],
  });
  return rowCount ?? 0;
}
