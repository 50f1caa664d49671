import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import '../../sandbox/warehouse/index.js';
import type { WarehouseInstance } from '../../sandbox/warehouse/index.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { LedgerEntry } from '../../sandbox/warehouse/store.js';
import { startReceiver, type Receiver } from './woocommerce-helpers.js';

const SECRET = `whsec_${Buffer.from('a 32 byte signing key for tests!').toString('base64')}`;
let sb: RunningSandbox;
let receiver: Receiver;
let wh: WarehouseInstance;

async function call(method: string, path: string, body?: unknown, name = 'fc', token = 'tok') {
  const res = await fetch(`${sb.url}/warehouse/${name}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, shipbob_channel_id: '100001', ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}
const truthOf = (sku: string) => (wh.control.truth() as any).inventory.find((i: any) => i.sku === sku);
const RECIPIENT = { name: 'Ada', address: { address1: '1 Main St', city: 'Chicago', country: 'US' } };
const order = (ref: string, sku: string, quantity: number) =>
  call('POST', '/2026-01/order', {
    reference_id: ref,
    type: 'DTC',
    shipping_method: 'Standard',
    recipient: RECIPIENT,
    products: [{ reference_id: sku, name: sku, quantity }],
  });

beforeAll(async () => {
  receiver = await startReceiver();
  sb = await startSandbox({
    seed: 5,
    timeScale: 0.01,
    instances: [
      {
        platform: 'warehouse',
        name: 'fc',
        skus: Array.from({ length: 7 }, (_, i) => ({ sku: `S-${i + 1}`, quantity: 10 })),
        options: {
          token: 'tok',
          webhookSecret: SECRET,
          fulfillmentCenters: [
            { id: 1, name: 'Cicero (IL)' },
            { id: 2, name: 'Moreno Valley (CA)' },
          ],
          bundles: [{ sku: 'KIT', components: [{ sku: 'S-6', quantity: 2 }] }],
        },
      },
      { platform: 'warehouse', name: 'tight', skus: [{ sku: 'T-1', quantity: 1 }], options: { token: 'tok', rateLimit: { limit: 5, windowMs: 1_000 } } },
    ],
  });
  wh = sb.instances.get('warehouse/fc') as WarehouseInstance;
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});
afterEach(() => {
  receiver.received.length = 0;
});

describe('warehouse (ShipBob 2026-01)', () => {
  it('requires a bearer token', async () => {
    expect((await call('GET', '/2026-01/inventory-level', undefined, 'fc', 'nope')).status).toBe(401);
  });

  it('pages inventory levels by next links, network-wide and per fulfillment center', async () => {
    const p1 = await call('GET', '/2026-01/inventory-level?PageSize=3');
    expect(p1.json.items).toHaveLength(3);
    expect(p1.json.items[0]).toMatchObject({ sku: 'S-1', total_on_hand_quantity: 10, total_committed_quantity: 0, total_fulfillable_quantity: 10 });
    expect(p1.json.prev).toBeNull();
    expect(p1.json.next).toMatch(/^\/2026-01\/inventory-level\?PageSize=3&Cursor=/);
    const p2 = await call('GET', p1.json.next);
    const p3 = await call('GET', p2.json.next);
    expect(p3.json.items.map((i: any) => i.sku)).toEqual(['S-7']);
    expect(p3.json.next).toBeNull();
    expect((await call('GET', '/2026-01/inventory-level?PageSize=251')).status).toBe(400);
    expect((await call('GET', '/2026-01/inventory-level?Cursor=bogus')).status).toBe(400);
    // items are spread over the two centers; each row names its center
    const byCenter = await call('GET', '/2026-01/inventory-level/locations?PageSize=250');
    expect(byCenter.json.items.map((i: any) => i.locations[0].location_id)).toEqual([1, 2, 1, 2, 1, 2, 1]);
    expect(byCenter.json.items[1].locations[0]).toMatchObject({ name: 'Moreno Valley (CA)', on_hand_quantity: 10, fulfillable_quantity: 10 });
    const inCenter2 = await call('GET', '/2026-01/inventory-level/locations?LocationId=2');
    expect(inCenter2.json.items.map((i: any) => i.sku)).toEqual(['S-2', 'S-4', 'S-6']);
  });

  it('lists products with their inventory ids and barcodes; a bundle as its components', async () => {
    const products = (await call('GET', '/2026-01/product?PageSize=250')).json.items;
    expect(products).toHaveLength(8);
    expect(products[0]).toMatchObject({
      type: 'Regular',
      variants: [{ sku: 'S-1', inventory: { inventory_id: truthOf('S-1').inventory_id }, barcodes: [{ value: expect.any(String) }], bundle_definition: [] }],
    });
    expect(products[7]).toMatchObject({ type: 'Bundle', variants: [{ sku: 'KIT', bundle_definition: [{ variant_sku: 'S-6', quantity: 2 }] }] });
    expect((await call('GET', '/2026-01/product?SKU=S-3')).json.items.map((p: any) => p.variants[0].sku)).toEqual(['S-3']);
  });

  it('allocates a pushed order and refuses a duplicate reference_id with 422', async () => {
    expect((await call('POST', '/2026-01/order', { reference_id: 'x', products: [] })).status).toBe(400);
    const noRecipient = await call('POST', '/2026-01/order', {
      reference_id: 'x',
      type: 'DTC',
      shipping_method: 'Standard',
      products: [{ reference_id: 'S-1', quantity: 1 }],
    });
    expect(noRecipient).toMatchObject({ status: 400, json: { 'recipient.name': [expect.any(String)] } });
    const res = await order('ORD-1', 'S-1', 3);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ reference_id: 'ORD-1', status: 'Processing', shipments: [{ status: 'Processing' }] });
    expect(truthOf('S-1')).toMatchObject({ on_hand: 10, committed: 3, fulfillable: 7 });
    const dup = await order('ORD-1', 'S-1', 1);
    expect(dup.status).toBe(422);
    expect(dup.json.reference_id[0]).toMatch(/already exists/);
    expect(truthOf('S-1')).toMatchObject({ on_hand: 10, committed: 3, fulfillable: 7 });
    expect((await order('ORD-X', 'NOPE', 1)).status).toBe(422);
  });

  it('ships an allocated order: on hand and committed both fall', async () => {
    const created = await order('ORD-2', 'S-2', 4);
    const shipped = await call('POST', '/2026-01/simulate/shipment', { shipment_id: created.json.shipments[0].id, simulation: { action: 'ShipOrder' } });
    expect(shipped.status).toBe(200);
    expect(shipped.json).toMatchObject({ status: 'Completed', reference_id: 'ORD-2' });
    expect(truthOf('S-2')).toMatchObject({ on_hand: 6, committed: 0, fulfillable: 6 });
    expect((await call('POST', '/2026-01/simulate/shipment', { shipment_id: created.json.shipments[0].id })).status).toBe(422);
    const listed = await call('GET', '/2026-01/order?ReferenceIds=ORD-2');
    expect(listed.json[0].status).toBe('Fulfilled');
    // a shipped order cannot be cancelled: 200 with status Failure
    const cancel = await call('POST', `/2026-01/order/${created.json.id}:cancel`);
    expect(cancel).toMatchObject({ status: 200, json: { status: 'Failure', canceled_shipment_results: [{ is_success: false }] } });
  });

  it('holds a short order in Exception and allocates it when a receipt arrives', async () => {
    const res = await order('ORD-3', 'S-3', 15);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ status: 'Exception', shipments: [{ status: 'Exception', status_details: [{ name: 'OutOfStock' }] }] });
    expect(truthOf('S-3')).toMatchObject({ on_hand: 10, committed: 0, backordered: 15 });
    const inv = (await call('GET', `/2026-01/inventory-level/${truthOf('S-3').inventory_id}`)).json;
    expect(inv).toMatchObject({ total_backordered_quantity: 15, total_sellable_quantity: 0, total_fulfillable_quantity: 10 });

    const wro = await call('POST', '/2026-01/receiving', {
      purchase_order_number: 'PO-9',
      boxes: [{ box_items: [{ inventory_id: truthOf('S-3').inventory_id, quantity: 5 }] }],
    });
    expect(wro.status).toBe(201);
    expect(truthOf('S-3').awaiting).toBe(5);
    wh.control.receive('S-3', 5, 'PO-9');
    expect(truthOf('S-3')).toMatchObject({ on_hand: 15, committed: 15, fulfillable: 0, awaiting: 0, backordered: 0 });
    expect((await call('GET', `/2026-01/receiving/${wro.json.id}`)).json.status).toBe('Completed');
    expect((await call('GET', `/2026-01/order/${res.json.id}`)).json.status).toBe('Processing');
  });

  it('manual shrinkage below committed sends the newest allocation back to Exception; cancel releases', async () => {
    await order('ORD-4', 'S-4', 6);
    const later = await order('ORD-5', 'S-4', 3);
    wh.control.adjust('S-4', -2, 'damaged');
    expect(truthOf('S-4')).toMatchObject({ on_hand: 8, committed: 6, backordered: 3 });
    expect((await call('GET', `/2026-01/order/${later.json.id}`)).json.status).toBe('Exception');
    expect(() => wh.control.adjust('S-4', -100)).toThrow();
    const ledger = (wh.control.truth() as any).ledger.filter((l: any) => l.sku === 'S-4');
    expect(ledger.map((l: any) => l.reason)).toEqual(['allocate', 'allocate', 'damaged', 'deallocate']);
    const first = (wh.control.truth() as any).orders.find((o: any) => o.reference_id === 'ORD-4');
    expect((await call('POST', `/2026-01/order/${first.id}:cancel`)).json.status).toBe('Success');
    expect(truthOf('S-4')).toMatchObject({ on_hand: 8, committed: 3, backordered: 0 }); // ORD-5 allocated now
  });

  it('processes returns: restock puts units back, dispose does not', async () => {
    const id = truthOf('S-5').inventory_id;
    const ret = await call('POST', '/2026-01/return', {
      reference_id: 'RMA-1',
      fulfillment_center: { id: 1 },
      inventory: [{ id, quantity: 2, requested_action: 'Restock' }],
    });
    expect(ret.status).toBe(201);
    expect(ret.json.status).toBe('Awaiting Arrival');
    expect((await call('POST', '/2026-01/return', { reference_id: 'RMA-1', inventory: [{ id, quantity: 1 }] })).status).toBe(422);
    wh.control.returnStock('S-5', 2, 'RMA-1');
    expect(truthOf('S-5').on_hand).toBe(12);
    expect((await call('GET', `/2026-01/return/${ret.json.id}`)).json.status).toBe('Completed');
    await call('POST', '/2026-01/return', { reference_id: 'RMA-2', inventory: [{ id, quantity: 1, requested_action: 'Dispose' }] });
    wh.control.returnStock('S-5', 1, 'RMA-2');
    expect(truthOf('S-5').on_hand).toBe(12);
  });

  it('signs webhooks the ShipBob (Standard Webhooks) way, with the subscription’s own secret; no inventory topic', async () => {
    expect((await call('POST', '/2026-01/webhook', { topics: ['inventory.updated'], url: receiver.url })).status).toBe(422);
    expect((await call('POST', '/2026-01/webhook', { topics: ['order.shipped'], url: receiver.url, secret: 'plain' })).status).toBe(422);
    const sub = await call('POST', '/2026-01/webhook', { topics: ['order.shipment.exception'], url: receiver.url });
    expect(sub.status).toBe(200);
    expect(sub.json.secret).toMatch(/^whsec_/); // generated: the caller gave none
    expect((await call('GET', '/2026-01/webhook')).json.items).toEqual([
      expect.objectContaining({ id: sub.json.id, enabled: true, topics: ['order.shipment.exception'] }),
    ]);
    expect((await call('GET', '/2026-01/webhook')).json.items[0].secret).toBeUndefined();
    wh.control.receive('S-7', 3); // a stock change: nothing is sent
    await order('ORD-SHORT', 'S-7', 99);
    await sb.flushWebhooks();
    await receiver.waitFor(1);
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    const { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': sig } = got.headers;
    const key = Buffer.from(sub.json.secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`${id}.${ts}.${got.body}`).digest('base64');
    expect(sig).toBe(`v1,${expected}`);
    expect(got.headers['x-webhook-topic']).toBe('order.shipment.exception');
    expect(JSON.parse(got.body)).toMatchObject({ reference_id: 'ORD-SHORT', status: 'Exception' });
    expect((await call('DELETE', `/2026-01/webhook/${sub.json.id}`)).status).toBe(204);
    expect((await call('POST', `/2026-01/order/${JSON.parse(got.body).order_id}:cancel`)).json.status).toBe('Success');
  });

  it('fulfils a bundle as its components', async () => {
    const res = await order('ORD-KIT', 'KIT', 2);
    expect(res.status).toBe(201);
    expect(res.json.products).toEqual([expect.objectContaining({ reference_id: 'S-6', quantity: 4 })]);
    expect(truthOf('S-6')).toMatchObject({ committed: 4 });
    expect((await call('POST', `/2026-01/order/${res.json.id}:cancel`)).json.status).toBe('Success');
  });

  it('its ledger explains every SKU: on hand, committed and backordered are the sums of its deltas', async () => {
    // What happened above (allocations, Exception, receipts, shrinkage, cancels, returns)
    // plus an Exception order cancelled while it waits.
    const short = await order('ORD-9', 'S-7', 50);
    expect((await call('POST', `/2026-01/order/${short.json.id}:cancel`)).status).toBe(200);
    const truth = wh.control.truth() as { inventory: { sku: string; on_hand: number; committed: number; backordered: number }[]; ledger: LedgerEntry[] };
    for (const item of truth.inventory) {
      const entries = truth.ledger.filter((e) => e.sku === item.sku);
      const sum = (f: (e: (typeof entries)[number]) => number) => entries.reduce((total, e) => total + f(e), 0);
      expect({
        sku: item.sku,
        onHand: 10 + sum((e) => e.onHandDelta),
        committed: sum((e) => e.committedDelta),
        backordered: sum((e) => e.backorderedDelta ?? 0),
      }).toEqual({ sku: item.sku, onHand: item.on_hand, committed: item.committed, backordered: item.backordered });
    }
    expect(truth.ledger.filter((e) => e.ref === 'ORD-9').map((e) => [e.reason, e.backorderedDelta])).toEqual([
      ['exception', 50],
      ['cancel', -50],
    ]);
  });

  it('rate-limits with a sliding window: 429, Retry-After and ShipBob body', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 6; i++) {
      last = await call('GET', '/2026-01/inventory-level', undefined, 'tight');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last!.headers.get('retry-after')).toBe('1');
    expect(last!.headers.get('x-retry-after')).toBe('1');
    expect(last!.headers.get('x-remaining-calls')).toBe('0');
    expect(last!.json).toEqual({ statusCode: 429, message: 'Rate limit is exceeded. Try again in 1 seconds.' });
    await new Promise((r) => setTimeout(r, 1_050));
    expect((await call('GET', '/2026-01/inventory-level', undefined, 'tight')).status).toBe(200);
    expect(sb.instances.get('warehouse/tight')!.stats().throttled).toBe(1);
  });
});
