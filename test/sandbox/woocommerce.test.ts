import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import '../../sandbox/woocommerce/index.js';
import type { WooInstance } from '../../sandbox/woocommerce/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { startReceiver, type Receiver } from './woocommerce-helpers.js';

const AUTH = `Basic ${Buffer.from('ck_test:cs_test').toString('base64')}`;
const skus = (n: number, prefix = 'W') => Array.from({ length: n }, (_, i) => ({ sku: `${prefix}-${i + 1}`, quantity: 10 }));

let sb: RunningSandbox;
let receiver: Receiver;
let api: string;
let woo: WooInstance;

async function call(method: string, path: string, body?: unknown, auth = AUTH) {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

beforeAll(async () => {
  receiver = await startReceiver();
  sb = await startSandbox({
    seed: 3,
    timeScale: 0.01,
    instances: [
      { platform: 'woocommerce', name: 'shop', skus: skus(30), options: { consumerKey: 'ck_test', consumerSecret: 'cs_test', timezoneOffsetMinutes: 120 } },
      { platform: 'woocommerce', name: 'vars', skus: skus(6, 'V'), options: { consumerKey: 'ck_test', consumerSecret: 'cs_test', variationsPerProduct: 3 } },
    ],
  });
  api = `${sb.url}/woocommerce/shop/wp-json/wc/v3`;
  woo = sb.instances.get('woocommerce/shop') as WooInstance;
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});
afterEach(() => {
  receiver.received.length = 0;
  receiver.status = 200;
});

describe('WooCommerce REST v3', () => {
  it('requires consumer key auth in WooCommerce error shape', async () => {
    const none = await fetch(`${api}/products`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'woocommerce_rest_cannot_view', data: { status: 401 } });
    const bad = await call('GET', '/products', undefined, `Basic ${Buffer.from('ck_test:nope').toString('base64')}`);
    expect(bad.status).toBe(401);
    expect(bad.json.code).toBe('woocommerce_rest_authentication_error');
  });

  it('refuses a batch of 101 with 413 and changes nothing', async () => {
    const list = await call('GET', '/products?per_page=100');
    const ids: number[] = list.json.map((p: any) => p.id);
    const update = Array.from({ length: 101 }, (_, i) => ({ id: ids[i % ids.length], stock_quantity: 0 }));
    const res = await call('POST', '/products/batch', { update });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ code: 'woocommerce_rest_request_entity_too_large', data: { status: 413 } });
    for (const s of skus(30)) expect(woo.control.getStock(s.sku)).toBe(10);

    const ok = await call('POST', '/products/batch', {
      update: [
        { id: ids[0], stock_quantity: 7 },
        { id: 999_999, stock_quantity: 1 },
      ],
    });
    expect(ok.status).toBe(200);
    expect(ok.json.update[0]).toMatchObject({ id: ids[0], stock_quantity: 7, stock_status: 'instock' });
    expect(ok.json.update[1]).toMatchObject({ id: 999_999, error: { code: 'woocommerce_rest_product_invalid_id' } });
    const zero = await call('PUT', `/products/${ids[0]}`, { stock_quantity: 0 });
    expect(zero.json).toMatchObject({ stock_quantity: 0, stock_status: 'outofstock' });
    const bad = await call('PUT', `/products/${ids[0]}`, { stock_quantity: 1.5 });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe('rest_invalid_param');
    await call('PUT', `/products/${ids[0]}`, { stock_quantity: 10 });
  });

  it('pages modified_after with X-WP-Total and X-WP-TotalPages, in GMT or site time', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // WordPress dates have one-second resolution
    const cutoff = new Date();
    await new Promise((r) => setTimeout(r, 1100));
    for (let i = 1; i <= 12; i++) woo.control.setStock(`W-${i}`, 20 + i);
    const gmt = cutoff.toISOString().slice(0, 19);
    const seen = new Set<string>();
    for (let page = 1; page <= 3; page++) {
      const res = await call('GET', `/products?modified_after=${gmt}&dates_are_gmt=true&per_page=5&page=${page}`);
      expect(res.headers.get('x-wp-total')).toBe('12');
      expect(res.headers.get('x-wp-totalpages')).toBe('3');
      expect(res.json.length).toBe(page < 3 ? 5 : 2);
      for (const p of res.json) seen.add(p.sku);
    }
    expect(seen.size).toBe(12);
    // the same instant in site time (UTC+2) without dates_are_gmt
    const local = new Date(cutoff.getTime() + 120 * 60_000).toISOString().slice(0, 19);
    const res = await call('GET', `/products?modified_after=${local}&per_page=100`);
    expect(res.headers.get('x-wp-total')).toBe('12');
    // read as GMT it would be two hours later: nothing
    const wrong = await call('GET', `/products?modified_after=${local}&dates_are_gmt=true`);
    expect(wrong.headers.get('x-wp-total')).toBe('0');
    expect((await call('GET', '/products?per_page=101')).status).toBe(400);
  });

  it('serves variations and their batch endpoint', async () => {
    const base = `${sb.url}/woocommerce/vars/wp-json/wc/v3`;
    const get = async (p: string, init?: RequestInit) =>
      (await fetch(`${base}${p}`, { ...init, headers: { authorization: AUTH, 'content-type': 'application/json' } })).json() as Promise<any>;
    const products = await get('/products');
    expect(products.length).toBe(2);
    const parent = products.find((p: any) => p.sku === 'V-1-PARENT');
    expect(parent.type).toBe('variable');
    const vars = await get(`/products/${parent.id}/variations`);
    expect(vars.map((v: any) => v.sku).sort()).toEqual(['V-1', 'V-2', 'V-3']);
    const res = await get(`/products/${parent.id}/variations/batch`, {
      method: 'POST',
      body: JSON.stringify({ update: vars.map((v: any) => ({ id: v.id, stock_quantity: 0 })) }),
    });
    expect(res.update.every((v: any) => v.stock_status === 'outofstock')).toBe(true);
    expect(sb.instances.get('woocommerce/vars')!.control.getStock('V-2')).toBe(0);
  });

  it('signs webhooks with base64 HMAC-SHA256 of the body and sends every header', async () => {
    const hook = await call('POST', '/webhooks', { topic: 'product.updated', delivery_url: receiver.url, secret: 's3cret' });
    expect(hook.status).toBe(201);
    const product = (await call('GET', '/products?sku=W-20')).json[0];
    await call('PUT', `/products/${product.id}`, { stock_quantity: 4 });
    await woo.flushWebhooks();
    await receiver.waitFor(1);
    const got = receiver.received[0]!;
    const expected = createHmac('sha256', 's3cret').update(got.body).digest('base64');
    expect(got.headers['x-wc-webhook-signature']).toBe(expected);
    expect(got.headers).toMatchObject({
      'x-wc-webhook-topic': 'product.updated',
      'x-wc-webhook-resource': 'product',
      'x-wc-webhook-event': 'updated',
      'x-wc-webhook-id': String(hook.json.id),
    });
    expect(got.headers['x-wc-webhook-delivery-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(got.headers['x-wc-webhook-source']).toMatch(/\/woocommerce\/shop\/$/);
    expect(JSON.parse(got.body)).toMatchObject({ id: product.id, sku: 'W-20', stock_quantity: 4 });
    await call('DELETE', `/webhooks/${hook.json.id}?force=true`);
  });

  it('builds the payload at delivery time and collapses a burst into one delivery', async () => {
    const hook = await call('POST', '/webhooks', { topic: 'product.updated', delivery_url: receiver.url, secret: 'x' });
    woo.control.setStock('W-21', 5);
    woo.control.setStock('W-21', 3);
    woo.control.setStock('W-21', 2);
    await woo.flushWebhooks();
    expect(receiver.received.length).toBe(1);
    expect(JSON.parse(receiver.received[0]!.body).stock_quantity).toBe(2);
    expect((woo.control.truth() as any).webhookStats.collapsed).toBeGreaterThanOrEqual(2);
    await call('DELETE', `/webhooks/${hook.json.id}?force=true`);
  });

  it('disables a webhook on the 7th consecutive failure and stops delivering', async () => {
    receiver.status = 500;
    const hook = await call('POST', '/webhooks', { topic: 'product.updated', delivery_url: receiver.url, secret: 'x' });
    for (let i = 0; i < 6; i++) {
      woo.control.setStock('W-22', i);
      await woo.flushWebhooks();
    }
    expect((await call('GET', `/webhooks/${hook.json.id}`)).json.status).toBe('active');
    woo.control.setStock('W-22', 50);
    await woo.flushWebhooks();
    expect((await call('GET', `/webhooks/${hook.json.id}`)).json.status).toBe('disabled');
    const truth = woo.control.truth() as any;
    expect(truth.webhooks.find((w: any) => w.id === hook.json.id)).toMatchObject({ status: 'disabled', failure_count: 6 });
    woo.control.setStock('W-22', 51);
    await woo.flushWebhooks();
    expect(receiver.received.length).toBe(7);

    // PUT /webhooks/{id} sets it active again, with a fresh failure count: it delivers again.
    expect((await call('PUT', `/webhooks/${hook.json.id}`, { status: 'bogus' })).status).toBe(400);
    const put = await call('PUT', `/webhooks/${hook.json.id}`, { status: 'active' });
    expect(put.json).toMatchObject({ id: hook.json.id, status: 'active', delivery_url: receiver.url });
    expect((woo.control.truth() as any).webhooks.find((w: any) => w.id === hook.json.id)).toMatchObject({ status: 'active', failure_count: 0 });
    receiver.status = 200;
    woo.control.setStock('W-22', 52);
    await woo.flushWebhooks();
    expect(receiver.received.length).toBe(8);
    expect((await call('PUT', '/webhooks/999999', { status: 'active' })).status).toBe(404);
    await call('DELETE', `/webhooks/${hook.json.id}?force=true`);
  });

  it('sells from its own count, refuses at zero and lists orders', async () => {
    woo.control.setStock('W-23', 1);
    const sale = woo.control.shopperOrder([{ sku: 'W-23', quantity: 1 }]);
    expect(sale.ok).toBe(true);
    expect(woo.control.getStock('W-23')).toBe(0);
    expect(woo.control.shopperOrder([{ sku: 'W-23', quantity: 1 }]).ok).toBe(false);
    expect(woo.control.getStock('W-23')).toBe(0);
    const orders = await call('GET', '/orders?per_page=100');
    expect(orders.headers.get('x-wp-total')).toBe('1');
    expect(orders.json[0].line_items[0]).toMatchObject({ sku: 'W-23', quantity: 1 });
    expect(woo.control.cancelOrder!(orders.json[0].id.toString())).toBe(true);
    expect(woo.control.getStock('W-23')).toBe(1);
    expect(sb.instances.get('woocommerce/shop')!.stats().calls['GET orders']).toBe(1);
  });
});
