// WooCommerce webhooks (REST v3 /webhooks): WooCommerce disables a webhook after a few
// consecutive failed deliveries (status `disabled`) and never enables it again by itself;
// the engine lists them and sets ours active again (PUT /webhooks/{id}). Registration
// (`stocksync webhooks register`) creates them with the connection's webhook secret,
// which WooCommerce uses to sign every delivery, and deletes them (?force=true: webhooks
// cannot be trashed, WooCommerce answers 501 without it).
import { ConnectorError } from '../errors.js';
import type { WebhookRegistration, WebhookSubscription, WebhookSubscriptions } from '../types.js';
import type { WooClient } from './client.js';
import { asObject, idOf, strOf, type Json } from './json.js';

/** Pages of 100 (WooCommerce's per_page maximum); a store has a handful of webhooks. */
const PER_PAGE = 100;
const MAX_PAGES = 20;

function subscriptionOf(row: Json, what: string): WebhookSubscription {
  return { id: idOf(row['id'], `${what}.id`), topic: strOf(row['topic']), status: strOf(row['status']), deliveryUrl: strOf(row['delivery_url']) };
}

export function wooSubscriptions(client: WooClient): WebhookSubscriptions {
  return {
    async list() {
      const out: WebhookSubscription[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const { rows, totalPages } = await client.list(`webhooks?per_page=${PER_PAGE}&page=${page}`);
        rows.forEach((r, i) => out.push(subscriptionOf(r, `webhooks[${i}]`)));
        if (page >= totalPages || rows.length < PER_PAGE) break;
      }
      return out;
    },
    async reactivate(id) {
      const { data } = await client.call('PUT', `webhooks/${encodeURIComponent(id)}`, { status: 'active' });
      return subscriptionOf(asObject(data, 'PUT webhooks/{id}'), 'PUT webhooks/{id}');
    },
  };
}

/** The topics parseWooWebhook acts on (webhooks.ts) that a stock sync needs. */
export const WOO_WEBHOOK_TOPICS = ['order.created', 'order.updated', 'product.updated'] as const;

export function wooWebhookRegistration(client: WooClient, connectionId: string, secret: string | undefined): WebhookRegistration {
  const subscriptions = wooSubscriptions(client);
  const missingSecret = `woocommerce connection ${connectionId}: credentials.webhookSecret is required to register webhooks: WooCommerce signs each delivery with the secret given when the webhook is created, and the engine verifies it with this one`;
  return {
    topics: WOO_WEBHOOK_TOPICS,
    cannotRegister: () => (secret ? undefined : missingSecret),
    async list() {
      return (await subscriptions.list()).map((s) => ({ id: s.id, topic: s.topic, address: s.deliveryUrl, status: s.status }));
    },
    async create(topic, address) {
      if (!secret) throw new ConnectorError('REJECTED', missingSecret);
      const body = { name: `stocksync ${connectionId} ${topic}`, topic, delivery_url: address, secret, status: 'active' };
      const { data } = await client.call('POST', 'webhooks', body);
      const s = subscriptionOf(asObject(data, 'POST webhooks'), 'POST webhooks');
      return { id: s.id, topic: s.topic, address: s.deliveryUrl, status: s.status };
    },
    async remove(id) {
      try {
        await client.call('DELETE', `webhooks/${encodeURIComponent(id)}?force=true`);
      } catch (e) {
        // Already gone (a retry whose first answer was lost): what remove wants.
        if (!(e instanceof ConnectorError && e.connectorCode === 'NOT_FOUND')) throw e;
      }
    },
  };
}
