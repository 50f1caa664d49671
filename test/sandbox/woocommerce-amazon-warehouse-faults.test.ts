// Request faults on the WooCommerce, Amazon and warehouse simulators: each platform's own
// error shapes, at the configured rates, identical to a replay of the fault stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../sandbox/amazon/index.js';
import '../../sandbox/warehouse/index.js';
import '../../sandbox/woocommerce/index.js';
import { createFaults, FAULT_PROFILES, type FaultProfile } from '../../sandbox/core/faults.js';
import { createRng } from '../../sandbox/core/rng.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';

const SEED = 21;
const profile: FaultProfile = { ...FAULT_PROFILES.none, rate429: 0.2, rate5xx: 0.1, rateTimeout: 0.05, timeoutMs: 30 };
const N = 200;
let sb: RunningSandbox;

beforeAll(async () => {
  sb = await startSandbox({
    seed: SEED,
    faults: profile,
    instances: [
      { platform: 'woocommerce', name: 'f', skus: [{ sku: 'F-1', quantity: 5 }], options: { consumerKey: 'k', consumerSecret: 's' } },
      { platform: 'amazon', name: 'f', skus: [{ sku: 'F-1', quantity: 5 }], options: { accessToken: 't', sellerId: 'AF', rateScale: 1000 } },
      { platform: 'warehouse', name: 'f', skus: [{ sku: 'F-1', quantity: 5 }], options: { token: 't', rateLimit: { limit: 100_000, windowMs: 60_000 } } },
    ],
  });
});
afterAll(() => sb.close());

const cases: { key: string; path: string; headers: Record<string, string>; check429: (b: any) => void; check5xx: (status: number, b: any) => void }[] = [
  {
    key: 'woocommerce/f',
    path: '/woocommerce/f/wp-json/wc/v3/products',
    headers: { authorization: `Basic ${Buffer.from('k:s').toString('base64')}` },
    check429: (b: any) => expect(b).toMatchObject({ code: 'rest_too_many_requests', data: { status: 429 } }),
    check5xx: (status: number, b: any) => {
      expect(status).toBe(500);
      expect(b).toMatchObject({ code: 'internal_server_error', data: { status: 500 } });
    },
  },
  {
    key: 'amazon/f',
    path: '/amazon/f/listings/2021-08-01/items/AF/F-1?marketplaceIds=ATVPDKIKX0DER',
    headers: { 'x-amz-access-token': 't' },
    check429: (b: any) => expect(b.errors[0].code).toBe('QuotaExceeded'),
    check5xx: (status: number, b: any) => {
      expect(status).toBe(503);
      expect(b.errors[0].code).toBe('ServiceUnavailable');
    },
  },
  {
    key: 'warehouse/f',
    path: '/warehouse/f/2026-01/inventory-level',
    headers: { authorization: 'Bearer t' },
    check429: (b: any) => expect(b.message).toMatch(/^Rate limit is exceeded/),
    check5xx: (status: number, b: any) => {
      expect(status).toBe(500);
      expect(b.status).toBe(500);
    },
  },
];

describe('request faults per platform', () => {
  for (const c of cases) {
    it(`${c.key}: shapes and rates replay the seeded fault stream`, async () => {
      const replay = createFaults(profile, createRng(SEED, `${c.key}#faults`));
      const expected = Array.from({ length: N }, () => replay.requestOutcome());
      const seen: string[] = [];
      for (let i = 0; i < N; i++) {
        try {
          const res = await fetch(`${sb.url}${c.path}`, { headers: c.headers });
          const body = await res.json();
          if (res.status === 429) {
            c.check429(body);
            if (c.key === 'warehouse/f') expect(res.headers.get('retry-after')).toBe('25');
            seen.push('429');
          } else if (res.status >= 500) {
            c.check5xx(res.status, body);
            seen.push('5xx');
          } else seen.push('ok');
        } catch {
          seen.push('timeout'); // the socket was dropped without an answer
        }
      }
      expect(seen).toEqual(expected);
      const share = (k: string) => seen.filter((s) => s === k).length / N;
      expect(share('429')).toBeGreaterThan(0.12);
      expect(share('429')).toBeLessThan(0.28);
      expect(share('5xx')).toBeGreaterThan(0.04);
      expect(share('5xx')).toBeLessThan(0.16);
      const stats = sb.instances.get(c.key)!.stats();
      expect(stats.throttled).toBe(seen.filter((s) => s === '429').length);
      expect(stats.errors).toBe(seen.filter((s) => s !== '429' && s !== 'ok').length);
    });
  }

  it('a timed-out WooCommerce write still takes effect', async () => {
    // draw until the next outcome of this instance's stream is a timeout, then write
    const replay = createFaults(profile, createRng(SEED, 'woocommerce/f#faults'));
    const used = N; // the previous test consumed N draws
    for (let i = 0; i < used; i++) replay.requestOutcome();
    const url = `${sb.url}/woocommerce/f/wp-json/wc/v3/products`;
    const headers = { authorization: `Basic ${Buffer.from('k:s').toString('base64')}`, 'content-type': 'application/json' };
    const id = (sb.instances.get('woocommerce/f')!.control.truth() as any).products[0].id;
    for (let q = 100; q < 140; q++) {
      const outcome = replay.requestOutcome();
      const res = await fetch(`${url}/${id}`, { method: 'PUT', headers, body: JSON.stringify({ stock_quantity: q }) }).catch(() => undefined);
      if (outcome === 'timeout') {
        expect(res).toBeUndefined();
        expect(sb.instances.get('woocommerce/f')!.control.getStock('F-1')).toBe(q);
        return;
      }
    }
    throw new Error('no timeout drawn in 40 requests');
  });
});

describe('an injected 429 on a compressed clock', () => {
  it("asks for the platform's wait in the sandbox's time: ShipBob's 25 s is 0.417 s at x60, WooCommerce's 1 s is 0.017 s", async () => {
    const fast = await startSandbox({
      seed: SEED,
      timeScale: 1 / 60,
      faults: { ...FAULT_PROFILES.none, rate429: 1 },
      instances: [
        { platform: 'warehouse', name: 'x', skus: [{ sku: 'F-1', quantity: 5 }], options: { token: 't', rateLimit: { limit: 100_000, windowMs: 60_000 } } },
        { platform: 'woocommerce', name: 'x', skus: [{ sku: 'F-1', quantity: 5 }], options: { consumerKey: 'k', consumerSecret: 's' } },
      ],
    });
    try {
      const wh = await fetch(`${fast.url}/warehouse/x/2026-01/inventory-level`, { headers: { authorization: 'Bearer t' } });
      expect(wh.status).toBe(429);
      expect(wh.headers.get('retry-after')).toBe('0.417');
      expect(((await wh.json()) as { message: string }).message).toBe('Rate limit is exceeded. Try again in 0.417 seconds.');
      const woo = await fetch(`${fast.url}/woocommerce/x/wp-json/wc/v3/products`, {
        headers: { authorization: `Basic ${Buffer.from('k:s').toString('base64')}` },
      });
      expect(woo.status).toBe(429);
      expect(woo.headers.get('retry-after')).toBe('0.017');
    } finally {
      await fast.close();
    }
  });
});
