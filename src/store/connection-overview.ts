// Read model: what `stocksync status` does not say about a connection and the admin API
// does: its last push, and since when (and why) it has been failing.
import type { Queryable } from './db.js';

export interface ConnectionHealthExtra {
  connectionId: string;
  /** The latest push a channel acknowledged. */
  lastPushAt: Date | null;
  /**
   * The oldest failure not cleared: platform calls failing (refused credentials, unreachable:
   * connection_health), a listing a permanent push error quarantined, an inbox event that
   * could not be processed; null while healthy.
   */
  failingSince: Date | null;
  /** What the platform calls fail with while they do (auth | unreachable), and the last error. */
  failure: string | null;
  lastError: string | null;
  baseUrl: string;
  fulfilledBy: string | null;
}

export async function connectionHealthExtras(q: Queryable): Promise<ConnectionHealthExtra[]> {
  const { rows } = await q.query<ConnectionHealthExtra>({
    name: 'connection_overview_extras',
    text: `SELECT c.id AS "connectionId", c.base_url AS "baseUrl",
                  c.fulfilled_by AS "fulfilledBy",
                  (SELECT max(pushed_at) FROM listings WHERE connection_id = c.id) AS "lastPushAt",
                  LEAST(h.failing_since,
                        (SELECT min(quarantined_at) FROM listings WHERE connection_id = c.id AND quarantined_reason IS NOT NULL),
                        (SELECT min(received_at) FROM inbox WHERE connection_id = c.id AND status = 'quarantined')) AS "failingSince",
                  h.failure, h.last_error AS "lastError"
             FROM connections c LEFT JOIN connection_health h ON h.connection_id = c.id AND h.failing_since IS NOT NULL
            ORDER BY c.id`,
    values: [],
  });
  return rows;
}
