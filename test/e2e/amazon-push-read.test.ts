// The Amazon push reads the listing before patching it only when the channel may have sold
// since our last known count (src/domain/push-read.ts), on the sandbox with the engine and
// real PostgreSQL: skipped after a fresh acknowledged push, made after a recorded sale or
// when our count is old, and a sale the engine had not heard of, overwritten by a push that
// skipped its read, is accounted for once its order comes: no oversell follows.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelConnector, WarehouseConnector } from '../../src/connectors/types.js';
import { pollOnce } from '../../src/engine/workers/poller.js';
import { reconcileConnection } from '../../src/engine/workers/reconciler.js';
import { converged, eventually, listing } from './helpers.js';
import { startStack, type Stack } from './stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const silent = pino({ level: 'silent' });
const calls = (s: Stack, op: string) => s.instance('amazon').stats().calls[op] ?? 0;
const reads = (s: Stack) => calls(s, 'getListingsItem');
const patches = (s: Stack) => calls(s, 'patchListingsItem');

/** The 3PL's count changes by `delta`; ShipBob sends no inventory webhook, so a warehouse reconciliation brings it in. */
async function warehouseChange(s: Stack, delta: number) {
  s.instance('warehouse').control.adjust!('MUG', delta);
  await reconcileConnection({ db: s.db, log: silent, connectionId: 'wh', connector: s.engine.connectors.get('wh') as WarehouseConnector, trigger: 'manual' });
}

/** A push the channel acknowledges just now: our count of it is fresh. */
async function freshCount(s: Stack, at: number) {
  await warehouseChange(s, 1);
  await eventually(`Amazon at ${at}`, async () => s.instance('amazon').control.getStock('MUG') === at);
  await converged(s, ['amazon'], ['MUG']);
}

describe('Amazon push: read only when the channel may have sold since our last count', () => {
  it('skips the read when our count was just acknowledged and no sale came since', async () => {
    stack = await startStack({ channels: ['amazon'], skus: [{ sku: 'MUG', quantity: 10 }] });
    await converged(stack, ['amazon'], ['MUG']);
    await freshCount(stack, 11);
    const [r, p] = [reads(stack), patches(stack)];
    await warehouseChange(stack, -2); // target 11 -> 9: a lowering
    await eventually('Amazon at 9', async () => stack!.instance('amazon').control.getStock('MUG') === 9);
    await converged(stack, ['amazon'], ['MUG']);
    expect(patches(stack) - p).toBe(1);
    expect(reads(stack) - r).toBe(0);
  });

  it('reads when the channel sold since our last count', async () => {
    stack = await startStack({ channels: ['amazon'], skus: [{ sku: 'MUG', quantity: 10 }] });
    await converged(stack, ['amazon'], ['MUG']);
    await freshCount(stack, 11);
    const r = reads(stack);
    expect(stack.instance('amazon').control.shopperOrder([{ sku: 'MUG', quantity: 2 }]).ok).toBe(true); // 11 -> 9, notified
    await eventually('the sale recorded', async () => (await stack!.db.query(`SELECT count(*)::int AS n FROM orders`)).rows[0].n === 1);
    await converged(stack, ['amazon'], ['MUG']);
    expect(reads(stack) - r).toBeGreaterThanOrEqual(1); // the inferred count (11 - 2) is read back
    expect(stack.instance('amazon').control.getStock('MUG')).toBe(9);
  });

  it('an old count is confirmed by the orders ingested since (no sale recorded after it): no read; with the cursor old too, a read', async () => {
    stack = await startStack({ channels: ['amazon'], skus: [{ sku: 'MUG', quantity: 10 }], webhooks: false, pollInterval: '1h' });
    await converged(stack, ['amazon'], ['MUG']);
    await freshCount(stack, 11);
    const amazon = stack.engine.connectors.get('amazon') as ChannelConnector;
    await stack.db.query(`UPDATE listings SET pushed_at = now() - interval '1 minute' WHERE connection_id = 'amazon'`);
    // Every order placed until just now is in, and none sold MUG since our count: Amazon still shows 11.
    await pollOnce({ db: stack.db, log: silent, connectionId: 'amazon', connector: amazon });
    const [r, p] = [reads(stack), patches(stack)];
    await warehouseChange(stack, -2); // target 11 -> 9
    await eventually('Amazon at 9', async () => stack!.instance('amazon').control.getStock('MUG') === 9);
    await converged(stack, ['amazon'], ['MUG']);
    expect([reads(stack) - r, patches(stack) - p]).toEqual([0, 1]);

    // Our count is a minute old, and so are the orders ingested: a sale since may lie
    // outside what a late apply overwrites, so the next push reads first.
    await stack.db.query(`UPDATE listings SET pushed_at = now() - interval '1 minute' WHERE connection_id = 'amazon'`);
    await stack.db.query(`UPDATE poll_cursors SET since = now() - interval '1 minute' WHERE connection_id = 'amazon' AND stream = 'orders'`);
    const [r2, p2] = [reads(stack), patches(stack)];
    await warehouseChange(stack, -1);
    // (With orders ingested only up to a minute ago, what Amazon sold during our last push's
    // apply may have been overwritten: those units stay counted, and the target is lower.)
    await eventually('the lowering patched', async () => patches(stack!) > p2);
    await converged(stack, ['amazon'], ['MUG']);
    expect(reads(stack) - r2).toBe(1);
  });

  it('a sale not heard of, overwritten by a push that skipped its read, is accounted once its order comes: no oversell', async () => {
    // No notifications: the engine learns of the Amazon sale only from an order poll.
    stack = await startStack({ channels: ['amazon'], skus: [{ sku: 'MUG', quantity: 10 }], webhooks: false, pollInterval: '1h' });
    await converged(stack, ['amazon'], ['MUG']);
    await freshCount(stack, 11);
    const amazon = stack.instance('amazon');
    expect(amazon.control.shopperOrder([{ sku: 'MUG', quantity: 3 }]).ok).toBe(true); // 11 -> 8, unseen
    const r = reads(stack);
    await warehouseChange(stack, -2); // 3PL 11 -> 9, target 9: the push skips its read
    await eventually('the patch applied', async () => amazon.control.getStock('MUG') === 9);
    expect(reads(stack) - r).toBe(0);
    // The order comes in: placed just before the push, it counts as overwritten (Amazon shows
    // 9, not 9 - 3); its claim takes the target to 9 - 3 = 6, and Amazon is lowered to it.
    await pollOnce({ db: stack.db, log: silent, connectionId: 'amazon', connector: stack.engine.connectors.get('amazon') as ChannelConnector });
    await eventually('Amazon at 6', async () => amazon.control.getStock('MUG') === 6);
    await converged(stack, ['amazon'], ['MUG']);
    expect(await listing(stack, 'amazon', 'MUG')).toMatchObject({ target: 6, pushed: 6 });
    // Shoppers take what Amazon shows, and no more: 3 + 6 units sold of the 9 held.
    let sold = 3;
    while (amazon.control.shopperOrder([{ sku: 'MUG', quantity: 1 }]).ok) sold++;
    expect(sold).toBe(9);
    expect(sold).toBeLessThanOrEqual((stack.instance('warehouse').control.getStock('MUG') ?? 0) as number);
  });
});
