// Real deliveries from the sandbox's ShipBob: subscribed through the connector's webhook
// registration (ShipBob's subscription API), triggered through the control API, verified
// and parsed by the connector. ShipBob has no inventory topic: only order, shipment and
// return events arrive.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import type { ShipBobConnector } from '../../src/connectors/shipbob/index.js';
import { standardSignature } from '../../src/connectors/shipbob/signing.js';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { WarehouseInstance } from '../../sandbox/warehouse/index.js';
import { asInput, connector, control, SECRET, startReceiver, TOKEN, type Delivery } from './shipbob-helpers.js';

let sb: RunningSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let c: ShipBobConnector;

async function deliveries(topic: string): Promise<Delivery[]> {
  await sb.flushWebhooks();
  return receiver.received.filter((d) => d.headers['x-webhook-topic'] === topic);
}

const instance = () => sb.instances.get('warehouse/fc') as WarehouseInstance;

/** Pushes an order for one W-1, ships it, and returns its order.shipped delivery. */
async function shippedDelivery(referenceId: string): Promise<Delivery> {
  const pushed = await c.pushOrder({ referenceId, lines: [{ sku: 'W-1', quantity: 1 }] });
  if (pushed.status !== 'accepted') throw new Error(`not accepted: ${pushed.status}`);
  instance().control.ship(pushed.warehouseOrderId);
  const [d] = await deliveries('order.shipped');
  return d!;
}

beforeAll(async () => {
  receiver = await startReceiver();
  sb = await startSandbox({
    seed: 3,
    timeScale: 0.01,
    faults: { default: 'none', 'warehouse/dup': { ...FAULT_PROFILES.none, webhookDuplicate: 1 } },
    instances: [
      { platform: 'warehouse', name: 'dup', skus: [{ sku: 'D-1', quantity: 5 }], options: { token: TOKEN, webhookSecret: SECRET } },
      {
        platform: 'warehouse',
        name: 'fc',
        skus: [
          { sku: 'W-1', quantity: 10 },
          { sku: 'W-2', quantity: 4 },
        ],
        options: { token: TOKEN, webhookSecret: SECRET },
      },
    ],
  });
  c = connector(sb, 'fc');
  for (const topic of c.topics) await c.create(topic, `${receiver.url}/hook`);
  await c.create('return.completed', `${receiver.url}/hook`);
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.received.length = 0;
});

