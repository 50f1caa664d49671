// WooCommerce webhooks (REST v3 /webhooks): WooCommerce disables a webhook after a few
// consecutive failed deliveries (status `disabled`) and never enables it again by itself;
// the engine lists them and sets ours active again (PUT /webhooks/{id}).
import type { WebhookSubscription, WebhookSubscriptions } from '../types.js';
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
