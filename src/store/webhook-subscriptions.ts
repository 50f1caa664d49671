// Aggregate: the platform's webhook subscriptions that deliver to us, as the poller last
// found them, and when it last set a disabled one active again (migration 010).
import type { Queryable } from './db.js';

export interface SeenSubscription {
  subscriptionId: string;
  topic: string;
  status: string;
  /** The poller set it active again just now. */
  reenabled: boolean;
}

/** Whether the connection's subscriptions were checked less than `withinMs` ago. */
export async function subscriptionsCheckedWithin(q: Queryable, connectionId: string, withinMs: number): Promise<boolean> {
  const { rows } = await q.query<{ recent: boolean }>({
    name: 'subscriptions_recent',
    text: `SELECT EXISTS (SELECT 1 FROM webhook_subscriptions
                           WHERE connection_id = $1 AND checked_at > now() - $2 * interval '1 millisecond') AS recent`,
    values: [connectionId, withinMs],
  });
  return rows[0]!.recent;
}

/** Records what a check found, in one statement; subscriptions no longer listed are dropped. */
export async function recordSubscriptions(q: Queryable, connectionId: string, seen: readonly SeenSubscription[]): Promise<void> {
  await q.query({
    name: 'subscriptions_record',
    text: `WITH gone AS (
             DELETE FROM webhook_subscriptions WHERE connection_id = $1 AND NOT (subscription_id = ANY($2::text[]))
           )
           INSERT INTO webhook_subscriptions AS w (connection_id, subscription_id, topic, status, checked_at, last_reenabled_at, reenabled)
           SELECT $1, id, topic, status, now(), CASE WHEN re THEN now() END, CASE WHEN re THEN 1 ELSE 0 END
             FROM unnest($2::text[], $3::text[], $4::text[], $5::bool[]) AS u(id, topic, status, re)
           ON CONFLICT (connection_id, subscription_id) DO UPDATE SET
             topic = EXCLUDED.topic, status = EXCLUDED.status, checked_at = now(),
             last_reenabled_at = COALESCE(EXCLUDED.last_reenabled_at, w.last_reenabled_at),
             reenabled = w.reenabled + EXCLUDED.reenabled`,
    values: [connectionId, seen.map((s) => s.subscriptionId), seen.map((s) => s.topic), seen.map((s) => s.status), seen.map((s) => s.reenabled)],
  });
}

export interface SubscriptionHealth {
  connectionId: string;
  /** Subscriptions per status, e.g. {active: 3}. */
  byStatus: Record<string, number>;
  checkedAt: Date;
  lastReenabledAt: Date | null;
  /** Re-enables since the engine first saw these subscriptions. */
  reenabled: number;
  /** Topics of the subscriptions last re-enabled. */
  lastReenabledTopics: string[];
}

/** Per connection with known subscriptions (status). */
export async function subscriptionHealth(q: Queryable): Promise<SubscriptionHealth[]> {
  const { rows } = await q.query<SubscriptionHealth>({
    name: 'subscriptions_health',
    text: `SELECT connection_id AS "connectionId",
                  (SELECT json_object_agg(status, n) FROM (SELECT status, count(*)::int AS n FROM webhook_subscriptions x
                                                            WHERE x.connection_id = w.connection_id GROUP BY status) c) AS "byStatus",
                  max(checked_at) AS "checkedAt", max(last_reenabled_at) AS "lastReenabledAt", sum(reenabled)::int AS reenabled,
                  COALESCE(array_agg(topic ORDER BY topic) FILTER (WHERE last_reenabled_at IS NOT NULL AND last_reenabled_at >=
                    (SELECT max(last_reenabled_at) FROM webhook_subscriptions y WHERE y.connection_id = w.connection_id)), '{}') AS "lastReenabledTopics"
             FROM webhook_subscriptions w GROUP BY connection_id ORDER BY connection_id`,
    values: [],
  });
  return rows;
}
