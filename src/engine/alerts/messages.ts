// What an alert delivery says: a one-line summary per rule, the signed JSON body of a
// webhook target and its signature headers, and the `{ text }` of a Slack-compatible one.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ClaimedDelivery } from '../../store/alert-deliveries.js';

type Details = Record<string, unknown>;
const text = (v: unknown, fallback = '?'): string => (v === null || v === undefined ? fallback : String(v));

const SUMMARIES: Record<string, (subject: string, d: Details) => string> = {
  oversell: (s, d) => `oversell on SKU ${s}: ${text(d.incidents)} open incident(s), ${text(d.unitsShort)} unit(s) short`,
  drift: (s, d) => `drift on ${s}: ${text(d.driftUnits)} units in its last reconciliation (alert above ${text(d.aboveUnits)})`,
  'connection-failing': (s, d) => `connection ${s} is failing (${text(d.failure)}) since ${text(d.since)}: ${text(d.error, '').slice(0, 200)}`,
  'dirty-listing-age': (s, d) => `${text(d.dirtyListings)} listing(s) on ${s} wait to be pushed, the oldest for ${text(d.oldestSeconds)} s`,
  'webhooks-silent': (s, d) =>
    `no webhook from ${s} ${d.lastWebhookAt ? `since ${text(d.lastWebhookAt)}` : 'ever'} while polls found ${text(d.ordersFoundByPolls)} order(s) it never sent: its webhook subscription looks broken`,
  'reconciliation-failed': (s, d) => `the last reconciliation of ${s} failed: ${text(d.error, '').slice(0, 200)}`,
};

/** The alert's kind is the rule it came from; a named rule keeps its kind in `details.kind`. */
export function summary(a: Pick<ClaimedDelivery, 'rule' | 'subject' | 'details'>): string {
  const kind = typeof a.details.kind === 'string' ? a.details.kind : a.rule;
  return (SUMMARIES[kind] ?? ((s: string) => `${a.rule} on ${s}`))(a.subject, a.details);
}

export interface AlertPayload {
  /** The delivery's id: the same on every retry of it, for a receiver to drop repeats. */
  id: number;
  event: 'fired' | 'resolved';
  alert: { id: number; rule: string; subject: string; details: Details; firedAt: string; resolvedAt: string | null };
  summary: string;
}

export function payloadOf(d: ClaimedDelivery): AlertPayload {
  return {
    id: d.id,
    event: d.event,
    alert: {
      id: d.alertId,
      rule: d.rule,
      subject: d.subject,
      details: d.details,
      firedAt: new Date(d.firedAt).toISOString(),
      resolvedAt: d.resolvedAt === null ? null : new Date(d.resolvedAt).toISOString(),
    },
    summary: summary(d),
  };
}

/** Slack (and Mattermost, Rocket.Chat, Teams workflows...) incoming webhooks take `{ text }`. */
export function slackMessage(d: ClaimedDelivery): { text: string } {
  const head = d.event === 'fired' ? ':rotating_light: *stocksync alert*' : ':white_check_mark: *stocksync resolved*';
  return { text: `${head} [${d.rule}] ${summary(d)}` };
}

export const SIGNATURE_HEADER = 'x-stocksync-signature';
export const TIMESTAMP_HEADER = 'x-stocksync-timestamp';

/**
 * HMAC-SHA256 over `<timestamp>.<raw body>` with the target's secret, hex: the timestamp
 * (Unix seconds, also in its own header) is signed, so a receiver that refuses old
 * timestamps cannot be replayed an old delivery.
 */
export function signatureHeaders(secret: string, body: string, nowMs = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `sha256=${hmac(secret, timestamp, body)}` };
}

/** What a receiver does (and the tests): check the signature and that the timestamp is recent. */
export function verifySignature(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  toleranceSeconds = 300,
  nowMs = Date.now(),
): boolean {
  const timestamp = headers[TIMESTAMP_HEADER];
  const signature = headers[SIGNATURE_HEADER];
  if (typeof timestamp !== 'string' || typeof signature !== 'string' || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(`sha256=${hmac(secret, timestamp, body)}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hmac(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
