// Retention: what is kept only for a while, so that the database of a busy shop stays the
// size of its recent past. Raw webhook bodies, refused input and drift rows are needed for
// days (replays, a person's look), not for years. The ledger, orders and claims are the
// audit trail and are never deleted; only an order's raw platform payload is dropped.
//
// Every statement works on at most `batch` rows, oldest first, claimed with SKIP LOCKED:
// short transactions that never hold up the inbox processor or the order path.
import type { Queryable } from './db.js';

export interface RetentionPolicy {
  /** Processed webhook bodies and headers are emptied after this; the row stays (deduplication). */
  inboxBodiesMs: number;
  /** Processed webhook rows are deleted after this (platforms redeliver for at most 2 days). */
  inboxMs: number;
  /** Refused input (the quarantine, and inbox events quarantined) is deleted after this. */
  quarantineMs: number;
  /** Drift rows of reconciliations that finished before this are deleted; the run's totals stay. */
  driftMs: number;
  /** Orders' raw platform payloads are dropped after this; the order and its lines stay. */
  orderPayloadsMs: number;
  /** Hourly counts of webhooks (refused, duplicate, pings) are deleted after this. */
  webhookCountsMs: number;
}

const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION: RetentionPolicy = {
  inboxBodiesMs: 3 * DAY_MS,
  inboxMs: 14 * DAY_MS,
  quarantineMs: 30 * DAY_MS,
  driftMs: 90 * DAY_MS,
  orderPayloadsMs: 90 * DAY_MS,
  webhookCountsMs: 90 * DAY_MS,
};

export type PruneCounts = Record<PruneStep, number>;
type PruneStep = 'inbox' | 'inboxBodies' | 'quarantinedEvents' | 'quarantine' | 'drift' | 'orderPayloads' | 'webhookCounts';

// $1: cutoff (older than it goes), $2: batch size. Each returns the rows it touched.
const STATEMENTS: Record<PruneStep, { name: string; text: string; age: keyof RetentionPolicy }> = {
  inbox: {
    name: 'retention_inbox',
    age: 'inboxMs',
    text: `DELETE FROM inbox i
            USING (SELECT id FROM inbox WHERE status = 'processed' AND processed_at < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) old
            WHERE i.id = old.id`,
  },
  inboxBodies: {
    name: 'retention_inbox_bodies',
    age: 'inboxBodiesMs',
    text: `UPDATE inbox i SET body = '\\x'::bytea, headers = '{}'
             FROM (SELECT id FROM inbox WHERE status = 'processed' AND processed_at < $1 AND octet_length(body) > 0
                    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) old
            WHERE i.id = old.id`,
  },
  quarantinedEvents: {
    name: 'retention_inbox_quarantined',
    age: 'quarantineMs',
    text: `DELETE FROM inbox i
            USING (SELECT id FROM inbox WHERE status = 'quarantined' AND processed_at < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) old
            WHERE i.id = old.id`,
  },
  quarantine: {
    name: 'retention_quarantine',
    age: 'quarantineMs',
    text: `DELETE FROM quarantine q
            USING (SELECT id FROM quarantine WHERE created_at < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) old
            WHERE q.id = old.id`,
  },
  drift: {
    name: 'retention_drift',
    age: 'driftMs',
    text: `DELETE FROM drift d
            USING (SELECT d.id FROM drift d JOIN reconciliations r ON r.id = d.reconciliation_id
                    WHERE r.finished_at < $1 ORDER BY d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED) old
            WHERE d.id = old.id`,
  },
  orderPayloads: {
    name: 'retention_order_payloads',
    age: 'orderPayloadsMs',
    text: `UPDATE orders o SET raw = NULL
             FROM (SELECT id FROM orders WHERE raw IS NOT NULL AND updated_at < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) old
            WHERE o.id = old.id`,
  },
  webhookCounts: {
    name: 'retention_webhook_counts',
    age: 'webhookCountsMs',
    text: `DELETE FROM webhook_counts w
            USING (SELECT connection_id, outcome, hour FROM webhook_counts WHERE hour < $1 ORDER BY hour LIMIT $2 FOR UPDATE SKIP LOCKED) old
            WHERE (w.connection_id, w.outcome, w.hour) = (old.connection_id, old.outcome, old.hour)`,
  },
};

export const PRUNE_STEPS = Object.keys(STATEMENTS) as PruneStep[];

/**
 * One batch of each step, at `now` (the database's clock when absent). Returns what each
 * step touched; a step that touched `batch` rows has more waiting.
 */
export async function pruneBatch(q: Queryable, policy: RetentionPolicy, batch: number, now?: Date): Promise<PruneCounts> {
  const clock = now ?? (await databaseNow(q));
  const counts = {} as PruneCounts;
  for (const step of PRUNE_STEPS) {
    const s = STATEMENTS[step];
    const cutoff = new Date(clock.getTime() - policy[s.age]);
    const r = await q.query({ name: s.name, text: s.text, values: [cutoff, batch] });
    counts[step] = r.rowCount ?? 0;
  }
  return counts;
}

async function databaseNow(q: Queryable): Promise<Date> {
  const { rows } = await q.query<{ now: Date }>({ name: 'retention_now', text: `SELECT now() AS now` });
  return rows[0]!.now;
}

/** Bytes on disk of the tables retention keeps small, and of the whole database. */
export async function storageBytes(q: Queryable): Promise<{ database: number; tables: Record<string, number> }> {
  const { rows } = await q.query<{ name: string; bytes: string }>({
    name: 'retention_storage_bytes',
    text: `SELECT '(database)' AS name, pg_database_size(current_database())::text AS bytes
           UNION ALL
           SELECT c.relname, pg_total_relation_size(c.oid)::text FROM pg_class c
            WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace`,
  });
  const tables: Record<string, number> = {};
  let database = 0;
  for (const r of rows) {
    if (r.name === '(database)') database = Number(r.bytes);
    else tables[r.name] = Number(r.bytes);
  }
  return { database, tables };
}
