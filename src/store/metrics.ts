// Read model for /metrics: what the database holds that Prometheus gauges report (backlogs,
// ages, the last reconciliation, lease owners, alerts), in one query per scrape. Every
// part reads a small table or a partial index; nothing here scans orders or the ledger.
// Backlogs are reported for every connection, 0 included: a series that vanishes when
// all is well is one an alert rule cannot tell from a broken scrape.
import type { Queryable } from './db.js';

export type GaugeName =
  | 'inbox_pending'
  | 'dirty_listings'
  | 'oldest_dirty_age_seconds'
  | 'open_oversell_incidents'
  | 'reconciliation_drift_units'
  | 'reconciliation_duration_seconds'
  | 'reconciliation_failed'
  | 'lease_owner'
  | 'connection_failing'
  | 'alerts_firing'
  | 'alert_deliveries_pending';

/** One sample: `a` and `b` are the gauge's labels in the order it declares them. */
export interface GaugeSample {
  gauge: GaugeName;
  a: string | null;
  b: string | null;
  value: number;
}

export async function gaugeSamples(q: Queryable): Promise<GaugeSample[]> {
  const { rows } = await q.query<GaugeSample>({
    name: 'metrics_gauges',
    text: `WITH pending AS (SELECT connection_id, count(*) AS n FROM inbox WHERE status = 'pending' GROUP BY connection_id),
                dirty AS (SELECT connection_id, count(*) AS n, min(target_changed_at) AS oldest
                            FROM listings WHERE dirty AND quarantined_reason IS NULL GROUP BY connection_id),
                channels AS (SELECT c.id, d.n, d.oldest FROM connections c LEFT JOIN dirty d ON d.connection_id = c.id WHERE c.kind = 'channel'),
                last AS (SELECT DISTINCT ON (connection_id) connection_id, status, drift_units, started_at, finished_at
                           FROM reconciliations WHERE status <> 'running' ORDER BY connection_id, id DESC)
           SELECT 'inbox_pending' AS gauge, c.id AS a, NULL AS b, COALESCE(p.n, 0)::float8 AS value
             FROM connections c LEFT JOIN pending p ON p.connection_id = c.id
           UNION ALL
           SELECT 'dirty_listings', id, NULL, COALESCE(n, 0)::float8 FROM channels
           UNION ALL
           SELECT 'oldest_dirty_age_seconds', id, NULL, COALESCE(GREATEST(0, extract(epoch FROM now() - oldest)), 0)::float8 FROM channels
           UNION ALL
           SELECT 'open_oversell_incidents', NULL, NULL, count(*)::float8
             FROM incidents WHERE kind = 'oversell' AND resolved_at IS NULL
           UNION ALL
           SELECT 'reconciliation_drift_units', connection_id, NULL, drift_units::float8 FROM last WHERE status = 'done'
           UNION ALL
           SELECT 'reconciliation_duration_seconds', connection_id, NULL, extract(epoch FROM finished_at - started_at)::float8 FROM last
           UNION ALL
           SELECT 'reconciliation_failed', connection_id, NULL, (status = 'failed')::int::float8 FROM last
           UNION ALL
           SELECT 'lease_owner', name, owner, 1 FROM leases WHERE expires_at > now()
           UNION ALL
           SELECT 'connection_failing', connection_id, failure, 1 FROM connection_health WHERE failing_since IS NOT NULL
           UNION ALL
           SELECT 'alerts_firing', rule, NULL, count(*)::float8 FROM alerts WHERE resolved_at IS NULL GROUP BY rule
           UNION ALL
           SELECT 'alert_deliveries_pending', NULL, NULL, count(*)::float8 FROM alert_deliveries WHERE status = 'pending'`,
    values: [],
  });
  return rows;
}
