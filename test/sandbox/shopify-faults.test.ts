import { describe, expect, it } from 'vitest';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { SET, startShop } from './shopify-helpers.js';

const always = (p: Partial<typeof FAULT_PROFILES.none>) => ({ ...FAULT_PROFILES.none, ...p });

describe('Shopify under injected faults', () => {
  it('answers 429 with Retry-After when the profile says so', async () => {
    const shop = await startShop({ faults: always({ rate429: 1 }) });
    try {
      const r = await shop.gql('{ shop { name } }');
      expect(r.status).toBe(429);
      expect(r.json.errors).toMatch(/Exceeded/);
      expect((await shop.call('GET', '/stats')).json.throttled).toBe(1);
    } finally {
      await shop.close();
    }
  });

  it('answers 5xx, sometimes as an HTML page', async () => {
    const shop = await startShop({ faults: always({ rate5xx: 1 }) });
    try {
      const statuses = new Set<number>();
      const html = [];
      for (let i = 0; i < 12; i++) {
        const r = await shop.gql('{ shop { name } }');
        statuses.add(r.status);
        if (r.json === undefined) html.push(r.text);
      }
      expect([...statuses].every((s) => s >= 500)).toBe(true);
      expect(html.length).toBeGreaterThan(0);
      expect((await shop.call('GET', '/stats')).json.errors).toBe(12);
    } finally {
      await shop.close();
    }
  });

  it('a timeout executes the mutation but never answers', async () => {
    const shop = await startShop({ faults: always({ rateTimeout: 1, timeoutMs: 30 }) });
    try {
      const { item, location } = await shop.ids('A');
      const input = {
        name: 'available',
        reason: 'correction',
        quantities: [{ inventoryItemId: item, locationId: location, quantity: 4, changeFromQuantity: 10 }],
      };
      await expect(shop.gql(SET, { input })).rejects.toThrow();
      expect((await shop.call('GET', '/stock/A')).json.quantity).toBe(4);
    } finally {
      await shop.close();
    }
  });

  it('the same seed gives the same outcomes request by request', async () => {
    const run = async () => {
      const shop = await startShop({ seed: 3, faults: always({ rate429: 0.3, rate5xx: 0.2 }) });
      try {
        const out: number[] = [];
        for (let i = 0; i < 30; i++) out.push((await shop.gql('{ shop { name } }')).status);
        return out;
      } finally {
        await shop.close();
      }
    };
    const first = await run();
    expect(new Set(first).size).toBeGreaterThan(1);
    expect(await run()).toEqual(first);
  });
});
