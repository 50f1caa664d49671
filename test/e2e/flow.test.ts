// The layers working together on the sandbox without faults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './stack.js';
import { ats, converged, eventually, listing } from './helpers.js';

describe('end to end, shopify + warehouse', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      channels: ['shopify'],
      skus: [
        { sku: 'MUG', quantity: 10 },
        { sku: 'CUP', quantity: 3 },
      ],
    });
  });
  afterAll(async () => stack?.close());

  it('takes the warehouse levels and pushes targets', async () => {
    await eventually('warehouse levels', async () => (await ats(stack, 'MUG')) === 10);
    await converged(stack, ['shopify'], ['MUG', 'CUP']);
  });

  it('a shopper order is claimed, pushed to the warehouse, and the channel stays right', async () => {
    const r = stack.instance('shopify').control.shopperOrder([{ sku: 'MUG', quantity: 2 }]);
    expect(r.ok).toBe(true);
    await eventually('order recorded', async () => (await ats(stack, 'MUG')) === 8);
    await eventually('order pushed to the warehouse', async () => {
      const { rows } = await stack.db.query(`SELECT warehouse_ack_at FROM orders`);
      return rows.length === 1 && rows[0].warehouse_ack_at !== null;
    });
    await converged(stack, ['shopify'], ['MUG']);
    expect((await listing(stack, 'shopify', 'MUG')).target).toBe(8);
  });

  it('a channel cancellation reaches the warehouse; the units return once it confirms', async () => {
    const r = stack.instance('shopify').control.shopperOrder([{ sku: 'CUP', quantity: 1 }]);
    expect(r.ok).toBe(true);
    await eventually('order at the warehouse', async () => {
      const { rows } = await stack.db.query(`SELECT warehouse_ack_at FROM orders WHERE external_id LIKE '%' || $1`, [r.ok ? r.orderId : '']);
      return rows[0]?.warehouse_ack_at ? true : undefined;
    });
    expect(stack.instance('shopify').control.cancelOrder!(r.ok ? r.orderId : '')).toBe(true);
    await eventually('warehouse cancelled it', async () => {
      const truth = stack.instance('warehouse').control.truth() as { orders: { reference_id: string; status: string }[] };
      return truth.orders.filter((o) => o.status === 'Cancelled').length === 1;
    });
    await eventually('claims released', async () => {
      const { rows } = await stack.db.query(`SELECT warehouse_cancel FROM orders WHERE status = 'cancelled'`);
      return rows[0]?.warehouse_cancel === 'done';
    });
    await eventually('CUP back to 3', async () => (await ats(stack, 'CUP')) === 3);
    await converged(stack, ['shopify'], ['CUP']);
  });

  it('does not loop on the echo of its own pushes', async () => {
    await stack.sandbox.flushWebhooks();
    const calls = () => Object.values(stack.instance('shopify').stats().calls).reduce((a, b) => a + b, 0);
    const before = calls();
    await new Promise((r) => setTimeout(r, 1500));
    expect(calls()).toBe(before); // inventory_levels/update echoes came back and changed nothing
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM inbox WHERE topic = 'inventory_levels/update' AND status = 'processed'`);
    expect(rows[0].n).toBeGreaterThan(0);
  });
});

describe('end to end, three channels', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      channels: ['shopify', 'woocommerce', 'amazon'],
      skus: [
        { sku: 'MUG', quantity: 30 },
        { sku: 'CUP', quantity: 12 },
      ],
    });
  });
  afterAll(async () => stack?.close());

  it('a sale on any channel lowers every other channel, Amazon included', async () => {
    const all = ['shopify', 'woocommerce', 'amazon'] as const;
    await eventually('warehouse levels', async () => (await ats(stack, 'MUG')) === 30 && (await ats(stack, 'CUP')) === 12);
    await converged(stack, all, ['MUG', 'CUP']);
    expect(stack.instance('amazon').control.shopperOrder([{ sku: 'MUG', quantity: 3 }]).ok).toBe(true);
    expect(stack.instance('woocommerce').control.shopperOrder([{ sku: 'CUP', quantity: 2 }]).ok).toBe(true);
    expect(
      stack.instance('shopify').control.shopperOrder([
        { sku: 'MUG', quantity: 1 },
        { sku: 'CUP', quantity: 1 },
      ]).ok,
    ).toBe(true);
    await eventually('three orders', async () => {
      const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM orders`);
      return rows[0].n === 3;
    });
    await converged(stack, all, ['MUG', 'CUP']);
    const shown = Object.fromEntries(all.map((c) => [c, { MUG: stack.instance(c).control.getStock('MUG'), CUP: stack.instance(c).control.getStock('CUP') }]));
    expect(shown).toEqual(Object.fromEntries(all.map((c) => [c, { MUG: 26, CUP: 9 }])));
    const truth = stack.instance('warehouse').control.truth() as { orders: unknown[] };
    expect(truth.orders).toHaveLength(3);
  });
});