describe('shipbob connector: webhooks from the sandbox', () => {
  it('a stock adjustment fires nothing: ShipBob has no inventory topic', async () => {
    await control(sb, 'fc', '/adjust', { sku: 'W-1', delta: -3, reason: 'damaged' });
    await sb.flushWebhooks();
    expect(receiver.received).toEqual([]);
    await control(sb, 'fc', '/adjust', { sku: 'W-1', delta: 3, reason: 'found' });
  });

  it('an order allocated then shipped: order.shipped arrives signed and parses to warehouse_order_status', async () => {
    const pushed = await c.pushOrder({ referenceId: 'WH-ORDER-1', lines: [{ sku: 'W-1', quantity: 2 }] });
    if (pushed.status !== 'accepted') throw new Error(`not accepted: ${pushed.status}`);
    expect((await c.listLevels(null)).items.find((l) => l.sku === 'W-1')).toMatchObject({ available: 8, allocated: 2, onHand: 10 });
    instance().control.ship(pushed.warehouseOrderId);
    const [shipped] = await deliveries('order.shipped');
    expect(shipped).toBeDefined();
    const input = asInput(shipped!);
    expect(c.verifyWebhook(input)).toBe(true);
    const parsed = c.parseWebhook(input);
    expect(parsed.eventId).toBe(shipped!.headers['webhook-id']);
    expect(parsed.topic).toBe('order.shipped');
    expect(parsed.events).toEqual([{ kind: 'warehouse_order_status', referenceId: 'WH-ORDER-1', status: 'shipped', at: expect.any(Date) }]);
  });

  it('an order short of stock: order.shipment.exception; cancelled: order.shipment.cancelled', async () => {
    const pushed = await c.pushOrder({ referenceId: 'WH-SHORT-1', lines: [{ sku: 'W-2', quantity: 50 }] });
    expect(pushed.status).toBe('accepted');
    const [exception] = await deliveries('order.shipment.exception');
    expect(c.verifyWebhook(asInput(exception!))).toBe(true);
    expect(c.parseWebhook(asInput(exception!)).events).toEqual([
      { kind: 'warehouse_order_status', referenceId: 'WH-SHORT-1', status: 'exception', at: expect.any(Date) },
    ]);
    expect(await c.cancelOrder({ referenceId: 'WH-SHORT-1', warehouseOrderId: null })).toEqual({ status: 'cancelled' });
    const [cancelled] = await deliveries('order.shipment.cancelled');
    expect(c.parseWebhook(asInput(cancelled!)).events).toEqual([
      { kind: 'warehouse_order_status', referenceId: 'WH-SHORT-1', status: 'cancelled', at: expect.any(Date) },
    ]);
  });

  it('a completed return is ignored: its restocked units arrive through polling', async () => {
    const announced = await fetch(`${sb.url}/warehouse/fc/2026-01/return`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', shipbob_channel_id: '100001' },
      body: JSON.stringify({ reference_id: 'RMA-1', inventory: [{ sku: 'W-2', quantity: 1, requested_action: 'Restock' }] }),
    });
    expect(announced.status).toBe(201);
    await control(sb, 'fc', '/return', { sku: 'W-2', quantity: 1, orderRef: 'RMA-1' });
    const [ret] = await deliveries('return.completed');
    expect(c.verifyWebhook(asInput(ret!))).toBe(true);
    expect(c.parseWebhook(asInput(ret!)).events).toEqual([{ kind: 'ignored', reason: expect.any(String) }]);
  });

  it('the status comes from the signed body: a relabelled delivery says the same; the webhook-id is signed', async () => {
    const input = asInput(await shippedDelivery('WH-RELABEL'));
    const relabelled = { ...input, headers: { ...input.headers, 'x-webhook-topic': 'order.shipment.cancelled' } };
    expect(c.verifyWebhook(relabelled)).toBe(true); // ShipBob does not sign the topic header
    expect(c.parseWebhook(relabelled).events).toEqual([expect.objectContaining({ referenceId: 'WH-RELABEL', status: 'shipped' })]);
    expect(c.verifyWebhook({ ...input, headers: { ...input.headers, 'webhook-id': 'another-id' } })).toBe(false);
  });

  it('refuses a tampered body, a wrong secret, a missing signature and a stale timestamp', async () => {
    const d = await shippedDelivery('WH-TAMPER');
    const input = asInput(d);
    expect(c.verifyWebhook(input)).toBe(true);
    const tampered = Buffer.from(d.rawBody.toString('utf8').replace('"WH-TAMPER"', '"WH-TAMPEX"'));
    expect(tampered.equals(d.rawBody)).toBe(false);
    expect(c.verifyWebhook({ ...input, rawBody: tampered })).toBe(false);
    expect(connector(sb, 'fc', {}, { webhookSecret: `whsec_${Buffer.from('another key of 24 bytes.').toString('base64')}` }).verifyWebhook(input)).toBe(false);
    expect(connector(sb, 'fc', {}, { webhookSecret: '' }).verifyWebhook(input)).toBe(false);
    expect(c.verifyWebhook({ ...input, headers: { ...input.headers, 'webhook-signature': undefined } })).toBe(false);
    // correctly signed, but an hour old: a replay
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    const replay = {
      ...input,
      headers: {
        ...input.headers,
        'webhook-timestamp': old,
        'webhook-signature': `v1,${standardSignature(SECRET, input.headers['webhook-id']!, old, input.rawBody)}`,
      },
    };
    expect(c.verifyWebhook(replay)).toBe(false);
    expect(connector(sb, 'fc', { webhookToleranceSeconds: 0 }).verifyWebhook(replay)).toBe(true);
    // a rotation header with several signatures passes when one matches
    const rotated = { ...input, headers: { ...input.headers, 'webhook-signature': `v1,AAAA ${input.headers['webhook-signature']}` } };
    expect(c.verifyWebhook(rotated)).toBe(true);
  });
});

describe('shipbob connector: duplicated deliveries', () => {
  it('a duplicate carries the same webhook-id (the engine’s dedupe key) and verifies like the first', async () => {
    const dup = connector(sb, 'dup');
    await dup.create('order.shipped', `${receiver.url}/dup`);
    const pushed = await dup.pushOrder({ referenceId: 'DUP-1', lines: [{ sku: 'D-1', quantity: 1 }] });
    if (pushed.status !== 'accepted') throw new Error('not accepted');
    (sb.instances.get('warehouse/dup') as WarehouseInstance).control.ship(pushed.warehouseOrderId);
    const copies = await deliveries('order.shipped');
    expect(copies.length).toBeGreaterThanOrEqual(2);
    const parsed = copies.map((d) => (dup.verifyWebhook(asInput(d)) ? dup.parseWebhook(asInput(d)) : undefined));
    expect(new Set(parsed.map((p) => p?.eventId)).size).toBe(1);
    expect(parsed.every((p) => p?.events[0]?.kind === 'warehouse_order_status')).toBe(true);
  });
});

