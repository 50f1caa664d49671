import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelOrder, ChannelQuantity, ListingRef } from '../../src/connectors/types.js';
import { shopWithConnector, skus } from './shopify-helpers.js';

const nextSecond = async () => {
  const ms = 1000 - (Date.now() % 1000);
  await new Promise((r) => setTimeout(r, ms + 5));
  return new Date();
};

describe('shopify pollOrders', () => {
  let env: Awaited<ReturnType<typeof shopWithConnector>>;
  let boundary: Date;
  let cancelledId: string;
  beforeAll(async () => {
    env = await shopWithConnector({ skus: skus(20, 1000), connectorOptions: { pageSize: 50 } });
    for (let i = 0; i < 120; i++)
      expect(env.shop.control.shopperOrder([{ sku: `SKU-${String((i % 20) + 1).padStart(4, '0')}`, quantity: 1 + (i % 3) }]).ok).toBe(true);
    boundary = await nextSecond();
    // after the boundary: one order of 20 lines (more than one page query fetches) and a cancellation
    expect(env.shop.control.shopperOrder(skus(20).map((s) => ({ sku: s.sku, quantity: 2 }))).ok).toBe(true);
    cancelledId = env.truth().orders[3]!.id;
    expect(env.shop.control.cancelOrder!(cancelledId)).toBe(true);
  });
  afterAll(() => env.close());

  async function pollAll(since: Date) {
    const pages: ChannelOrder[][] = [];
    let cursor: string | null = null;
    do {
      const page = await env.connector.pollOrders(since, cursor);
      pages.push(page.items);
      cursor = page.next;
    } while (cursor !== null && pages.length < 10);
    return pages;
  }

  it('pages through every order, oldest change first', async () => {
    const pages = await pollAll(new Date('2020-01-01T00:00:00Z'));
    expect(pages.map((p) => p.length)).toEqual([50, 50, 21]);
    const all = pages.flat();
    expect(new Set(all.map((o) => o.externalId)).size).toBe(121);
    for (let i = 1; i < all.length; i++) expect(all[i]!.updatedAt.getTime()).toBeGreaterThanOrEqual(all[i - 1]!.updatedAt.getTime());
    expect(all[0]!.externalId).toMatch(/^gid:\/\/shopify\/Order\/\d{16,}$/);
    expect(all[0]!.lines).toEqual([{ sku: 'SKU-0001', quantity: 1 }]);
    expect(all[0]!.cancelled).toBe(false);
  });

  it('respects since: only orders changed at or after it, long orders complete, cancellations included', async () => {
    const [page, ...rest] = await pollAll(boundary);
    expect(rest).toEqual([]);
    expect(page!.map((o) => o.externalId).sort()).toEqual([cancelledId, env.truth().orders[120]!.id].sort());
    const big = page!.find((o) => o.externalId !== cancelledId)!;
    expect(big.lines).toHaveLength(20);
    expect(big.lines.every((l) => l.quantity === 2)).toBe(true);
    const cancelled = page!.find((o) => o.externalId === cancelledId)!;
    expect(cancelled.cancelled).toBe(true);
    expect(cancelled.placedAt.getTime()).toBeLessThan(boundary.getTime());
  });

  it('an empty window is one empty page', async () => {
    expect(await env.connector.pollOrders(new Date(Date.now() + 3_600_000), null)).toEqual({ items: [], next: null });
  });
});

describe('shopify listQuantities and resolveListings', () => {
  let env: Awaited<ReturnType<typeof shopWithConnector>>;
  beforeAll(async () => {
    env = await shopWithConnector({
      skus: [...skus(120, 7), { sku: 'A-1', quantity: 1 }, { sku: 'A-1-RED', quantity: 2 }, { sku: 'SAY "HI"', quantity: 3 }, { sku: "IT'S", quantity: 4 }],
      connectorOptions: { pageSize: 50 },
    });
  });
  afterAll(() => env.close());

  it('pages every item stocked at the location with its available count and ids', async () => {
    const pages: ChannelQuantity[][] = [];
    let cursor: string | null = null;
    do {
      const page = await env.connector.listQuantities(cursor, []);
      pages.push(page.items);
      cursor = page.next;
    } while (cursor !== null && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 24]);
    const all = pages.flat();
    const loc = env.truth().locations[0]!.id;
    expect(all[0]).toMatchObject({ sku: 'SKU-0001', quantity: 7, platformIds: { inventoryItemId: env.itemId('SKU-0001'), locationId: loc } });
    expect(all.find((q) => q.sku === 'SAY "HI"')?.quantity).toBe(3);
    expect(all.every((q) => q.updatedAt instanceof Date)).toBe(true);
  });

  it('resolves many SKUs per query, exactly, and leaves unknown ones out', async () => {
    const wanted = [...skus(60).map((s) => s.sku), 'A-1', 'SAY "HI"', "IT'S", 'NOPE', ''];
    const listings: ListingRef[] = wanted.map((sku, i) => ({ listingId: i + 1, sku, platformIds: {} }));
    env.shop.resetStats();
    const found = await env.connector.resolveListings(listings);
    const loc = env.truth().locations[0]!.id;
    expect(found.size).toBe(63);
    expect(found.get(61)).toEqual({ inventoryItemId: env.itemId('A-1'), locationId: loc });
    expect(found.get(62)).toEqual({ inventoryItemId: env.itemId('SAY "HI"'), locationId: loc });
    expect(found.get(63)).toEqual({ inventoryItemId: env.itemId("IT'S"), locationId: loc });
    expect(found.has(64)).toBe(false);
    expect(found.has(65)).toBe(false);
    const searches = Object.entries(env.shop.stats().calls).filter(([k]) => k.startsWith('query inventoryItems'));
    expect(searches.reduce((n, [, c]) => n + c, 0)).toBe(2); // 63 searchable SKUs, 50 per query
    // readQuantities by SKU alone uses the cache: no more searches
    env.shop.resetStats();
    const counts = await env.connector.readQuantities(listings);
    expect(counts.get(1)).toBe(7);
    expect(counts.get(62)).toBe(3);
    expect(counts.has(64)).toBe(false);
    // misses are not cached (the merchant may create the SKU later): NOPE is searched again
    const calls = Object.entries(env.shop.stats().calls);
    expect(calls.filter(([k]) => k.startsWith('query inventoryItems')).map(([, n]) => n)).toEqual([1]);
    expect(calls.filter(([k]) => k.startsWith('query inventoryItem,')).map(([, n]) => n)).toEqual([1]);
  });
});
