// Aggregate: alerts. Each rule is a query of the subjects it holds true for now; one
// statement per rule fires the new ones, resolves the ones no longer true, and queues a
// delivery per event and target, atomically. The open-alert index (rule, subject) makes a
// firing happen once however often, and by however many engines, the rule is evaluated.
import type { Queryable } from './db.js';

/** Rule kinds and their "active subjects" queries ($3, $4: the rule's thresholds). */
const ACTIVE: Record<AlertRuleKind, string> = {
  oversell: `SELECT sku AS subject,
                    jsonb_build_object('incidents', count(*), 'unitsShort', COALESCE(sum(units_short), 0),
                                       'connections', to_jsonb(array_agg(DISTINCT connection_id)), 'firstAt', min(created_at)) AS details
               FROM incidents WHERE kind = 'oversell' AND resolved_at IS NULL AND sku IS NOT NULL
              GROUP BY sku`,
  drift: `SELECT connection_id AS subject,
                 jsonb_build_object('driftUnits', drift_units, 'drifted', drifted, 'reconciliationId', id, 'finishedAt', finished_at, 'aboveUnits', $3::int) AS details
            FROM (SELECT DISTINCT ON (connection_id) * FROM reconciliations WHERE status = 'done' ORDER BY connection_id, id DESC) last
           WHERE drift_units > $3::int`,
  'connection-failing': `SELECT connection_id AS subject,
                                jsonb_build_object('failure', failure, 'since', failing_since, 'error', last_error) AS details
                           FROM connection_health
                          WHERE failing_since IS NOT NULL AND failing_since < now() - $3::bigint * interval '1 millisecond'`,
  'dirty-listing-age': `SELECT connection_id AS subject,
                               jsonb_build_object('dirtyListings', count(*), 'oldestSeconds', floor(extract(epoch FROM now() - min(target_changed_at)))) AS details
                          FROM listings WHERE dirty AND quarantined_reason IS NULL
                         GROUP BY connection_id
                        HAVING min(target_changed_at) < now() - $3::bigint * interval '1 millisecond'`,
  'webhooks-silent': `SELECT f.connection_id AS subject,
                             jsonb_build_object('ordersFoundByPolls', sum(f.orders), 'lastWebhookAt', a.last_webhook_at) AS details
                        FROM poll_findings f LEFT JOIN connection_activity a ON a.connection_id = f.connection_id
                       WHERE f.found_at > now() - $3::bigint * interval '1 millisecond'
                         AND (a.last_webhook_at IS NULL OR a.last_webhook_at < now() - $3::bigint * interval '1 millisecond')
                       GROUP BY f.connection_id, a.last_webhook_at
                      HAVING sum(f.orders) >= $4::int`,
  'reconciliation-failed': `SELECT connection_id AS subject,
                                   jsonb_build_object('reconciliationId', id, 'error', error, 'finishedAt', finished_at) AS details
                              FROM (SELECT DISTINCT ON (connection_id) * FROM reconciliations WHERE status <> 'running' ORDER BY connection_id, id DESC) last
                             WHERE status = 'failed'`,
};

export type AlertRuleKind = 'oversell' | 'drift' | 'connection-failing' | 'dirty-listing-age' | 'webhooks-silent' | 'reconciliation-failed';

export interface RuleEvaluation {
  /** The alert name (the rule kind unless the config names it). */
  name: string;
  kind: AlertRuleKind;
  /** Thresholds, in the order of the kind's query ($3, $4). */
  params: readonly (number | string)[];
  targets: readonly string[];
}

/** Fires and resolves one rule's alerts and queues their deliveries; one statement. */
export async function evaluateRule(q: Queryable, r: RuleEvaluation): Promise<{ fired: number; resolved: number }> {
  const { rows } = await q.query<{ fired: number; resolved: number }>({
    name: `alerts_evaluate_${r.kind}_${r.params.length}`,
    text: `WITH active AS (${ACTIVE[r.kind]}),
           fired AS (
             INSERT INTO alerts (rule, subject, details) SELECT $1, subject, details || jsonb_build_object('kind', '${r.kind}'::text) FROM active
             ON CONFLICT (rule, subject) WHERE resolved_at IS NULL DO NOTHING
             RETURNING id),
           resolved AS (
             UPDATE alerts SET resolved_at = now()
              WHERE rule = $1 AND resolved_at IS NULL AND subject NOT IN (SELECT subject FROM active)
             RETURNING id),
           events AS (SELECT id, 'fired' AS event FROM fired UNION ALL SELECT id, 'resolved' FROM resolved),
           queued AS (
             INSERT INTO alert_deliveries (alert_id, event, target)
             SELECT e.id, e.event, t FROM events e CROSS JOIN unnest($2::text[]) AS t
             RETURNING 1)
           SELECT (SELECT count(*) FROM fired)::int AS fired, (SELECT count(*) FROM resolved)::int AS resolved,
                  (SELECT count(*) FROM queued)::int AS queued`,
    values: [r.name, r.targets, ...r.params],
  });
  return rows[0]!;
}

export interface AlertRow {
  id: number;
  rule: string;
  subject: string;
  details: Record<string, unknown>;
  firedAt: Date;
  resolvedAt: Date | null;
}

/** Alerts of a rule, newest first (tests, `status`). */
export async function alertsOf(q: Queryable, rule: string, limit = 100): Promise<AlertRow[]> {
  const { rows } = await q.query<AlertRow>({
    name: 'alerts_of_rule',
    text: `SELECT id, rule, subject, details, fired_at AS "firedAt", resolved_at AS "resolvedAt"
             FROM alerts WHERE rule = $1 ORDER BY id DESC LIMIT $2`,
    values: [rule, limit],
  });
  return rows;
}

/**
 * Forgets alerts resolved before `olderThanMs` ago, with their deliveries once none is
 * pending: the history stays the size of its recent past. At most `batch` of each per
 * call, oldest first; two statements, since a statement does not see its own deletes.
 */
export async function pruneResolvedAlerts(q: Queryable, olderThanMs: number, batch = 1_000): Promise<number> {
  await q.query({
    name: 'alerts_prune_deliveries',
    text: `DELETE FROM alert_deliveries d
            USING (SELECT d.id FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
                    WHERE a.resolved_at < now() - $1::bigint * interval '1 millisecond' AND d.status <> 'pending'
                    ORDER BY d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED) old
            WHERE d.id = old.id`,
    values: [olderThanMs, batch],
  });
  const { rowCount } = await q.query({
    name: 'alerts_prune',
    text: `DELETE FROM alerts a
            USING (SELECT id FROM alerts WHERE resolved_at < now() - $1::bigint * interval '1 millisecond'
                    AND NOT EXISTS (SELECT 1 FROM alert_deliveries d WHERE d.alert_id = alerts.id)
                    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) old
            WHERE a.id = old.id`,
    values: [olderThanMs, batch],
  });
  return rowCount ?? 0;
}
