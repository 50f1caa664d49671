// Aggregate: whether a connection is paused. A paused connection's background work (its
// dispatcher, poller, warehouse order pusher, scheduled reconciliation) skips its rounds;
// webhooks are still stored and processed. The admin API pauses and resumes; the engine may
// pause a connection itself (e.g. a channel refusing our credentials) through the same call.
import type { Queryable } from './db.js';

export interface ConnectionPause {
  pausedAt: Date;
  reason: string;
}

/** Pauses a connection (keeps the first pause's time and reason); false when it does not exist. */
export async function pauseConnection(q: Queryable, connectionId: string, reason: string): Promise<boolean> {
  const { rowCount } = await q.query({
    name: 'connection_pause',
    text: `UPDATE connections SET paused_at = COALESCE(paused_at, now()), paused_reason = COALESCE(paused_reason, $2) WHERE id = $1`,
    values: [connectionId, reason],
  });
  return (rowCount ?? 0) > 0;
}

/**
 * Resumes a connection and wakes its workers in every process (the dispatchers and order
 * pushers listen on these channels); false when it does not exist.
 */
export async function resumeConnection(q: Queryable, connectionId: string): Promise<boolean> {
  const { rows } = await q.query<{ id: string }>({
    name: 'connection_resume',
    text: `WITH r AS (UPDATE connections SET paused_at = NULL, paused_reason = NULL WHERE id = $1 RETURNING id)
           SELECT id, pg_notify('stocksync_dirty', id), pg_notify('stocksync_orders', id) FROM r`,
    values: [connectionId],
  });
  return rows.length > 0;
}

/** The pause of a connection, or null while it runs (or does not exist). */
export async function connectionPause(q: Queryable, connectionId: string): Promise<ConnectionPause | null> {
  const { rows } = await q.query<ConnectionPause>({
    name: 'connection_pause_get',
    text: `SELECT paused_at AS "pausedAt", paused_reason AS reason FROM connections WHERE id = $1 AND paused_at IS NOT NULL`,
    values: [connectionId],
  });
  return rows[0] ?? null;
}
