// Aggregate: per-connection signals the alert rules read and no other table holds: since
// when a connection fails auth or is unreachable (written on transitions only, not per
// call), and the orders incremental polls found that no webhook had brought.
import type { Queryable } from './db.js';

export type ConnectionFailure = 'auth' | 'unreachable';

/** The connection fails (again): `failing_since` keeps the first failure of the streak. */
export async function recordConnectionFailure(q: Queryable, connectionId: string, failure: ConnectionFailure, error: string): Promise<void> {
  await q.query({
    name: 'connection_health_failing',
    text: `INSERT INTO connection_health (connection_id, failing_since, failure, last_error) VALUES ($1, now(), $2, $3)
           ON CONFLICT (connection_id) DO UPDATE
              SET failing_since = COALESCE(connection_health.failing_since, now()), failure = $2, last_error = $3, updated_at = now()`,
    values: [connectionId, failure, error.slice(0, 500)],
  });
}

/** A call went through: the streak, if any, is over. */
export async function recordConnectionRecovered(q: Queryable, connectionId: string): Promise<void> {
  await q.query({
    name: 'connection_health_recovered',
    text: `UPDATE connection_health SET failing_since = NULL, failure = NULL, updated_at = now()
            WHERE connection_id = $1 AND failing_since IS NOT NULL`,
    values: [connectionId],
  });
}

/** How long poll findings are kept: longer than any sensible webhooks-silent window. */
const FINDINGS_KEPT = '2 days';

/** A poll recorded `orders` orders the engine had not seen; older findings are trimmed. */
export async function recordPollFindings(q: Queryable, connectionId: string, orders: number): Promise<void> {
  if (orders <= 0) return;
  await q.query({
    name: 'poll_findings_record',
    text: `WITH ins AS (INSERT INTO poll_findings (connection_id, orders) VALUES ($1, $2) RETURNING id)
           DELETE FROM poll_findings WHERE connection_id = $1 AND found_at < now() - interval '${FINDINGS_KEPT}'`,
    values: [connectionId, orders],
  });
}
