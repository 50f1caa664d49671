// Aggregate: what was set aside with a reason, as an operator sees and clears it: refused
// records (the quarantine table: webhooks refused at the door, rows refused by a poll, a
// push or a reconciliation), inbox events that could not be processed, and listings a
// permanent push error took out of dispatch.
import type { Queryable } from './db.js';

export interface QuarantineRecord {
  id: number;
  source: string;
  connectionId: string | null;
  reason: string;
  headers: Record<string, unknown>;
  /** The refused body as text (UTF-8, invalid bytes replaced), and its size in bytes. */
  body: string | null;
  bodyBytes: number;
  createdAt: Date;
  replayedAt: Date | null;
  replayedInboxId: number | null;
}

export async function listQuarantineRecords(
  q: Queryable,
  f: { source: string | null; connectionId: string | null; beforeId: number | null; limit: number },
): Promise<QuarantineRecord[]> {
  const { rows } = await q.query<QuarantineRecord & { raw: Buffer | null }>({
    name: 'quarantine_list',
    text: `SELECT id, source, connection_id AS "connectionId", reason, headers, body AS raw, COALESCE(length(body), 0) AS "bodyBytes",
                  created_at AS "createdAt", replayed_at AS "replayedAt", replayed_inbox_id AS "replayedInboxId"
             FROM quarantine
            WHERE ($1::text IS NULL OR source = $1) AND ($2::text IS NULL OR connection_id = $2) AND ($3::bigint IS NULL OR id < $3)
            ORDER BY id DESC LIMIT $4`,
    values: [f.source, f.connectionId, f.beforeId, f.limit],
  });
  return rows.map(({ raw, ...r }) => ({ ...r, body: raw === null ? null : raw.toString('utf8') }));
}

export interface StoredWebhook {
  id: number;
  connectionId: string | null;
  source: string;
  headers: Record<string, string | undefined>;
  body: Buffer | null;
  replayedAt: Date | null;
}

export async function quarantineRecord(q: Queryable, id: number): Promise<StoredWebhook | null> {
  const { rows } = await q.query<StoredWebhook>({
    name: 'quarantine_get',
    text: `SELECT id, connection_id AS "connectionId", source, headers, body, replayed_at AS "replayedAt" FROM quarantine WHERE id = $1`,
    values: [id],
  });
  return rows[0] ?? null;
}

/**
 * Puts a refused webhook into the inbox as the event it parsed to, and marks it replayed, in
 * one statement. Returns the inbox row's id, or null when that event is already in the inbox
 * (or the record was replayed meanwhile): nothing is stored twice.
 */
export async function replayIntoInbox(
  q: Queryable,
  r: { quarantineId: number; connectionId: string; eventId: string; topic: string; headers: Record<string, unknown>; body: Buffer },
): Promise<number | null> {
  const { rows } = await q.query<{ id: number }>({
    name: 'quarantine_replay',
    text: `WITH q AS (SELECT id FROM quarantine WHERE id = $1 AND replayed_at IS NULL FOR UPDATE),
           ins AS (INSERT INTO inbox (connection_id, event_id, topic, headers, body)
                   SELECT $2, $3, $4, $5, $6 FROM q
                   ON CONFLICT (connection_id, event_id) DO NOTHING RETURNING id)
           UPDATE quarantine SET replayed_at = now(), replayed_inbox_id = ins.id FROM ins WHERE quarantine.id = $1
           RETURNING ins.id`,
    values: [r.quarantineId, r.connectionId, r.eventId, r.topic, JSON.stringify(r.headers), r.body],
  });
  return rows[0]?.id ?? null;
}

export interface QuarantinedInboxEvent {
  id: number;
  connectionId: string;
  eventId: string;
  topic: string;
  reason: string | null;
  attempts: number;
  receivedAt: Date;
}

export async function listQuarantinedInboxEvents(
  q: Queryable,
  f: { connectionId: string | null; beforeId: number | null; limit: number },
): Promise<QuarantinedInboxEvent[]> {
  const { rows } = await q.query<QuarantinedInboxEvent>({
    name: 'quarantine_inbox_list',
    text: `SELECT id, connection_id AS "connectionId", event_id AS "eventId", topic, reason, attempts, received_at AS "receivedAt"
             FROM inbox WHERE status = 'quarantined' AND ($1::text IS NULL OR connection_id = $1) AND ($2::bigint IS NULL OR id < $2)
            ORDER BY id DESC LIMIT $3`,
    values: [f.connectionId, f.beforeId, f.limit],
  });
  return rows;
}

/** Sends a quarantined inbox event back to the queue (attempts start over); false when it is not quarantined. */
export async function requeueInboxEvent(q: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await q.query({
    name: 'quarantine_inbox_requeue',
    text: `UPDATE inbox SET status = 'pending', attempts = 0, processed_at = NULL WHERE id = $1 AND status = 'quarantined'`,
    values: [id],
  });
  return (rowCount ?? 0) > 0;
}

export interface QuarantinedListing {
  listingId: number;
  connectionId: string;
  sku: string;
  target: number;
  shown: number | null;
  reason: string;
  quarantinedAt: Date | null;
}

export async function listQuarantinedListings(
  q: Queryable,
  f: { connectionId: string | null; afterId: number | null; limit: number },
): Promise<QuarantinedListing[]> {
  const { rows } = await q.query<QuarantinedListing>({
    name: 'quarantine_listings_list',
    text: `SELECT id AS "listingId", connection_id AS "connectionId", sku, target, pushed AS shown, quarantined_reason AS reason,
                  quarantined_at AS "quarantinedAt"
             FROM listings WHERE quarantined_reason IS NOT NULL AND ($1::text IS NULL OR connection_id = $1) AND ($2::bigint IS NULL OR id > $2)
            ORDER BY id LIMIT $3`,
    values: [f.connectionId, f.afterId, f.limit],
  });
  return rows;
}
