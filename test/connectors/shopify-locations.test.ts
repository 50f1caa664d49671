// The Shopify connector with listings at several locations of one shop (a connection with
// `locations`, docs/locations-wiring.md): each listing is pushed, compare-and-set, at its own
// location; a full read reads every location the listings are at, page by page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelQuantity, ListingRef } from '../../src/connectors/types.js';
import { shopWithConnector, skus } from './shopify-helpers.js';

describe('shopify listings at several locations', () => {
  let env: Awaited<ReturnType<typeof shopWithConnector>>;
  let loc: [string, string, string];
  let refs: ListingRef[];
  beforeAll(async () => {
    env = await shopWithConnector({
      skus: skus(30, 5),
      shopOptions: { locations: ['East', 'West', 'Unmapped'], stockAtAllLocations: true },
      connectorOptions: { pageSize: 20 },
    });
    loc = env.truth().locations.map((l) => l.id) as [string, string, string];
    // SKU-0001 at East (listing 1) and at West (listing 2)
    refs = [
      { listingId: 1, sku: 'SKU-0001', platformIds: { inventoryItemId: env.itemId('SKU-0001'), locationId: loc[0] } },
      { listingId: 2, sku: 'SKU-0001', platformIds: { inventoryItemId: env.itemId('SKU-0001'), locationId: loc[1] } },
    ];
  });
  afterAll(() => env.close());

  const levels = (sku: string) =>
    Object.fromEntries(
      env
        .truth()
        .items.find((i) => i.sku === sku)!
        .levels.map((l) => [l.locationId, l.quantities['available']]),
    );

  it('pushes each listing at its own location, compare-and-set against its own count', async () => {
    const before = levels('SKU-0001');
    const out = await env.connector.push([
      { listing: refs[0]!, quantity: 4, expected: before[loc[0]]! },
      { listing: refs[1]!, quantity: 9, expected: before[loc[1]]! },
    ]);
    expect(out.map((o) => o.status)).toEqual(['applied', 'applied']);
    expect(levels('SKU-0001')).toEqual({ ...before, [loc[0]]: 4, [loc[1]]: 9 });
    // a stale compare at one location is told apart from the other
    const again = await env.connector.push([
      { listing: refs[0]!, quantity: 3, expected: 5 },
      { listing: refs[1]!, quantity: 8, expected: 9 },
    ]);
    expect(again).toEqual([
      { status: 'stale', listingId: 1, actual: 4 },
      { status: 'applied', listingId: 2, quantity: 8 },
    ]);
    expect(await env.connector.readQuantities(refs)).toEqual(
      new Map([
        [1, 4],
        [2, 8],
      ]),
    );
  });

  it("a full read pages through every listing's location, and only those", async () => {
    const all: ChannelQuantity[] = [];
    const cursors: (string | null)[] = [];
    let cursor: string | null = null;
    do {
      const page = await env.connector.listQuantities(cursor, refs);
      all.push(...page.items);
      cursor = page.next;
      cursors.push(cursor);
    } while (cursor !== null && cursors.length < 10);
    expect(cursors).toHaveLength(4); // 30 items at each of two locations, 20 a page
    expect(new Set(all.map((q) => q.platformIds['locationId']))).toEqual(new Set([loc[0], loc[1]]));
    expect(all.filter((q) => q.platformIds['locationId'] === loc[0])).toHaveLength(30);
    const at = (l: string) => all.find((q) => q.sku === 'SKU-0001' && q.platformIds['locationId'] === l)?.quantity;
    expect([at(loc[0]), at(loc[1])]).toEqual([4, 8]);
    await expect(env.connector.listQuantities('[7,null]', refs)).rejects.toMatchObject({ connectorCode: 'PARSE' });
  });

  it('listings at the connection location alone read as before', async () => {
    const page = await env.connector.listQuantities(null, [refs[0]!]);
    expect(page.items.every((q) => q.platformIds['locationId'] === loc[0])).toBe(true);
  });

  it('a point-of-sale order names its location, polled or by webhook; an online order names none', async () => {
    // SKU-0001 shows 4 at East and 8 at West (the tests above): the shop takes it at West
    const pos = env.shop.control.shopperOrder([{ sku: 'SKU-0001', quantity: 1 }], { location: loc[1] });
    const online = env.shop.control.shopperOrder([{ sku: 'SKU-0003', quantity: 1 }]);
    expect(pos.ok && online.ok).toBe(true);
    expect(env.shop.control.shopperOrder([{ sku: 'SKU-0002', quantity: 1 }], { location: 'gid://shopify/Location/1' })).toEqual({
      ok: false,
      reason: 'unknown location gid://shopify/Location/1',
    });
    const page = await env.connector.pollOrders(new Date('2020-01-01T00:00:00Z'), null);
    const byId = new Map(page.items.map((o) => [o.externalId, o]));
    expect(byId.get(`gid://shopify/Order/${pos.ok ? pos.orderId : ''}`)?.location).toBe(loc[1]);
    expect(byId.get(`gid://shopify/Order/${online.ok ? online.orderId : ''}`)).not.toHaveProperty('location');
    expect([levels('SKU-0001')[loc[0]], levels('SKU-0001')[loc[1]]]).toEqual([4, 7]); // off the point of sale's count
  });
});
