// Aggregate: each connection's latest lowering latencies (target changed -> the channel
// shows it), the measurement adaptive buffers plan with and `status` reports.
import type { Queryable } from './db.js';

/** How many of a connection's latest lowerings the statistics cover. */
export const LATENCY_WINDOW = 200;

export interface LatencyStats {
  connectionId: string;
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Records lowerings of one connection and trims its history to the window. */
export async function recordLoweringLatencies(q: Queryable, connectionId: string, ms: readonly number[]): Promise<void> {
  if (ms.length === 0) return;
  await q.query({
    name: 'lowering_latencies_record',
    text: `WITH ins AS (
             INSERT INTO lowering_latencies (connection_id, ms)
             SELECT $1, m FROM unnest($2::int[]) AS m RETURNING id)
           DELETE FROM lowering_latencies
            WHERE connection_id = $1
              AND id < (SELECT id FROM lowering_latencies WHERE connection_id = $1 ORDER BY id DESC OFFSET $3 LIMIT 1)`,
    values: [connectionId, ms.map((m) => Math.max(0, Math.round(m))), LATENCY_WINDOW * 2],
  });
}

/** p50/p95/p99 over each connection's latest LATENCY_WINDOW lowerings (connections without any are absent). */
export async function loweringLatencyStats(q: Queryable): Promise<LatencyStats[]> {
  const { rows } = await q.query<LatencyStats>({
    name: 'lowering_latencies_stats',
    text: `SELECT connection_id AS "connectionId", count(*)::int AS count,
                  percentile_disc(0.5) WITHIN GROUP (ORDER BY ms)::int AS p50,
                  percentile_disc(0.95) WITHIN GROUP (ORDER BY ms)::int AS p95,
                  percentile_disc(0.99) WITHIN GROUP (ORDER BY ms)::int AS p99
             FROM (SELECT connection_id, ms, row_number() OVER (PARTITION BY connection_id ORDER BY id DESC) AS n
                     FROM lowering_latencies) recent
            WHERE n <= $1
            GROUP BY connection_id ORDER BY connection_id`,
    values: [LATENCY_WINDOW],
  });
  return rows;
}
