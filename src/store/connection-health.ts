// Read model: what `stocksync status` does not say about a connection's health and the admin
// API does: whether it is paused, its last push, and since when it has been failing.
import type { Queryable } from './db.js';

export interface ConnectionHealthExtra {
  connectionId: string;
  pausedAt: Date | null;
  pausedReason: string | null;
  /** The latest push a channel acknowledged. */
  lastPushAt: Date | null;
  /**
   * The oldest failure not cleared: a listing a permanent push error quarantined, an inbox
   * event that could not be processed, or a pause the engine set; null while healthy.
   */
  failingSince: Date | null;
  baseUrl: string;
  fulfilledBy: string | null;
}

export async function connectionHealthExtras(q: Queryable): Promise<ConnectionHealthExtra[]> {
  const { rows } = await q.query<ConnectionHealthExtra>({
    name: 'connection_health_extras',
    text: `SELECT c.id AS "connectionId", c.operator_paused_at AS "pausedAt", c.operator_pause_reason AS "pausedReason", c.base_url AS "baseUrl",
                  c.fulfilled_by AS "fulfilledBy",
                  (SELECT max(pushed_at) FROM listings WHERE connection_id = c.id) AS "lastPushAt",
                  LEAST((SELECT min(quarantined_at) FROM listings WHERE connection_id = c.id AND quarantined_reason IS NOT NULL),
                        (SELECT min(received_at) FROM inbox WHERE connection_id = c.id AND status = 'quarantined')) AS "failingSince"
             FROM connections c ORDER BY c.id`,
    values: [],
  });
  return rows;
}
