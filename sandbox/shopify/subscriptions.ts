import { connection, type PageArgs } from './nodes.js';
import { gid, gidKey, isoSeconds } from './format.js';
import type { WebhookSubscriptions } from '../core/webhooks.js';

/**
 * The shop's webhook subscriptions: what `webhookSubscriptions` lists,
 * `webhookSubscriptionCreate` / `webhookSubscriptionDelete` change, and what deliveries
 * are addressed to. The control API's `subscribe` (and options.webhooks) adds a
 * subscription here too, so both ways of subscribing are one list. Deviations, each
 * documented in sandbox/README.md: every access token sees every subscription (Shopify
 * lists only the calling app's); http:// and loopback addresses are accepted (Shopify
 * requires HTTPS on a public host); deliveries are JSON only; the control API's `*` topic
 * (every topic) is the sandbox's own and is not listed.
 */

/** REST topic spelling (headers, control API) per GraphQL enum value. */
export const SHOPIFY_TOPIC_ENUM: Readonly<Record<string, string>> = {
  ORDERS_CREATE: 'orders/create',
  ORDERS_UPDATED: 'orders/updated',
  ORDERS_CANCELLED: 'orders/cancelled',
  ORDERS_PAID: 'orders/paid',
  ORDERS_FULFILLED: 'orders/fulfilled',
  INVENTORY_LEVELS_UPDATE: 'inventory_levels/update',
  INVENTORY_LEVELS_CONNECT: 'inventory_levels/connect',
  INVENTORY_LEVELS_DISCONNECT: 'inventory_levels/disconnect',
  INVENTORY_ITEMS_UPDATE: 'inventory_items/update',
  PRODUCTS_CREATE: 'products/create',
  PRODUCTS_UPDATE: 'products/update',
  PRODUCTS_DELETE: 'products/delete',
  BULK_OPERATIONS_FINISH: 'bulk_operations/finish',
  APP_UNINSTALLED: 'app/uninstalled',
};
const ENUM_OF_TOPIC = new Map(Object.entries(SHOPIFY_TOPIC_ENUM).map(([e, t]) => [t, e]));

/** Shopify's user error texts (unverified but for "already been taken", seen in shopify_app issues). */
export const SUBSCRIPTION_ERRORS = {
  blank: "Address can't be blank",
  invalid: 'Address is invalid',
  taken: 'Address for this topic has already been taken',
  xml: 'The sandbox delivers JSON only (format XML is not simulated)',
  missing: 'Webhook subscription does not exist',
};

interface Subscription {
  id: bigint;
  /** REST spelling, or '*' (control API only). */
  topic: string;
  uri: string;
  createdAt: Date;
  updatedAt: Date;
}

type UserError = { field: string[] | null; message: string };

export interface ShopSubscriptions extends WebhookSubscriptions {
  /** The GraphQL root fields: webhookSubscriptions, webhookSubscription, and the two mutations. */
  root(): Record<string, unknown>;
}

function validAddress(uri: string): boolean {
  try {
    const u = new URL(uri);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export function createShopSubscriptions(initial: { topic: string; url: string }[], now: () => Date): ShopSubscriptions {
  const subs: Subscription[] = [];
  let nextId = 1_043_000_000n;
  const add = (topic: string, uri: string): Subscription => {
    const at = now();
    const s = { id: nextId, topic, uri, createdAt: at, updatedAt: at };
    nextId += 1_117n;
    subs.push(s);
    return s;
  };
  const node = (s: Subscription) => ({
    id: gid('WebhookSubscription', s.id),
    legacyResourceId: s.id.toString(),
    topic: ENUM_OF_TOPIC.get(s.topic),
    uri: s.uri,
    callbackUrl: s.uri,
    format: 'JSON',
    includeFields: [],
    filter: null,
    createdAt: isoSeconds(s.createdAt),
    updatedAt: isoSeconds(s.updatedAt),
  });
  const listed = () => subs.filter((s) => ENUM_OF_TOPIC.has(s.topic));

  function create(args: { topic: string; webhookSubscription: { uri?: string | null; callbackUrl?: string | null; format?: string | null } }) {
    const input = args.webhookSubscription;
    const uri = input.uri ?? input.callbackUrl;
    const field = ['webhookSubscription', input.uri != null ? 'uri' : 'callbackUrl'];
    const fail = (message: string, f: string[] | null = field) => ({ webhookSubscription: null, userErrors: [{ field: f, message }] as UserError[] });
    if (!uri) return fail(SUBSCRIPTION_ERRORS.blank);
    if (!validAddress(uri)) return fail(SUBSCRIPTION_ERRORS.invalid);
    if (input.format === 'XML') return fail(SUBSCRIPTION_ERRORS.xml, ['webhookSubscription', 'format']);
    const topic = SHOPIFY_TOPIC_ENUM[args.topic]!; // the enum is validated by graphql-js
    if (subs.some((s) => s.topic === topic && s.uri === uri)) return fail(SUBSCRIPTION_ERRORS.taken);
    return { webhookSubscription: node(add(topic, uri)), userErrors: [] };
  }

  function remove(args: { id: string }) {
    const key = gidKey(args.id, 'WebhookSubscription');
    const i = key === undefined ? -1 : subs.findIndex((s) => s.id.toString() === key && ENUM_OF_TOPIC.has(s.topic));
    if (i < 0) return { deletedWebhookSubscriptionId: null, userErrors: [{ field: ['id'], message: SUBSCRIPTION_ERRORS.missing }] };
    subs.splice(i, 1);
    return { deletedWebhookSubscriptionId: args.id, userErrors: [] };
  }

  const registry: ShopSubscriptions = {
    subscribe(topic, url) {
      if (!subs.some((s) => s.topic === topic && s.uri === url)) add(topic, url);
    },
    unsubscribe(topic, url) {
      const i = subs.findIndex((s) => s.topic === topic && s.uri === url);
      if (i >= 0) subs.splice(i, 1);
    },
    urlsFor: (topic) => [...new Set(subs.filter((s) => s.topic === topic || s.topic === '*').map((s) => s.uri))],
    list: () => subs.map((s) => ({ topic: s.topic, url: s.uri })),
    root: () => ({
      webhookSubscriptions: (args: PageArgs & { topics?: string[] | null; uri?: string | null; callbackUrl?: string | null }) => {
        const topics = args.topics?.map((t) => SHOPIFY_TOPIC_ENUM[t]);
        const uri = args.uri ?? args.callbackUrl;
        const rows = listed().filter((s) => (!topics || topics.includes(s.topic)) && (!uri || s.uri === uri));
        return connection(rows, (s) => s.id, args, node);
      },
      webhookSubscription: (args: { id: string }) => {
        const key = gidKey(args.id, 'WebhookSubscription');
        const s = listed().find((x) => x.id.toString() === key);
        return s ? node(s) : null;
      },
      webhookSubscriptionCreate: create,
      webhookSubscriptionDelete: remove,
    }),
  };
  for (const s of initial) registry.subscribe(s.topic, s.url);
  return registry;
}
