// WooCommerce disables a webhook after a few failed deliveries (an outage of seconds on
// our side is enough) and nothing tells us: orders then arrive only by polling. The poller
// checks the connection's subscriptions (at most once per interval: one list call) and
// sets ours active again where the platform disabled them (issue 14, defect 7).
import type { Logger } from 'pino';
import type { Connector, WebhookSubscription } from '../../connectors/types.js';
import { isOurs } from '../../domain/webhook-plan.js';
import type { Db } from '../../store/db.js';
import { recordSubscriptions, subscriptionsCheckedWithin, type SeenSubscription } from '../../store/webhook-subscriptions.js';

/** Default spacing of the checks, whatever the poll interval. */
export const SUBSCRIPTION_CHECK_MS = 60_000;

export interface SubscriptionCheckDeps {
  db: Db;
  log: Logger;
  connectionId: string;
  connector: Connector;
  /** Check at most this often (default SUBSCRIPTION_CHECK_MS). */
  minIntervalMs?: number;
}

/** A subscription delivers to us when its URL ends with our webhook route for this connection (the same rule as registration's). */
export function deliversToUs(s: WebhookSubscription, connectionId: string): boolean {
  return isOurs(s.deliveryUrl, connectionId);
}

/** Returns the ids set active again; undefined when the connector has none to check or it is not time. */
export async function checkSubscriptions(d: SubscriptionCheckDeps): Promise<string[] | undefined> {
  const subs = d.connector.kind === 'channel' ? d.connector.webhookSubscriptions : undefined;
  if (!subs) return undefined;
  if (await subscriptionsCheckedWithin(d.db, d.connectionId, d.minIntervalMs ?? SUBSCRIPTION_CHECK_MS)) return undefined;
  const ours = (await subs.list()).filter((s) => deliversToUs(s, d.connectionId));
  const seen: SeenSubscription[] = [];
  const reenabled: string[] = [];
  for (const s of ours) {
    // Only what the platform disabled; a webhook the merchant paused stays paused.
    if (s.status !== 'disabled') {
      seen.push({ subscriptionId: s.id, topic: s.topic, status: s.status, reenabled: false });
      continue;
    }
    const now = await subs.reactivate(s.id);
    d.log.warn({ connection: d.connectionId, subscription: s.id, topic: s.topic, status: now.status }, 'webhook disabled by the platform; set active again');
    seen.push({ subscriptionId: s.id, topic: s.topic, status: now.status, reenabled: true });
    reenabled.push(s.id);
  }
  await recordSubscriptions(d.db, d.connectionId, seen);
  return reenabled;
}
