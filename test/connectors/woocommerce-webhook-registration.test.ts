// The WooCommerce connector's WebhookRegistration against the simulator's /webhooks:
// more webhooks than one page holds, deliveries signed with the secret given at creation,
// a delete of a webhook that is gone, and the simulator's refusal of a DELETE without
// force=true (webhooks cannot be trashed).
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookRegistration } from '../../src/connectors/types.js';
import { create } from '../../src/connectors/woocommerce/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { WooInstance } from '../../sandbox/woocommerce/index.js';
import { startReceiver } from './woocommerce-helpers.js';

let sb: RunningSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let reg: WebhookRegistration;
const auth = `Basic ${Buffer.from('ck_store:cs_store').toString('base64')}`;

beforeAll(async () => {
  receiver = await startReceiver();
  sb = await startSandbox({
    port: 0,
    seed: 4,
    timeScale: 0.001,
    instances: [{ platform: 'woocommerce', name: 'store', skus: [{ sku: 'W-1', quantity: 5 }], options: { webhookQueueDelayMs: 0 } }],
  });
  const c = create({
    connectionId: 'woo',
    baseUrl: `${sb.url}/woocommerce/store`,
    credentials: { consumerKey: 'ck_store', consumerSecret: 'cs_store', webhookSecret: 'the-connection-secret' },
    options: { retry: { attempts: 2, baseMs: 1, maxMs: 5 } },
  });
  reg = c.webhookRegistration!;
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});

describe('WooCommerce webhook registration', () => {
  it('creates with the connection secret, which signs the deliveries', async () => {
    const w = await reg.create('product.updated', `${receiver.url}/webhooks/woo`);
    expect(w).toMatchObject({ topic: 'product.updated', address: `${receiver.url}/webhooks/woo`, status: 'active' });
    const store = sb.instances.get('woocommerce/store') as WooInstance;
    store.control.setStock('W-1', 3);
    await store.flushWebhooks();
    const got = receiver.received.at(-1)!;
    expect(got.headers['x-wc-webhook-signature']).toBe(createHmac('sha256', 'the-connection-secret').update(got.rawBody).digest('base64'));
    await reg.remove(w.id);
    await reg.remove(w.id); // gone already: fine
    expect(await reg.list()).toEqual([]);
  });

  it('lists more webhooks than one page holds', async () => {
    const made = [];
    for (let i = 0; i < 105; i++) made.push(await reg.create('order.created', `${receiver.url}/hook-${i}`));
    const listed = await reg.list();
    expect(listed.map((w) => w.id)).toEqual(made.map((w) => w.id));
    const page = await fetch(`${sb.url}/woocommerce/store/wp-json/wc/v3/webhooks?per_page=100&page=2`, { headers: { authorization: auth } });
    expect([page.headers.get('x-wp-total'), page.headers.get('x-wp-totalpages')]).toEqual(['105', '2']);
    expect(((await page.json()) as unknown[]).length).toBe(5);
    for (const w of made) await reg.remove(w.id);
  });

  it('refuses a DELETE without force=true, as WooCommerce does', async () => {
    const w = await reg.create('order.updated', `${receiver.url}/x`);
    const res = await fetch(`${sb.url}/woocommerce/store/wp-json/wc/v3/webhooks/${w.id}`, { method: 'DELETE', headers: { authorization: auth } });
    expect(res.status).toBe(501);
    expect(((await res.json()) as { code: string }).code).toBe('woocommerce_rest_trash_not_supported');
    await reg.remove(w.id);
    expect(await reg.list()).toEqual([]);
  });
});
