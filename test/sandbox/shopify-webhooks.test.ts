import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver } from './core-receiver.js';
import { SET, startShop } from './shopify-helpers.js';

const SECRET = 'hush-test-secret';

/** Shopify's documented check: base64 HMAC-SHA256 of the raw body with the app secret. */
function verifyShopifyHmac(rawBody: string, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(answer?: (r: unknown, i: number) => number) {
  const receiver = await startReceiver(answer);
  const shop = await startShop({
    skus: [{ sku: 'A', quantity: 5 }],
    options: { appSecret: SECRET, webhooks: [{ topic: 'inventory_levels/update', url: `${receiver.url}/levels` }] },
  });
  cleanup.push(
    () => receiver.close(),
    () => shop.close(),
  );
  return { receiver, shop };
}

describe('Shopify webhooks', () => {
  it('our own mutation fires a signed inventory_levels/update with exact big ids', async () => {
    const { receiver, shop } = await setup();
    const { item, location } = await shop.ids('A');
    await shop.gql(SET, {
      input: { name: 'available', reason: 'correction', quantities: [{ inventoryItemId: item, locationId: location, quantity: 3, changeFromQuantity: 5 }] },
    });
    await shop.sandbox.flushWebhooks();

    expect(receiver.received).toHaveLength(1);
    const hook = receiver.received[0]!;
    expect(verifyShopifyHmac(hook.body, hook.headers['x-shopify-hmac-sha256'] as string, SECRET)).toBe(true);
    expect(verifyShopifyHmac(hook.body, hook.headers['x-shopify-hmac-sha256'] as string, 'wrong')).toBe(false);
    expect(hook.headers).toMatchObject({
      'x-shopify-topic': 'inventory_levels/update',
      'x-shopify-shop-domain': 'test-shop.myshopify.com',
      'x-shopify-api-version': '2026-04',
      'content-type': 'application/json',
    });
    for (const h of ['x-shopify-webhook-id', 'x-shopify-event-id', 'x-shopify-triggered-at']) expect(hook.headers[h]).toBeTruthy();

    // the id must be written as an exact number: read it from the raw text, not JSON.parse
    const itemNumber = item.split('/').pop()!;
    const locationNumber = location.split('/').pop()!;
    expect(hook.body).toContain(`"inventory_item_id":${itemNumber},`);
    expect(hook.body).toContain(`"location_id":${locationNumber},`);
    const parsed = JSON.parse(hook.body);
    expect(Object.keys(parsed)).toEqual(['inventory_item_id', 'location_id', 'available', 'updated_at', 'admin_graphql_api_id']);
    expect(parsed.available).toBe(3);
    expect(parsed.admin_graphql_api_id).toBe(`gid://shopify/InventoryLevel/${locationNumber}?inventory_item_id=${itemNumber}`);
    expect(parsed.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00$/);
  });

  it('retries on failure with the same event id, webhook id and body', async () => {
    const { receiver, shop } = await setup((_r, i) => (i < 3 ? 500 : 200));
    await shop.call('PUT', '/stock', { sku: 'A', quantity: 9 });
    await shop.sandbox.flushWebhooks();
    expect(receiver.received).toHaveLength(4);
    const ids = new Set(
      receiver.received.map((r) => `${r.headers['x-shopify-event-id']}|${r.headers['x-shopify-webhook-id']}|${r.headers['x-shopify-triggered-at']}|${r.body}`),
    );
    expect(ids.size).toBe(1);
    const stats = (await shop.call('GET', '/stats')).json.webhooks;
    expect(stats).toMatchObject({ sent: 4, delivered: 1, failed: 0 });
  });

  it('gives up after 8 retries', async () => {
    const { receiver, shop } = await setup(() => 503);
    await shop.call('PUT', '/stock', { sku: 'A', quantity: 1 });
    await shop.sandbox.flushWebhooks();
    expect(receiver.received).toHaveLength(9);
    expect((await shop.call('GET', '/stats')).json.webhooks).toMatchObject({ sent: 9, delivered: 0, failed: 1 });
  });

  it('a shopper order fires orders/create and a level update; a cancel fires orders/cancelled', async () => {
    const { receiver, shop } = await setup();
    await shop.call('POST', '/webhooks', { topic: 'orders/create', url: `${receiver.url}/orders` });
    await shop.call('POST', '/webhooks', { topic: 'orders/cancelled', url: `${receiver.url}/orders` });
    const order = await shop.call('POST', '/orders', { lines: [{ sku: 'A', quantity: 2 }] });
    await shop.sandbox.flushWebhooks();
    const topics = () => receiver.received.map((r) => r.headers['x-shopify-topic']).sort();
    expect(topics()).toEqual(['inventory_levels/update', 'orders/create']);
    const created = receiver.received.find((r) => r.headers['x-shopify-topic'] === 'orders/create')!;
    expect(created.body).toContain(`"id":${order.json.orderId},`);
    expect(JSON.parse(created.body).line_items[0]).toMatchObject({ sku: 'A', quantity: 2 });
    const level = receiver.received.find((r) => r.headers['x-shopify-topic'] === 'inventory_levels/update')!;
    expect(JSON.parse(level.body).available).toBe(3);
    expect(created.headers['x-shopify-event-id']).not.toBe(level.headers['x-shopify-event-id']);

    await shop.call('POST', `/orders/${order.json.orderId}/cancel`);
    await shop.sandbox.flushWebhooks();
    expect(topics()).toEqual(['inventory_levels/update', 'inventory_levels/update', 'orders/cancelled', 'orders/create']);
    const cancelled = receiver.received.find((r) => r.headers['x-shopify-topic'] === 'orders/cancelled')!;
    expect(JSON.parse(cancelled.body).cancelled_at).not.toBeNull();
    expect(verifyShopifyHmac(cancelled.body, cancelled.headers['x-shopify-hmac-sha256'] as string, SECRET)).toBe(true);
  });
});
