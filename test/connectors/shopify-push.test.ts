import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import { userErrorCode } from '../../src/connectors/shopify/push.js';
import type { PushItem } from '../../src/connectors/types.js';
import { shopWithConnector, skus } from './shopify-helpers.js';

let env: Awaited<ReturnType<typeof shopWithConnector>> | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

describe('shopify push', () => {
  it('applies a batch with compare-and-set in one call, at the primary location', async () => {
    env = await shopWithConnector({ skus: skus(5) });
    // inventory item ids only: the location is the shop's primary one
    const items: PushItem[] = [1, 2, 3, 4, 5].map((n) => ({
      listing: { listingId: n, sku: `SKU-000${n}`, platformIds: { inventoryItemId: env!.itemId(`SKU-000${n}`) } },
      quantity: n,
      expected: 10,
    }));
    env.shop.resetStats();
    const out = await env.connector.push(items);
    expect(out).toEqual(items.map((i) => ({ status: 'applied', listingId: i.listing.listingId, quantity: i.quantity })));
    for (const n of [1, 2, 3, 4, 5]) expect(env.available(`SKU-000${n}`)).toBe(n);
    // one mutation (the primary location is asked once, before)
    expect(env.shop.stats().calls['mutation inventorySetQuantities']).toBe(1);
    expect(env.shop.stats().calls['query location']).toBe(1);
    expect(await env.connector.readQuantities(items.map((i) => i.listing))).toEqual(new Map(items.map((i) => [i.listing.listingId, i.quantity])));
  });

  it('a shopper sale between read and push: that item is stale with the actual count, the others are applied', async () => {
    env = await shopWithConnector({ skus: skus(3) });
    const items: PushItem[] = [1, 2, 3].map((n) => ({ listing: env!.listing(n, `SKU-000${n}`), quantity: 7, expected: 10 }));
    expect(env.shop.control.shopperOrder([{ sku: 'SKU-0002', quantity: 2 }]).ok).toBe(true);
    const out = await env.connector.push(items);
    expect(out).toEqual([
      { status: 'applied', listingId: 1, quantity: 7 },
      { status: 'stale', listingId: 2, actual: 8 },
      { status: 'applied', listingId: 3, quantity: 7 },
    ]);
    expect(env.available('SKU-0001')).toBe(7);
    expect(env.available('SKU-0002')).toBe(8); // the sale is not overwritten
    expect(env.available('SKU-0003')).toBe(7);
  });

  it('expected null skips the compare; a count already at the target after a stale is applied', async () => {
    env = await shopWithConnector({ skus: skus(3) });
    env.shop.control.shopperOrder([{ sku: 'SKU-0002', quantity: 3 }]); // now 7, the target
    env.shop.control.shopperOrder([{ sku: 'SKU-0003', quantity: 1 }]); // now 9
    const out = await env.connector.push([
      { listing: env.listing(1, 'SKU-0001'), quantity: 4, expected: null },
      { listing: env.listing(2, 'SKU-0002'), quantity: 7, expected: 10 },
      { listing: env.listing(3, 'SKU-0003'), quantity: 7, expected: 10 },
    ]);
    expect(out.map((o) => o.status)).toEqual(['applied', 'applied', 'stale']);
    expect([env.available('SKU-0001'), env.available('SKU-0002'), env.available('SKU-0003')]).toEqual([4, 7, 9]);
  });

  it('refuses more than 250 items before sending anything', async () => {
    env = await shopWithConnector({ skus: skus(3) });
    const l = env.listing(1, 'SKU-0001');
    const items = Array.from({ length: 251 }, (_, i) => ({ listing: { ...l, listingId: i }, quantity: 1, expected: null }));
    env.shop.resetStats();
    const err = await env.connector.push(items).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ connectorCode: 'REJECTED', retryable: false });
    expect(env.shop.stats().calls).toEqual({});
  });

  it('250 items go in one call', async () => {
    env = await shopWithConnector({ skus: skus(250) });
    const t = env.truth();
    const loc = t.locations[0]!.id;
    const items = t.items.map((it, i) => ({
      listing: { listingId: i, sku: it.sku, platformIds: { inventoryItemId: it.inventoryItemId, locationId: loc } },
      quantity: i % 13,
      expected: 10,
    }));
    env.shop.resetStats();
    const out = await env.connector.push(items);
    expect(out.every((o) => o.status === 'applied')).toBe(true);
    expect(env.shop.stats().calls).toEqual({ 'mutation inventorySetQuantities': 1 });
    expect(env.available('SKU-0250')).toBe(249 % 13);
  });

  it('maps bad lines per item and still applies the others', async () => {
    env = await shopWithConnector({ skus: skus(3), shopOptions: { locations: ['Main', 'Annex'] } });
    const annex = env.truth().locations[1]!.id;
    const out = await env.connector.push([
      { listing: env.listing(1, 'SKU-0001'), quantity: 5, expected: 10 },
      {
        listing: { listingId: 2, sku: 'GONE', platformIds: { inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: annex } },
        quantity: 5,
        expected: 10,
      },
      { listing: { ...env.listing(3, 'SKU-0002'), platformIds: { inventoryItemId: env.itemId('SKU-0002'), locationId: annex } }, quantity: 5, expected: 0 },
      { listing: env.listing(4, 'SKU-0003'), quantity: -1, expected: 10 },
      { listing: { listingId: 5, sku: 'NO-SUCH-SKU', platformIds: {} }, quantity: 5, expected: null },
    ]);
    expect(out[0]).toEqual({ status: 'applied', listingId: 1, quantity: 5 });
    const codes = out.slice(1).map((o) => (o.status === 'failed' ? [o.error.connectorCode, o.error.retryable] : o.status));
    expect(codes).toEqual([
      ['NOT_FOUND', false],
      ['NOT_FOUND', false],
      ['REJECTED', false],
      ['NOT_FOUND', false],
    ]);
    expect(out[1]).toMatchObject({ error: { info: { platformCode: 'INVALID_INVENTORY_ITEM' } } });
    expect(out[2]).toMatchObject({ error: { info: { platformCode: 'ITEM_NOT_STOCKED_AT_LOCATION' } } });
    expect(env.available('SKU-0001')).toBe(5);
    expect(env.available('SKU-0003')).toBe(10);
  });

  it('resolves listings without ids by SKU first, once', async () => {
    env = await shopWithConnector({ skus: skus(3) });
    const items = [1, 2, 3].map((n) => ({ listing: { listingId: n, sku: `SKU-000${n}`, platformIds: {} }, quantity: 2, expected: 10 }));
    expect((await env.connector.push(items)).map((o) => o.status)).toEqual(['applied', 'applied', 'applied']);
    env.shop.resetStats();
    const again = items.map((i) => ({ ...i, quantity: 1, expected: 2 }));
    expect((await env.connector.push(again)).map((o) => o.status)).toEqual(['applied', 'applied', 'applied']);
    expect(env.shop.stats().calls).toEqual({ 'mutation inventorySetQuantities': 1 });
  });

  it('uses options.locationId instead of asking for the primary location', async () => {
    env = await shopWithConnector({ skus: skus(1), shopOptions: { locations: ['Main', 'Annex'], stockAtAllLocations: true } });
    const annex = env.truth().locations[1]!.id;
    const { create } = await import('../../src/connectors/shopify/index.js');
    const c = create({ connectionId: 'x', baseUrl: `${env.sandbox.url}/shopify/shop`, credentials: { accessToken: 't' }, options: { locationId: annex } });
    const out = await c.push([{ listing: { listingId: 1, sku: 'SKU-0001', platformIds: {} }, quantity: 3, expected: 0 }]);
    expect(out[0]!.status).toBe('applied');
    const levels = env.truth().items[0]!.levels;
    expect(levels.map((l) => l.quantities['available'])).toEqual([10, 3]);
    expect(env.shop.stats().calls['query location']).toBeUndefined();
  });

  it('adjust (extension): relative change, replay of the same key applies once, a sale in between is kept', async () => {
    env = await shopWithConnector({ skus: skus(2) });
    const items = [
      { listing: env.listing(1, 'SKU-0001'), delta: -3 },
      { listing: { listingId: 2, sku: 'SKU-0002', platformIds: {} }, delta: 5 },
    ];
    expect(await env.connector.adjust(items, 'ledger-42')).toEqual([
      { status: 'applied', listingId: 1, quantity: 7 },
      { status: 'applied', listingId: 2, quantity: 15 },
    ]);
    env.shop.control.shopperOrder([{ sku: 'SKU-0001', quantity: 1 }]);
    const replay = await env.connector.adjust(items, 'ledger-42');
    expect(replay.map((o) => o.status)).toEqual(['applied', 'applied']);
    expect([env.available('SKU-0001'), env.available('SKU-0002')]).toEqual([6, 15]);
    const bad = await env.connector.adjust(
      [
        {
          listing: {
            ...env.listing(1, 'SKU-0001'),
            platformIds: { inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: env.truth().locations[0]!.id },
          },
          delta: 1,
        },
      ],
      'ledger-43',
    );
    expect(bad[0]).toMatchObject({ status: 'failed', error: { connectorCode: 'NOT_FOUND', info: { platformCode: 'INVALID_INVENTORY_ITEM' } } });
  });

  it('classifies user error codes by whether a retry can help', () => {
    expect(userErrorCode('INVALID_LOCATION')).toBe('NOT_FOUND');
    expect(userErrorCode('INVALID_QUANTITY_TOO_HIGH')).toBe('REJECTED');
    expect(userErrorCode('IDEMPOTENCY_CONCURRENT_REQUEST')).toBe('SERVER');
    expect(userErrorCode('SOMETHING_NEW')).toBe('REJECTED');
  });
});
