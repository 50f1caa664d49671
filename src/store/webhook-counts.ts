// Aggregate: what the webhook route refused (or took without storing), counted per
// connection, outcome and hour, with a bounded sample of the refused requests kept in
// the quarantine (migration 009). A flood is counted, never stored in full.
import type { Queryable } from './db.js';
import { storableText } from './inbox.js';

/** Fixed classes, never free text: the counts' key space stays bounded whatever is sent. */
export type WebhookOutcome =
  | 'unknown_connection' // 404
  | 'bad_signature' // 401
  | 'unreadable' // 400: not the platform's shape, or beyond the limits of connectors/webhook-limits.ts
  | 'too_large' // 413
  | 'unstorable' // 400: PostgreSQL refused the row itself
  | 'conflicting_duplicate' // 200: other bytes under an event id already stored
  | 'ping'; // 200: WooCommerce's unsigned ping when a webhook is saved; never stored

export interface WebhookRefusal {
  /** The connection the counts are kept under: '' for an unknown one (its id is the caller's choice). */
  countedUnder: string;
  /** The connection id as given, for the sample. */
  connectionId: string | null;
  outcome: WebhookOutcome;
  reason: string;
  headers: Record<string, unknown>;
  body: Buffer | null;
  /** The request body's full length (the body itself may be absent or cut). */
  bodyLength: number;
}

export interface SampleLimits {
  /** Requests kept in the quarantine per connection, outcome and hour; the rest are counted only. */
  perHour: number;
  /** Bytes of a body kept in a sample. */
  maxBodyBytes: number;
}

/**
 * Counts a refusal and, while its (connection, outcome) has fewer than `perHour` this
 * hour, keeps it in the quarantine with at most `maxBodyBytes` of its body. One statement:
 * the count and the sample cannot disagree, and concurrent requests (in one process or
 * several) never take more than `perHour` samples. Returns whether it was kept.
 */
export async function recordWebhookRefusal(q: Queryable, r: WebhookRefusal, limits: SampleLimits): Promise<boolean> {
  const { rowCount } = await q.query({
    name: 'webhook_refusal_record',
    text: `WITH tally AS (
             INSERT INTO webhook_counts (connection_id, outcome, hour, requests, body_bytes)
             VALUES ($1, $2, date_trunc('hour', now()), 1, $3)
             ON CONFLICT (connection_id, outcome, hour) DO UPDATE
               SET requests = webhook_counts.requests + 1, body_bytes = webhook_counts.body_bytes + EXCLUDED.body_bytes
             RETURNING requests)
           INSERT INTO quarantine (source, connection_id, reason, headers, body, body_length)
           SELECT 'webhook', $4, $5, $6, $7, $3 FROM tally WHERE tally.requests <= $8`,
    values: [
      r.countedUnder,
      r.outcome,
      r.bodyLength,
      r.connectionId === null ? null : storableText(r.connectionId, 200),
      storableText(r.reason, 1000),
      JSON.stringify(r.headers, (_key, value: unknown) => (typeof value === 'string' ? storableText(value, 2000) : value)),
      r.body === null ? null : r.body.subarray(0, limits.maxBodyBytes),
      limits.perHour,
    ],
  });
  return rowCount === 1;
}

export interface WebhookCount {
  countedUnder: string;
  outcome: WebhookOutcome;
  requests: number;
  bodyBytes: number;
}

/** Adds counts gathered in memory (requests answered without a write of their own). */
export async function addWebhookCounts(q: Queryable, counts: readonly WebhookCount[]): Promise<void> {
  if (counts.length === 0) return;
  await q.query({
    name: 'webhook_counts_add',
    text: `INSERT INTO webhook_counts (connection_id, outcome, hour, requests, body_bytes)
           SELECT c, o, date_trunc('hour', now()), n, b FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), unnest($3::bigint[]), unnest($4::bigint[])) AS t(c, o, n, b)
           ON CONFLICT (connection_id, outcome, hour) DO UPDATE
             SET requests = webhook_counts.requests + EXCLUDED.requests, body_bytes = webhook_counts.body_bytes + EXCLUDED.body_bytes`,
    values: [counts.map((c) => c.countedUnder), counts.map((c) => c.outcome), counts.map((c) => c.requests), counts.map((c) => c.bodyBytes)],
  });
}
