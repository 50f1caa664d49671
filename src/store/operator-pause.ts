// Aggregate: a connection paused by an operator (the admin API), until resumed. Its
// background work (dispatcher, poller, warehouse order pusher, scheduled reconciliation)
// skips its rounds; webhooks are still stored and processed, and targets computed, so
// resuming pushes what changed meanwhile. Not the engine's own pause of a connection whose
// platform refuses our credentials (probed with back-off, resumed by itself): that one is
// a separate aggregate, and either pause holds the work back.
import type { Queryable } from './db.js';

export interface OperatorPause {
  pausedAt: Date;
  reason: string;
}

/** Pauses a connection (keeps the first pause's time and reason); false when it does not exist. */
export async function pauseByOperator(q: Queryable, connectionId: string, reason: string): Promise<boolean> {
  const { rowCount } = await q.query({
    name: 'operator_pause',
    text: `UPDATE connections SET operator_paused_at = COALESCE(operator_paused_at, now()), operator_pause_reason = COALESCE(operator_pause_reason, $2) WHERE id = $1`,
    values: [connectionId, reason],
  });
  return (rowCount ?? 0) > 0;
}

/**
 * Resumes a connection and wakes its workers in every process (the dispatchers and order
 * pushers listen on these channels); false when it does not exist.
 */
export async function resumeByOperator(q: Queryable, connectionId: string): Promise<boolean> {
  const { rows } = await q.query<{ id: string }>({
    name: 'operator_resume',
    text: `WITH r AS (UPDATE connections SET operator_paused_at = NULL, operator_pause_reason = NULL WHERE id = $1 RETURNING id)
           SELECT id, pg_notify('stocksync_dirty', id), pg_notify('stocksync_orders', id) FROM r`,
    values: [connectionId],
  });
  return rows.length > 0;
}

/** The pause of a connection, or null while it runs (or does not exist). */
export async function operatorPause(q: Queryable, connectionId: string): Promise<OperatorPause | null> {
  const { rows } = await q.query<OperatorPause>({
    name: 'operator_pause_get',
    text: `SELECT operator_paused_at AS "pausedAt", operator_pause_reason AS reason FROM connections WHERE id = $1 AND operator_paused_at IS NOT NULL`,
    values: [connectionId],
  });
  return rows[0] ?? null;
}
