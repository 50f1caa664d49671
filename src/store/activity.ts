// Aggregate: per-connection activity counters for `status --json`, atomic increments.
import type { Queryable } from './db.js';

export type ActivityEvent = 'webhook' | 'poll' | 'reconcile';

export async function touchActivity(q: Queryable, connectionId: string, event: ActivityEvent): Promise<void> {
  const column = { webhook: 'last_webhook_at', poll: 'last_poll_at', reconcile: 'last_reconcile_at' }[event];
  await q.query(
    `INSERT INTO connection_activity (connection_id, ${column}) VALUES ($1, now())
     ON CONFLICT (connection_id) DO UPDATE SET ${column} = now()`,
    [connectionId],
  );
}

export async function countPushes(
  q: Queryable,
  connectionId: string,
  c: { calls: number; listings: number; throttled: number; errors: number },
): Promise<void> {
  await q.query({
    name: 'activity_pushes',
    text: `INSERT INTO connection_activity (connection_id, push_calls, pushed_listings, throttled, errors) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (connection_id) DO UPDATE SET
             push_calls = connection_activity.push_calls + $2, pushed_listings = connection_activity.pushed_listings + $3,
             throttled = connection_activity.throttled + $4, errors = connection_activity.errors + $5`,
    values: [connectionId, c.calls, c.listings, c.throttled, c.errors],
  });
}
