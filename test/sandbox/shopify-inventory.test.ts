import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adjustWithKey, LEVELS, quantitiesOf, SET, startShop } from './shopify-helpers.js';

const skus = Array.from({ length: 260 }, (_, i) => ({ sku: `S-${i}`, quantity: 10 }));

describe('Shopify inventory mutations', () => {
  let shop: Awaited<ReturnType<typeof startShop>>;
  let items: string[];
  let location: string;
  let otherLocation: string;

  beforeAll(async () => {
    shop = await startShop({ skus, options: { plan: 'enterprise', locations: ['Main', 'Overflow'] } });
    const t = await shop.truth();
    items = t.items.map((i: { inventoryItemId: string }) => i.inventoryItemId);
    location = t.locations[0].id;
    otherLocation = t.locations[1].id;
  });
  afterAll(() => shop.close());

  const available = async (sku: string) => (await shop.call('GET', `/stock/${sku}`)).json.quantity as number;
  const line = (i: number, quantity: number, changeFromQuantity: number | null) => ({
    inventoryItemId: items[i],
    locationId: location,
    quantity,
    changeFromQuantity,
  });

  it('sets with compare-and-set and reports available and on_hand changes', async () => {
    const r = await shop.gql(SET, { input: { name: 'available', reason: 'correction', quantities: [line(0, 7, 10)] } });
    expect(r.status).toBe(200);
    const payload = r.json.data.inventorySetQuantities;
    expect(payload.userErrors).toEqual([]);
    expect(payload.inventoryAdjustmentGroup.changes).toEqual([
      { name: 'available', delta: -3, quantityAfterChange: 7 },
      { name: 'on_hand', delta: -3, quantityAfterChange: 7 },
    ]);
    expect(await available('S-0')).toBe(7);
  });

  it('a stale changeFromQuantity fails the whole call and changes nothing', async () => {
    const before = [await available('S-1'), await available('S-2')];
    const r = await shop.gql(SET, {
      input: { name: 'available', reason: 'correction', quantities: [line(1, 50, 10), line(2, 60, 9)] },
    });
    const payload = r.json.data.inventorySetQuantities;
    expect(payload.inventoryAdjustmentGroup).toBeNull();
    expect(payload.userErrors).toEqual([
      { code: 'CHANGE_FROM_QUANTITY_STALE', field: ['input', 'quantities', '1', 'changeFromQuantity'], message: expect.any(String) },
    ]);
    expect([await available('S-1'), await available('S-2')]).toEqual(before);
  });

  it('null changeFromQuantity skips the check; omitting it is refused', async () => {
    const ok = await shop.gql(SET, { input: { name: 'available', reason: 'correction', quantities: [line(3, 4, null)] } });
    expect(ok.json.data.inventorySetQuantities.userErrors).toEqual([]);
    expect(await available('S-3')).toBe(4);
    const { changeFromQuantity: _omit, ...withoutCompare } = line(3, 5, null);
    const refused = await shop.gql(SET, { input: { name: 'available', reason: 'correction', quantities: [withoutCompare] } });
    expect(refused.json.data.inventorySetQuantities.userErrors[0].code).toBe('CHANGE_FROM_QUANTITY_REQUIRED');
    expect(await available('S-3')).toBe(4);
  });

  it('accepts 250 quantities and refuses the 251st with a top-level error', async () => {
    const all = Array.from({ length: 250 }, (_, i) => line(i + 5, 3, null));
    const ok = await shop.gql(SET, { input: { name: 'available', reason: 'correction', quantities: all } });
    expect(ok.json.data.inventorySetQuantities.userErrors).toEqual([]);
    expect(ok.json.data.inventorySetQuantities.inventoryAdjustmentGroup.changes.length).toBe(500);

    const tooMany = [...Array.from({ length: 250 }, (_, i) => line(i + 5, 8, null)), line(4, 8, null)];
    const r = await shop.gql(SET, { input: { name: 'available', reason: 'correction', quantities: tooMany } });
    expect(r.status).toBe(200);
    expect(r.json.data).toBeUndefined();
    expect(r.json.errors[0].extensions.code).toBe('MAX_INPUT_SIZE_EXCEEDED');
    expect(r.json.errors[0].message).toContain('251');
    expect(r.json.extensions.cost).toBeDefined();
    expect(await available('S-4')).toBe(10);
    expect(await available('S-5')).toBe(3);
  });

  it('reports unknown items and locations, unstocked levels, negative and too-high quantities', async () => {
    const r = await shop.gql(SET, {
      input: {
        name: 'available',
        reason: 'correction',
        quantities: [
          { inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: location, quantity: 1, changeFromQuantity: null },
          { inventoryItemId: items[0], locationId: 'gid://shopify/Location/999', quantity: 1, changeFromQuantity: null },
          { inventoryItemId: items[1], locationId: otherLocation, quantity: 1, changeFromQuantity: null },
          line(2, -1, null),
          line(3, 1_000_000_001, null),
        ],
      },
    });
    const codes = r.json.data.inventorySetQuantities.userErrors.map((e: { code: string }) => e.code);
    expect(codes).toEqual([
      'INVALID_INVENTORY_ITEM',
      'INVALID_LOCATION',
      'ITEM_NOT_STOCKED_AT_LOCATION',
      'INVALID_QUANTITY_NEGATIVE',
      'INVALID_QUANTITY_TOO_HIGH',
    ]);
    expect(await available('S-2')).toBe(10);
  });

  it('an idempotency key replays the first result and refuses other parameters', async () => {
    const input = { name: 'available', reason: 'correction', changes: [{ delta: -2, inventoryItemId: items[258], locationId: location }] };
    const first = await shop.gql(adjustWithKey('key-1'), { input });
    const second = await shop.gql(adjustWithKey('key-1'), { input });
    expect(first.json.data.inventoryAdjustQuantities.userErrors).toEqual([]);
    expect(second.json.data).toEqual(first.json.data);
    expect(await available('S-258')).toBe(8); // applied once

    const other = { ...input, changes: [{ ...input.changes[0], delta: -3 }] };
    const mismatch = await shop.gql(adjustWithKey('key-1'), { input: other });
    expect(mismatch.json.data.inventoryAdjustQuantities.userErrors[0].code).toBe('IDEMPOTENCY_KEY_PARAMETER_MISMATCH');
    expect(mismatch.json.data.inventoryAdjustQuantities.inventoryAdjustmentGroup).toBeNull();
    expect(await available('S-258')).toBe(8);
  });

  it('inventoryAdjustQuantities requires @idempotent on 2026-04', async () => {
    const q = `mutation($input: InventoryAdjustQuantitiesInput!) { inventoryAdjustQuantities(input: $input) { userErrors { code } } }`;
    const r = await shop.gql(q, {
      input: { name: 'available', reason: 'correction', changes: [{ delta: 1, inventoryItemId: items[259], locationId: location }] },
    });
    expect(r.json.errors[0].extensions.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    expect(await available('S-259')).toBe(10);
  });

  it('adjust checks changeFromQuantity against the named state', async () => {
    const stale = await shop.gql(adjustWithKey('key-2'), {
      input: { name: 'available', reason: 'correction', changes: [{ delta: 1, inventoryItemId: items[257], locationId: location, changeFromQuantity: 9 }] },
    });
    expect(stale.json.data.inventoryAdjustQuantities.userErrors[0].code).toBe('CHANGE_FROM_QUANTITY_STALE');
    const fresh = await shop.gql(adjustWithKey('key-3'), {
      input: { name: 'available', reason: 'correction', changes: [{ delta: 1, inventoryItemId: items[257], locationId: location, changeFromQuantity: 10 }] },
    });
    expect(fresh.json.data.inventoryAdjustQuantities.userErrors).toEqual([]);
    expect(await available('S-257')).toBe(11);
  });

  it('a shopper order moves available to committed at once and is refused at zero', async () => {
    const order = await shop.call('POST', '/orders', { lines: [{ sku: 'S-256', quantity: 10 }] });
    expect(order.status).toBe(201);
    expect(await available('S-256')).toBe(0);
    const r = await shop.gql(LEVELS, { first: 1, query: 'sku:S-256' });
    expect(quantitiesOf(r.json.data.inventoryItems.edges[0].node)).toEqual({ available: 0, on_hand: 10, committed: 10 });
    const refused = await shop.call('POST', '/orders', { lines: [{ sku: 'S-256', quantity: 1 }] });
    expect(refused.status).toBe(409);
    expect(refused.json.ok).toBe(false);
    expect(await shop.call('POST', `/orders/${order.json.orderId}/cancel`)).toMatchObject({ status: 200 });
    expect(await available('S-256')).toBe(10);
  });
});

describe('Shopify request errors', () => {
  it('bad variables are reported by graphql-js without data', async () => {
    const shop = await startShop();
    try {
      const r = await shop.gql(SET, {
        input: {
          name: 'available',
          reason: 'correction',
          quantities: [{ inventoryItemId: 'x', locationId: 'y', quantity: 'three', changeFromQuantity: null }],
        },
      });
      expect(r.status).toBe(200);
      expect(r.json).not.toHaveProperty('data');
      expect(r.json.errors[0].message).toMatch(/Variable "\$input" got invalid value "three"/);
      expect(r.json.extensions.cost.requestedQueryCost).toBe(10);
      const syntax = await shop.gql('{ shop { name }');
      expect(syntax.json.errors[0].message).toMatch(/Syntax Error/);
    } finally {
      await shop.close();
    }
  });
});
