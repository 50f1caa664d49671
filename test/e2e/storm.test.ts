// Rate limits: a 429 storm and a connector that believes in a bigger bucket than the
// shop has. Backoff honours the platforms, and everything converges.
import { afterEach, describe, expect, it } from 'vitest';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { startStack, type Stack } from './stack.js';
import { ats, converged, eventually } from './helpers.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const SKUS = Array.from({ length: 6 }, (_, i) => ({ sku: `S${i}`, quantity: 30 }));

describe('rate limits', () => {
  it('a 429 storm on every channel: backoff, then convergence with every order counted once', async () => {
    const storm = { ...FAULT_PROFILES.none, rate429: 0.35 };
    stack = await startStack({ channels: ['shopify', 'woocommerce'], skus: SKUS, faults: { shopify: storm, woocommerce: storm } });
    await converged(
      stack,
      ['shopify', 'woocommerce'],
      SKUS.map((s) => s.sku),
    );
    for (let i = 0; i < 6; i++) {
      const channel = i % 2 === 0 ? 'shopify' : 'woocommerce';
      expect(stack.instance(channel).control.shopperOrder([{ sku: `S${i}`, quantity: 2 }]).ok).toBe(true);
    }
    await eventually(
      'six orders',
      async () => {
        const { rows } = await stack!.db.query(`SELECT count(*)::int AS n FROM orders`);
        return rows[0].n === 6;
      },
      40_000,
    );
    await converged(
      stack,
      ['shopify', 'woocommerce'],
      SKUS.map((s) => s.sku),
    );
    for (const s of SKUS) expect(await ats(stack, s.sku)).toBe(28);
    const throttled = stack.instance('shopify').stats().throttled + stack.instance('woocommerce').stats().throttled;
    expect(throttled).toBeGreaterThan(0); // the storm happened
  }, 120_000);

  it("a connector told the shop is on Plus paces down to the shop's real bucket", async () => {
    const skus = Array.from({ length: 120 }, (_, i) => ({ sku: `P${i}`, quantity: 5 }));
    stack = await startStack({
      channels: ['shopify'],
      skus,
      instanceOptions: { shopify: { restoreRate: 50 } },
      connectionOptions: { shopify: 'plan: plus' },
    });
    await converged(
      stack,
      ['shopify'],
      skus.map((s) => s.sku),
    );
    // Shopify answered THROTTLED a few times, then the connector adopted the reported bucket.
    expect(stack.instance('shopify').stats().throttled).toBeLessThan(10);
  }, 120_000);
});
