// Aggregate: the alert outbox. Rows are queued by evaluateRule (store/alerts.ts) in the
// statement that fires or resolves the alert; workers in any process claim due rows with
// SKIP LOCKED for a short while, deliver them outside any transaction, and record the
// result. A claim that is never settled (the process died mid-delivery) expires and the
// row is delivered again: a receiver may see a delivery twice, never zero times.
import type { Queryable } from './db.js';

export interface ClaimedDelivery {
  id: number;
  event: 'fired' | 'resolved';
  target: string;
  /** Including this one. */
  attempts: number;
  alertId: number;
  rule: string;
  subject: string;
  details: Record<string, unknown>;
  firedAt: Date;
  resolvedAt: Date | null;
}

/** Claims up to `limit` due deliveries for `claimMs`, counting the attempt. */
export async function claimDeliveries(q: Queryable, limit: number, claimMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await q.query<ClaimedDelivery>({
    name: 'alert_deliveries_claim',
    text: `WITH due AS (
             SELECT id FROM alert_deliveries
              WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
              ORDER BY next_attempt_at, id LIMIT $1
              FOR UPDATE SKIP LOCKED)
           UPDATE alert_deliveries d
              SET claimed_until = now() + $2::bigint * interval '1 millisecond', attempts = d.attempts + 1
             FROM due, alerts a
            WHERE d.id = due.id AND a.id = d.alert_id
        RETURNING d.id, d.event, d.target, d.attempts, a.id AS "alertId", a.rule, a.subject, a.details,
                  a.fired_at AS "firedAt", a.resolved_at AS "resolvedAt"`,
    values: [limit, claimMs],
  });
  return rows.sort((a, b) => a.id - b.id);
}

export async function markDelivered(q: Queryable, id: number): Promise<void> {
  await q.query({
    name: 'alert_deliveries_delivered',
    text: `UPDATE alert_deliveries SET status = 'delivered', delivered_at = now(), claimed_until = NULL, last_error = NULL
            WHERE id = $1 AND status = 'pending'`,
    values: [id],
  });
}

/** Another attempt after `delayMs`. */
export async function markRetry(q: Queryable, id: number, delayMs: number, error: string): Promise<void> {
  await q.query({
    name: 'alert_deliveries_retry',
    text: `UPDATE alert_deliveries
              SET next_attempt_at = now() + $2::bigint * interval '1 millisecond', claimed_until = NULL, last_error = $3
            WHERE id = $1 AND status = 'pending'`,
    values: [id, Math.max(0, Math.round(delayMs)), error.slice(0, 1000)],
  });
}

/** Given up on: a permanent refusal, no such target any more, or out of attempts. Kept with the reason. */
export async function markFailed(q: Queryable, id: number, error: string): Promise<void> {
  await q.query({
    name: 'alert_deliveries_failed',
    text: `UPDATE alert_deliveries SET status = 'failed', claimed_until = NULL, last_error = $2 WHERE id = $1 AND status = 'pending'`,
    values: [id, error.slice(0, 1000)],
  });
}

export interface DeliveryRow {
  id: number;
  alertId: number;
  event: 'fired' | 'resolved';
  target: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
}

/** Every delivery of an alert (tests, `status`). */
export async function deliveriesOf(q: Queryable, alertId: number): Promise<DeliveryRow[]> {
  const { rows } = await q.query<DeliveryRow>({
    name: 'alert_deliveries_of',
    text: `SELECT id, alert_id AS "alertId", event, target, status, attempts, last_error AS "lastError"
             FROM alert_deliveries WHERE alert_id = $1 ORDER BY id`,
    values: [alertId],
  });
  return rows;
}
