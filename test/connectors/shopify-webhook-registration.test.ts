// The Shopify connector's WebhookRegistration against the simulator's webhookSubscriptions
// API: paging, user errors (a duplicate address, an invalid one), a delete of an id that is
// gone, and deliveries going where the subscriptions say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import type { WebhookRegistration } from '../../src/connectors/types.js';
import { create } from '../../src/connectors/shopify/index.js';
import { SHOPIFY_WEBHOOK_TOPICS } from '../../src/connectors/shopify/webhook-registration.js';
import { shopWithConnector } from './shopify-helpers.js';
import { startReceiver } from './woocommerce-helpers.js';

let env: Awaited<ReturnType<typeof shopWithConnector>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let reg: WebhookRegistration;

beforeAll(async () => {
  env = await shopWithConnector({ skus: [{ sku: 'A', quantity: 10 }] });
  receiver = await startReceiver();
  reg = env.connector.webhookRegistration!;
});
afterAll(async () => {
  await env.sandbox.close();
  await receiver.close();
});

async function graphql(query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${env.sandbox.url}/shopify/shop/admin/api/2026-04/graphql.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_test' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: unknown[] };
}

describe('Shopify webhook registration', () => {
  it('consumes the topics the webhook parser acts on', () => {
    expect(reg.topics).toEqual(SHOPIFY_WEBHOOK_TOPICS);
    expect(reg.topics).toEqual(['ORDERS_CREATE', 'ORDERS_CANCELLED', 'INVENTORY_LEVELS_UPDATE']);
  });

  it('creates, lists and deletes; a subscription is where deliveries go', async () => {
    const address = `${receiver.url}/webhooks/shopify-test`;
    const created = await reg.create('INVENTORY_LEVELS_UPDATE', address);
    expect(created).toMatchObject({ topic: 'INVENTORY_LEVELS_UPDATE', address });
    expect(created.id).toMatch(/^gid:\/\/shopify\/WebhookSubscription\/\d+$/);
    expect(await reg.list()).toEqual([created]);
    env.shop.control.setStock('A', 7);
    await env.sandbox.flushWebhooks();
    expect(receiver.received.map((d) => [d.path, d.headers['x-shopify-topic']])).toEqual([['/webhooks/shopify-test', 'inventory_levels/update']]);
    await reg.remove(created.id);
    expect(await reg.list()).toEqual([]);
    env.shop.control.setStock('A', 6);
    await env.sandbox.flushWebhooks();
    expect(receiver.received).toHaveLength(1);
    // deleting again: already gone, which is what remove wants
    await reg.remove(created.id);
  });

  it('returns the existing subscription when Shopify says the address is taken', async () => {
    const address = `${receiver.url}/webhooks/taken`;
    const first = await reg.create('ORDERS_CREATE', address);
    const again = await reg.create('ORDERS_CREATE', address);
    expect(again).toEqual(first);
    const raw = await graphql(
      `mutation($t: WebhookSubscriptionTopic!, $s: WebhookSubscriptionInput!) { webhookSubscriptionCreate(topic: $t, webhookSubscription: $s) { webhookSubscription { id } userErrors { field message } } }`,
      { t: 'ORDERS_CREATE', s: { callbackUrl: address, format: 'JSON' } },
    );
    expect(raw.data.webhookSubscriptionCreate).toEqual({
      webhookSubscription: null,
      userErrors: [{ field: ['webhookSubscription', 'callbackUrl'], message: 'Address for this topic has already been taken' }],
    });
    await reg.remove(first.id);
  });

  it('refuses an invalid address with a precise error', async () => {
    const e = await reg.create('ORDERS_CREATE', 'ftp://nowhere').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectorError);
    expect((e as ConnectorError).connectorCode).toBe('REJECTED');
    expect((e as Error).message).toBe('Shopify refused webhook ORDERS_CREATE -> ftp://nowhere: Address is invalid');
  });

  it('pages through more subscriptions than one page holds', async () => {
    const made = [];
    for (let i = 0; i < 55; i++) made.push(await reg.create('ORDERS_CREATE', `${receiver.url}/hook-${i}`));
    const listed = await reg.list();
    expect(listed.map((w) => w.id)).toEqual(made.map((w) => w.id));
    const page = await graphql(`{ webhookSubscriptions(first: 2, topics: [ORDERS_CREATE]) { nodes { id uri format } pageInfo { hasNextPage } } }`);
    expect(page.data.webhookSubscriptions.nodes).toHaveLength(2);
    expect(page.data.webhookSubscriptions.pageInfo.hasNextPage).toBe(true);
    for (const w of made) await reg.remove(w.id);
  });

  it('cannot register without the app secret', async () => {
    const c = create({ connectionId: 'nosecret', baseUrl: `${env.sandbox.url}/shopify/shop`, credentials: { accessToken: 'x' }, options: {} });
    expect(c.webhookRegistration!.cannotRegister!()).toMatch(/nosecret: credentials\.webhookSecret \(the app's API secret key\) is required/);
    expect(reg.cannotRegister!()).toBeUndefined();
  });
});
