// Aggregate: a connection paused because its platform refuses our credentials
// (connection_pauses, migration 010). The connection is paused, never its listings: they
// stay dirty, and the first call that gets through again resumes it.
import type { Queryable } from './db.js';

export interface ConnectionPause {
  connectionId: string;
  reason: 'auth';
  since: Date;
  lastError: string;
  /** Failed probes since the pause began. */
  attempts: number;
  nextRetryAt: Date;
  /** The next probe is due (next_retry_at has passed, by the database's clock). */
  due: boolean;
}

/** Probes back off from baseMs, doubling per failed probe up to maxMs, with jitter. */
export interface PauseBackoff {
  baseMs: number;
  maxMs: number;
}

/**
 * Pauses the connection (or keeps it paused) after an auth failure. A failure of the probe
 * that was due doubles the wait; a failure of a call already in flight when the pause
 * began (two pushes side by side) only updates the error. The wait is between half and all
 * of the doubled delay ("equal jitter"): several processes or connections with the same
 * rotated token do not probe in step, and a probe is never due at once.
 */
export async function pauseForAuth(q: Queryable, connectionId: string, error: string, backoff: PauseBackoff): Promise<ConnectionPause> {
  const { rows } = await q.query<ConnectionPause>({
    name: 'pause_for_auth',
    text: `INSERT INTO connection_pauses AS p (connection_id, paused_reason, paused_since, last_error, attempts, next_retry_at)
           VALUES ($1, 'auth', now(), $2, 1, now() + ($3 * (0.5 + random() / 2)) * interval '1 millisecond')
           ON CONFLICT (connection_id) DO UPDATE SET
             paused_reason = 'auth', last_error = $2,
             paused_since = CASE WHEN p.paused_reason IS NULL THEN now() ELSE p.paused_since END,
             attempts = CASE WHEN p.paused_reason IS NULL THEN 1 WHEN p.next_retry_at <= now() THEN p.attempts + 1 ELSE p.attempts END,
             next_retry_at = CASE
               WHEN p.paused_reason IS NULL THEN now() + ($3 * (0.5 + random() / 2)) * interval '1 millisecond'
               WHEN p.next_retry_at <= now() THEN now() + (LEAST($4::float8, $3 * power(2, p.attempts)) * (0.5 + random() / 2)) * interval '1 millisecond'
               ELSE p.next_retry_at END
           RETURNING connection_id AS "connectionId", paused_reason AS reason, paused_since AS since, last_error AS "lastError",
                     attempts, next_retry_at AS "nextRetryAt", false AS due`,
    values: [connectionId, error.slice(0, 500), backoff.baseMs, backoff.maxMs],
  });
  return rows[0]!;
}

/** Ends the pause: the platform took our credentials again. True when it was paused. */
export async function resumeConnection(q: Queryable, connectionId: string): Promise<boolean> {
  const { rowCount } = await q.query({
    name: 'pause_resume',
    text: `UPDATE connection_pauses SET paused_reason = NULL, next_retry_at = NULL, attempts = 0, resumed_at = now()
            WHERE connection_id = $1 AND paused_reason IS NOT NULL`,
    values: [connectionId],
  });
  return (rowCount ?? 0) > 0;
}

/** The connection's pause, or undefined when it works. */
export async function connectionPause(q: Queryable, connectionId: string): Promise<ConnectionPause | undefined> {
  const { rows } = await q.query<ConnectionPause>({
    name: 'pause_of',
    text: `SELECT connection_id AS "connectionId", paused_reason AS reason, paused_since AS since, last_error AS "lastError",
                  attempts, next_retry_at AS "nextRetryAt", next_retry_at <= now() AS due
             FROM connection_pauses WHERE connection_id = $1 AND paused_reason IS NOT NULL`,
    values: [connectionId],
  });
  return rows[0];
}

/** Every paused connection (status). */
export async function connectionPauses(q: Queryable): Promise<ConnectionPause[]> {
  const { rows } = await q.query<ConnectionPause>({
    name: 'pauses_all',
    text: `SELECT connection_id AS "connectionId", paused_reason AS reason, paused_since AS since, last_error AS "lastError",
                  attempts, next_retry_at AS "nextRetryAt", next_retry_at <= now() AS due
             FROM connection_pauses WHERE paused_reason IS NOT NULL ORDER BY connection_id`,
    values: [],
  });
  return rows;
}
