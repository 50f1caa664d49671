// Shopify webhook subscriptions through the Admin GraphQL API (2026-04): list with
// `webhookSubscriptions`, `webhookSubscriptionCreate(topic, webhookSubscription: {uri,
// format: JSON})`, `webhookSubscriptionDelete(id)`. Shopify lists only the calling app's
// subscriptions; the HMAC of every delivery is keyed with the app's secret, so a
// subscription is worth creating only when we hold that secret (credentials.webhookSecret).
import { ConnectorError } from '../errors.js';
import type { RegisteredWebhook, WebhookRegistration } from '../types.js';
import type { GraphqlClient } from './client.js';
import { reader, type Json } from './shapes.js';

/**
 * The topics parseShopifyWebhook acts on (webhooks.ts), in the GraphQL enum spelling:
 * orders/create, orders/cancelled, inventory_levels/update. A topic the parser learns
 * must be added here, or no engine subscribes to it.
 */
export const SHOPIFY_WEBHOOK_TOPICS = ['ORDERS_CREATE', 'ORDERS_CANCELLED', 'INVENTORY_LEVELS_UPDATE'] as const;

const PAGE = 50;
/** A connection (2) of PAGE nodes holding scalars only (1 each). */
const LIST_COST = 2 + PAGE;
const MUTATION_COST = 10;

const LIST = /* GraphQL */ `query StocksyncWebhooks($first: Int!, $after: String) {
  webhookSubscriptions(first: $first, after: $after) {
    nodes { id topic uri }
    pageInfo { hasNextPage endCursor }
  }
}`;

const CREATE = /* GraphQL */ `mutation StocksyncWebhookCreate($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}`;

const DELETE = /* GraphQL */ `mutation StocksyncWebhookDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}`;

/** Shopify's words for a duplicate and for an id that is gone (unverified wording). */
const TAKEN = /already been taken/i;
const GONE = /does not exist|not found/i;

const r = reader('Shopify webhookSubscriptions answer');

function webhookOf(node: unknown, path: string): RegisteredWebhook {
  const o = r.obj(node, path);
  return { id: r.str(o['id'], `${path}.id`), topic: r.str(o['topic'], `${path}.topic`), address: r.str(o['uri'], `${path}.uri`) };
}

function userErrors(payload: Json, path: string): string[] {
  return r
    .arr(payload['userErrors'], `${path}.userErrors`)
    .map((e, i) => r.str(r.obj(e, `${path}.userErrors[${i}]`)['message'], `${path}.userErrors[${i}].message`));
}

export function shopifyWebhookRegistration(client: GraphqlClient, connectionId: string, secret: string | undefined): WebhookRegistration {
  async function list(): Promise<RegisteredWebhook[]> {
    const out: RegisteredWebhook[] = [];
    let after: string | null = null;
    for (;;) {
      const data = await client.call(LIST, { first: PAGE, after }, LIST_COST, 'background');
      const conn = r.obj(data['webhookSubscriptions'], 'data.webhookSubscriptions');
      r.arr(conn['nodes'], 'data.webhookSubscriptions.nodes').forEach((n, i) => out.push(webhookOf(n, `nodes[${i}]`)));
      const info = r.obj(conn['pageInfo'], 'data.webhookSubscriptions.pageInfo');
      if (!r.bool(info['hasNextPage'], 'pageInfo.hasNextPage')) return out;
      after = r.str(info['endCursor'], 'pageInfo.endCursor');
    }
  }

  return {
    topics: SHOPIFY_WEBHOOK_TOPICS,
    list,
    cannotRegister: () =>
      secret
        ? undefined
        : `shopify connection ${connectionId}: credentials.webhookSecret (the app's API secret key) is required to register webhooks: without it no delivery can be verified`,
    async create(topic, address) {
      if (!secret) throw new ConnectorError('REJECTED', `shopify connection ${connectionId}: credentials.webhookSecret is required to register webhooks`);
      const data = await client.call(CREATE, { topic, sub: { uri: address, format: 'JSON' } }, MUTATION_COST);
      const payload = r.obj(data['webhookSubscriptionCreate'], 'data.webhookSubscriptionCreate');
      const errors = userErrors(payload, 'webhookSubscriptionCreate');
      if (errors.length > 0) {
        // Created meanwhile (another engine, or our own answer lost on a retry): it is there.
        if (errors.every((m) => TAKEN.test(m))) {
          const found = (await list()).find((w) => w.topic === topic && w.address === address);
          if (found) return found;
        }
        throw new ConnectorError('REJECTED', `Shopify refused webhook ${topic} -> ${address}: ${errors.join('; ')}`);
      }
      return webhookOf(payload['webhookSubscription'], 'webhookSubscriptionCreate.webhookSubscription');
    },
    async remove(id) {
      const data = await client.call(DELETE, { id }, MUTATION_COST);
      const payload = r.obj(data['webhookSubscriptionDelete'], 'data.webhookSubscriptionDelete');
      const errors = userErrors(payload, 'webhookSubscriptionDelete');
      // Already gone (a retry whose first answer was lost): what remove wants.
      if (errors.length > 0 && !errors.every((m) => GONE.test(m))) {
        throw new ConnectorError('REJECTED', `Shopify refused to delete webhook ${id}: ${errors.join('; ')}`);
      }
    },
  };
}
