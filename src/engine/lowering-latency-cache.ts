// Each connection's measured lowering latency, as the planner uses it: read from the
// database at most every few seconds per process (it moves slowly; the order path must not
// pay a query for it), the last good answer kept while a refresh is under way.
import type { Queryable } from '../store/db.js';
import { loweringLatencyStats, type LatencyStats } from '../store/lowering-latencies.js';
import { adaptiveSettings } from './adaptive-settings.js';

const REFRESH_MS = 2_000;

interface Cached {
  at: number;
  stats: Map<string, LatencyStats>;
}

// One per process: a process serves one database (tests and the simulation start a
// process, or forget the cache, per database).
let cached: Cached | undefined;

/**
 * p95 lowering latency per connection (ms); the default for a connection with too few
 * samples. `q` may be a transaction: a refresh, every few seconds, is one read in it
 * (awaited, never left running on a client the caller goes on using).
 */
export async function loweringLatencies(q: Queryable): Promise<(connectionId: string) => number> {
  if (!cached || Date.now() - cached.at > REFRESH_MS) {
    const rows = await loweringLatencyStats(q);
    cached = { at: Date.now(), stats: new Map(rows.map((r) => [r.connectionId, r])) };
  }
  const stats = cached.stats;
  const s = adaptiveSettings();
  return (connectionId) => {
    const row = stats.get(connectionId);
    return row && row.count >= s.minLatencySamples ? row.p95 : s.defaultLatencyMs;
  };
}

/** Forgets the cached latencies (tests). */
export function forgetLoweringLatencies(): void {
  cached = undefined;
}
