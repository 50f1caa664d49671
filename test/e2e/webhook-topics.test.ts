// Issue 14, defect 3: webhook topic headers are not signed. A stored orders/create body,
// replayed with X-Shopify-Topic: orders/cancelled (its HMAC still valid: it covers the
// body only), cancelled the order at the 3PL while it stayed open and paid on Shopify.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers.js';
import { startStack, type Stack } from './stack.js';

describe('a topic header that the signed body contradicts', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ channels: ['shopify'], skus: [{ sku: 'MUG', quantity: 10 }] });
  });
  afterAll(async () => stack?.close());

  it('a replayed orders/create body under orders/cancelled is refused and quarantined; the 3PL keeps the order', async () => {
    const r = stack.instance('shopify').control.shopperOrder([{ sku: 'MUG', quantity: 2 }]);
    if (!r.ok) throw new Error('the shopper order failed');
    await eventually('order at the warehouse', async () => {
      const { rows } = await stack.db.query(`SELECT warehouse_ack_at FROM orders WHERE external_id LIKE '%/' || $1`, [r.orderId]);
      return rows[0]?.warehouse_ack_at ? true : undefined;
    });
    // What an attacker who saw one delivery holds: its signed body and headers.
    const { rows } = await stack.db.query(`SELECT headers, body FROM inbox WHERE topic = 'orders/create' ORDER BY id LIMIT 1`);
    const stored = rows[0] as { headers: Record<string, string>; body: Buffer };
    const res = await fetch(`${stack.engine.url}/webhooks/${stack.connectionOf('shopify')}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-hmac-sha256': stored.headers['x-shopify-hmac-sha256']!,
        'x-shopify-topic': 'orders/cancelled',
        'x-shopify-event-id': 'replayed-as-cancel',
      },
      body: stored.body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/topic says cancelled but the signed body has no cancelled_at/);
    const q = await stack.db.query(`SELECT reason, body FROM quarantine WHERE source = 'webhook'`);
    expect(q.rows).toEqual([{ reason: expect.stringMatching(/no cancelled_at/), body: stored.body }]);
    const inbox = await stack.db.query(`SELECT count(*)::int AS n FROM inbox WHERE event_id = 'replayed-as-cancel'`);
    expect(inbox.rows[0].n).toBe(0);
    // Give a wrongly accepted cancellation the time to reach the 3PL, then look there.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const order = await stack.db.query(`SELECT status, warehouse_cancel FROM orders WHERE external_id LIKE '%/' || $1`, [r.orderId]);
    expect(order.rows[0]).toEqual({ status: expect.not.stringMatching(/cancel/), warehouse_cancel: null });
    const truth = stack.instance('warehouse').control.truth() as { orders: { status: string }[] };
    expect(truth.orders.map((o) => o.status)).not.toContain('Cancelled');
    expect(truth.orders).toHaveLength(1);
  });
});
