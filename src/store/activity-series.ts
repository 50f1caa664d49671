// Read model: the series the dashboard's overview charts over the last minutes (GET
// /api/v1/activity): orders per minute, lowering latencies per minute, and the push counters
// sampled to turn into a rate. Every query is bounded (the latest rows by primary key, the
// few hundred lowerings each connection keeps) so a dashboard left open costs the engine
// almost nothing.
import type { Queryable } from './db.js';

/** Orders per minute are counted over at most this many latest orders (a backward scan of the primary key). */
export const ORDERS_SCANNED = 50_000;

export interface MinuteCount {
  minute: Date;
  count: number;
}

/** Orders recorded per minute since `since` (minutes without orders are absent). */
export async function ordersPerMinute(q: Queryable, since: Date): Promise<MinuteCount[]> {
  const { rows } = await q.query<MinuteCount>({
    name: 'activity_orders_per_minute',
    text: `SELECT date_trunc('minute', created_at) AS minute, count(*)::int AS count
             FROM (SELECT created_at FROM orders ORDER BY id DESC LIMIT $2) latest
            WHERE created_at >= $1
            GROUP BY 1 ORDER BY 1`,
    values: [since, ORDERS_SCANNED],
  });
  return rows;
}

/** Orders recorded since `since` (over the same latest orders). */
export async function ordersSince(q: Queryable, since: Date): Promise<number> {
  const { rows } = await q.query<{ n: number }>({
    name: 'activity_orders_since',
    text: `SELECT count(*)::int AS n FROM (SELECT created_at FROM orders ORDER BY id DESC LIMIT $2) latest WHERE created_at >= $1`,
    values: [since, ORDERS_SCANNED],
  });
  return rows[0]!.n;
}

export interface MinuteLatency {
  connectionId: string;
  minute: Date;
  count: number;
  p50: number;
  p95: number;
  max: number;
}

/** Lowering latencies per connection and minute since `since`, from the latest lowerings each connection keeps. */
export async function loweringLatencyPerMinute(q: Queryable, since: Date): Promise<MinuteLatency[]> {
  const { rows } = await q.query<MinuteLatency>({
    name: 'activity_lowering_per_minute',
    text: `SELECT connection_id AS "connectionId", date_trunc('minute', recorded_at) AS minute, count(*)::int AS count,
                  percentile_disc(0.5) WITHIN GROUP (ORDER BY ms)::int AS p50,
                  percentile_disc(0.95) WITHIN GROUP (ORDER BY ms)::int AS p95,
                  max(ms)::int AS max
             FROM lowering_latencies
            WHERE recorded_at >= $1
            GROUP BY 1, 2 ORDER BY 2, 1`,
    values: [since],
  });
  return rows;
}

export interface PushCounters {
  connectionId: string;
  calls: number;
  listings: number;
  throttled: number;
}

/** Each connection's running push counters (connection_activity): sampled to make rates. */
export async function pushCounters(q: Queryable): Promise<PushCounters[]> {
  const { rows } = await q.query<PushCounters>({
    name: 'activity_push_counters',
    text: `SELECT connection_id AS "connectionId", push_calls::float8 AS calls, pushed_listings::float8 AS listings, throttled::float8 AS throttled
             FROM connection_activity ORDER BY 1`,
    values: [],
  });
  return rows;
}
