// Aggregate: the webhook inbox (layer 1) and the quarantine of refused input.
import type { Queryable } from './db.js';

export interface InboxEventIn {
  connectionId: string;
  eventId: string;
  topic: string;
  headers: Record<string, unknown>;
  body: Buffer;
}

/**
 * Stores verified events in one statement (one commit: the webhook route's group commit,
 * store/inbox-writer.ts). Returns the keys (inboxKey) of the rows inserted; an event
 * whose platform id was already stored is a duplicate and left out. The headers travel
 * as one JSON array zipped with the other columns: a jsonb[] literal would escape every
 * quote of every header object again.
 */
export async function insertInboxEvents(q: Queryable, events: readonly InboxEventIn[]): Promise<Set<string>> {
  const { rows } = await q.query<{ connection_id: string; event_id: string }>({
    name: 'inbox_insert_batch',
    text: `INSERT INTO inbox (connection_id, event_id, topic, headers, body)
           SELECT * FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), jsonb_array_elements($4::jsonb), unnest($5::bytea[]))
           ON CONFLICT (connection_id, event_id) DO NOTHING
           RETURNING connection_id, event_id`,
    values: [
      events.map((e) => e.connectionId),
      events.map((e) => e.eventId),
      events.map((e) => e.topic),
      JSON.stringify(events.map((e) => e.headers)),
      events.map((e) => e.body),
    ],
  });
  return new Set(rows.map((r) => inboxKey(r.connection_id, r.event_id)));
}

/**
 * The SHA-256 of the body stored under each of these events' ids (by inboxKey), to tell
 * a redelivery (same bytes) from a conflicting body under a stored id. Asked after the
 * INSERT, in its own statement: the row a concurrent writer committed while the INSERT
 * waited on its key is visible to this statement's snapshot, not to the INSERT's.
 */
export async function storedBodyDigests(q: Queryable, events: readonly Pick<InboxEventIn, 'connectionId' | 'eventId'>[]): Promise<Map<string, Buffer>> {
  const { rows } = await q.query<{ connection_id: string; event_id: string; digest: Buffer }>({
    name: 'inbox_body_digests',
    text: `SELECT i.connection_id, i.event_id, sha256(i.body) AS digest
             FROM inbox i JOIN ROWS FROM (unnest($1::text[]), unnest($2::text[])) AS k(connection_id, event_id)
               ON i.connection_id = k.connection_id AND i.event_id = k.event_id`,
    values: [events.map((e) => e.connectionId), events.map((e) => e.eventId)],
  });
  return new Map(rows.map((r) => [inboxKey(r.connection_id, r.event_id), r.digest]));
}

/** The inbox's dedupe key (connection, platform event id) as one string. */
export function inboxKey(connectionId: string, eventId: string): string {
  return `${connectionId}\u0000${eventId}`;
}

export interface InboxRow {
  id: number;
  connectionId: string;
  eventId: string;
  topic: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
  attempts: number;
}

/**
 * Locks up to `limit` pending events that are due (never tried, or their retry time has
 * come) for this transaction; other workers skip them.
 */
export async function claimInboxEvents(q: Queryable, limit: number): Promise<InboxRow[]> {
  const { rows } = await q.query<InboxRow>({
    name: 'inbox_claim',
    text: `SELECT id, connection_id AS "connectionId", event_id AS "eventId", topic, headers, body, attempts
             FROM inbox WHERE status = 'pending' AND (next_attempt_at IS NULL OR next_attempt_at <= now())
            ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    values: [limit],
  });
  return rows;
}

export async function markInboxProcessed(q: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query({
    name: 'inbox_processed',
    text: `UPDATE inbox SET status = 'processed', processed_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])`,
    values: [ids],
  });
}

/** A permanent failure: kept with its reason, out of the queue. */
export async function markInboxQuarantined(q: Queryable, id: number, reason: string): Promise<void> {
  await q.query({
    name: 'inbox_quarantined',
    text: `UPDATE inbox SET status = 'quarantined', reason = $2, processed_at = now(), attempts = attempts + 1 WHERE id = $1`,
    values: [id, reason],
  });
}

/**
 * A retryable failure: stays pending, not claimed again before `retryInMs` from now;
 * after `maxAttempts` it is quarantined instead.
 */
export async function markInboxRetry(q: Queryable, id: number, reason: string, maxAttempts: number, retryInMs: number): Promise<void> {
  await q.query({
    name: 'inbox_retry',
    text: `UPDATE inbox SET attempts = attempts + 1, reason = $2,
                  status = CASE WHEN attempts + 1 >= $3 THEN 'quarantined' ELSE status END,
                  next_attempt_at = now() + $4::integer * interval '1 millisecond'
            WHERE id = $1`,
    values: [id, reason, maxAttempts, Math.round(retryInMs)],
  });
}

export async function insertQuarantine(
  q: Queryable,
  r: { source: string; connectionId: string | null; reason: string; headers?: Record<string, unknown>; body?: Buffer | null },
): Promise<void> {
  await q.query({
    name: 'quarantine_insert',
    text: `INSERT INTO quarantine (source, connection_id, reason, headers, body) VALUES ($1, $2, $3, $4, $5)`,
    values: [
      r.source,
      r.connectionId,
      storableText(r.reason, MAX_REASON_CHARS),
      JSON.stringify(r.headers ?? {}, (_key, value: unknown) => (typeof value === 'string' ? storableText(value) : value)),
      r.body ?? null,
    ],
  });
}

const MAX_REASON_CHARS = 1000;

/**
 * PostgreSQL's text and jsonb refuse NUL (as a character or as the escape `\u0000`), and a
 * refusal's reason often quotes the bad input (a JSON parser's message names the byte it
 * choked on): without this a body of one NUL byte could not be quarantined at all.
 */
export function storableText(text: string, maxChars = Infinity): string {
  const clean = text.replaceAll('\u0000', '\uFFFD');
  return clean.length > maxChars ? `${clean.slice(0, maxChars)}… (${clean.length - maxChars} more characters)` : clean;
}