describe('shipbob connector: webhook registration', () => {
  it('lists, creates and removes subscriptions through ShipBob’s subscription API, one topic each, signed with our secret', async () => {
    const listed = await c.list();
    expect(listed.map((w) => w.topic).sort()).toEqual([...c.topics, 'return.completed'].sort());
    expect(listed.every((w) => w.address === `${receiver.url}/hook` && !w.id.includes('#'))).toBe(true);
    const extra = await c.create('order.shipment.on_hold', `${receiver.url}/other`);
    expect(extra).toEqual({ id: expect.any(String), topic: 'order.shipment.on_hold', address: `${receiver.url}/other` });
    expect(await c.list()).toContainEqual(extra);
    await c.remove(extra.id);
    expect((await c.list()).map((w) => w.id)).not.toContain(extra.id);
    await c.remove(extra.id); // already gone: fine
    expect(c.webhookRegistration.topics).toBe(c.topics);
  });

  it('removing one topic of a subscription with several keeps the others', async () => {
    const res = await fetch(`${sb.url}/warehouse/fc/2026-01/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topics: ['order.delivered', 'return.created'], url: `${receiver.url}/multi`, secret: SECRET }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: expect.any(String), secret: SECRET, topics: ['order.delivered', 'return.created'] });
    const rows = (await c.list()).filter((w) => w.address === `${receiver.url}/multi`);
    expect(rows.map((w) => w.topic).sort()).toEqual(['order.delivered', 'return.created']);
    await c.remove(rows.find((w) => w.topic === 'order.delivered')!.id);
    expect((await c.list()).filter((w) => w.address === `${receiver.url}/multi`).map((w) => w.topic)).toEqual(['return.created']);
  });

  it('refuses to register without a webhook secret to verify the deliveries with', async () => {
    await expect(connector(sb, 'fc', {}, { webhookSecret: '' }).create('order.shipped', `${receiver.url}/x`)).rejects.toMatchObject({ connectorCode: 'AUTH' });
  });
});

describe('shipbob connector: parseWebhook shapes', () => {
  const input = (topic: string | undefined, body: unknown, id = 'msg_1') => ({
    headers: { 'webhook-id': id, ...(topic !== undefined && { 'x-webhook-topic': topic }) },
    query: {},
    rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const parseCode = (topic: string | undefined, body: unknown, id?: string) => {
    try {
      c.parseWebhook(input(topic, body, id));
      return 'ok';
    } catch (e) {
      return e instanceof ConnectorError ? e.connectorCode : 'other';
    }
  };
  const shipment = { id: 1, order_id: 2, reference_id: 'R', status: 'OnHold', last_update_at: '2026-01-01T00:00:00Z' };

  it('maps shipment statuses, delivered included', () => {
    expect(c.parseWebhook(input('order.shipment.on_hold', shipment)).events).toEqual([
      { kind: 'warehouse_order_status', referenceId: 'R', status: 'on_hold', at: new Date('2026-01-01T00:00:00Z') },
    ]);
    expect(c.parseWebhook(input('order.shipment.delivered', { ...shipment, status: 'Completed' })).events[0]).toMatchObject({ status: 'delivered' });
  });

  it('ignores topics it does not use; refuses what it cannot read', () => {
    expect(c.parseWebhook(input('billing.charge.created', { id: 1 })).events).toEqual([{ kind: 'ignored', reason: expect.any(String) }]);
    expect(parseCode('order.shipment.exception', { ...shipment, status: 'Teleported' })).toBe('PARSE');
    expect(parseCode('order.shipment.exception', { ...shipment, status: '__proto__' })).toBe('PARSE');
    expect(parseCode('order.shipment.exception', { ...shipment, last_update_at: 'yesterday' })).toBe('PARSE');
    expect(parseCode('order.shipped', { reference_id: 'R', status: 'Fulfilled', shipments: [] })).toBe('PARSE'); // no time at all
    expect(parseCode('order.shipped', 'not json')).toBe('PARSE');
    expect(parseCode('order.shipped', [1, 2])).toBe('PARSE');
    expect(parseCode(undefined, shipment)).toBe('PARSE'); // no topic header
    expect(parseCode('order.shipped', shipment, '')).toBe('PARSE'); // no event id
  });
});
