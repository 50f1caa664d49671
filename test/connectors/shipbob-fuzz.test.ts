// Bad input never crashes the ShipBob parsers: for any body and topic, parseWebhook either
// returns a well-formed result or throws ConnectorError('PARSE'); the inventory level
// parsers too.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import type { InboundEvent, ParsedWebhook, WarehouseConnector, WarehouseLevel } from '../../src/connectors/types.js';
import { centerLevels, totalsOf } from '../../src/connectors/shipbob/levels.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { WarehouseInstance } from '../../sandbox/warehouse/index.js';
import { connector, SECRET, startReceiver, TOKEN } from './shipbob-helpers.js';

let c: WarehouseConnector;
/** Real deliveries as [topic, body], and real inventory rows (per center, totals). */
const real: [string, string][] = [];
let centerRow: Record<string, unknown>;
let totalsRow: Record<string, unknown>;
const TOPICS = ['order.shipped', 'order.shipment.exception', 'order.shipment.cancelled', 'return.completed'];

beforeAll(async () => {
  // real payloads, as the simulator sends them
  const receiver = await startReceiver();
  const sb: RunningSandbox = await startSandbox({
    seed: 9,
    timeScale: 0.01,
    instances: [{ platform: 'warehouse', name: 'fz', skus: [{ sku: 'Z-1', quantity: 5 }], options: { token: TOKEN, webhookSecret: SECRET } }],
  });
  try {
    const wh = sb.instances.get('warehouse/fz') as WarehouseInstance;
    for (const topic of TOPICS) wh.control.subscribe(topic, receiver.url);
    c = connector(sb, 'fz');
    const pushed = await c.pushOrder({ referenceId: 'FZ-1', lines: [{ sku: 'Z-1', quantity: 1 }] });
    if (pushed.status === 'accepted') wh.control.ship(pushed.warehouseOrderId);
    await c.pushOrder({ referenceId: 'FZ-2', lines: [{ sku: 'Z-1', quantity: 1 }] });
    await c.pushOrder({ referenceId: 'FZ-3', lines: [{ sku: 'Z-1', quantity: 99 }] }); // exception
    wh.control.cancelOrder?.('500002');
    await sb.flushWebhooks();
    for (const d of receiver.received) real.push([String(d.headers['x-webhook-topic']), d.rawBody.toString('utf8')]);
    const get = async (path: string) =>
      (
        (await (await fetch(`${sb.url}/warehouse/fz/2026-01${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as {
          items: Record<string, unknown>[];
        }
      ).items[0]!;
    centerRow = await get('/inventory-level/locations');
    totalsRow = await get('/inventory-level');
  } finally {
    await sb.close();
    await receiver.close();
  }
  expect(new Set(real.map(([t]) => t)).size).toBe(3); // shipped, exception, cancelled
});

const input = (rawBody: Buffer, topic = 'order.shipped') => ({ headers: { 'webhook-id': 'msg_fuzz', 'x-webhook-topic': topic }, query: {}, rawBody });
const isCount = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isTime = (d: unknown) => d instanceof Date && !Number.isNaN(d.getTime());

function wellFormedLevel(l: WarehouseLevel): boolean {
  return (
    typeof l.sku === 'string' &&
    l.sku.length > 0 &&
    typeof l.location === 'string' &&
    l.location.length > 0 &&
    isCount(l.available) &&
    (l.onHand === undefined || isCount(l.onHand)) &&
    (l.allocated === undefined || isCount(l.allocated)) &&
    isTime(l.observedAt)
  );
}

function wellFormedEvent(e: InboundEvent): boolean {
  switch (e.kind) {
    case 'warehouse_level':
      return wellFormedLevel(e.level);
    case 'warehouse_order_status':
      return (
        typeof e.referenceId === 'string' &&
        e.referenceId.length > 0 &&
        ['processing', 'exception', 'on_hold', 'shipped', 'partially_shipped', 'delivered', 'cancelled'].includes(e.status) &&
        isTime(e.at)
      );
    case 'ignored':
      return typeof e.reason === 'string';
    default:
      return false;
  }
}

/** The property: a well-formed result, or ConnectorError('PARSE'); nothing else. */
function check(raw: Buffer, topic?: string): void {
  let parsed: ParsedWebhook;
  try {
    parsed = c.parseWebhook(input(raw, topic));
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorError);
    expect((e as ConnectorError).connectorCode).toBe('PARSE');
    return;
  }
  expect(parsed.eventId).toBe('msg_fuzz');
  expect(typeof parsed.topic).toBe('string');
  expect(Array.isArray(parsed.events)).toBe(true);
  for (const e of parsed.events) expect(wellFormedEvent(e), JSON.stringify(e)).toBe(true);
}

describe('shipbob parseWebhook fuzz', () => {
  it('the real payloads parse', () => {
    for (const [topic, body] of real) expect(() => c.parseWebhook(input(Buffer.from(body), topic))).not.toThrow();
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => check(Buffer.from(bytes))),
      { numRuns: 500 },
    );
  });

  it('random JSON under any topic', () => {
    const topic = fc.oneof(fc.constantFrom(...TOPICS, 'order.delivered', 'order.shipment.on_hold', 'x'), fc.string());
    fc.assert(
      fc.property(topic, fc.jsonValue(), (t, v) => check(Buffer.from(JSON.stringify(v)), t)),
      { numRuns: 500 },
    );
  });

  it('truncated real payloads', () => {
    fc.assert(
      fc.property(fc.nat(real.length - 1), fc.double({ min: 0, max: 1, noNaN: true }), (i, at) => {
        const [topic, body] = real[i]!;
        check(Buffer.from(body.slice(0, Math.floor(body.length * at))), topic);
      }),
      { numRuns: 500 },
    );
  });

  it('real payloads with one field replaced by any JSON value', () => {
    fc.assert(
      fc.property(fc.nat(real.length - 1), fc.nat(), fc.jsonValue(), (i, k, value) => {
        const [topic, raw] = real[i]!;
        const body = JSON.parse(raw) as Record<string, unknown>;
        // reach into the first shipment too, where an order's times live
        const target = Array.isArray(body.shipments) && k % 2 === 0 ? (body.shipments[0] as Record<string, unknown>) : body;
        const keys = Object.keys(target);
        target[keys[k % keys.length]!] = value;
        check(Buffer.from(JSON.stringify(body)), topic);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('shipbob inventory level parsers fuzz', () => {
  const mutate = (row: Record<string, unknown>) =>
    fc.tuple(fc.nat(), fc.jsonValue(), fc.boolean()).map(([k, v, deep]) => {
      const copy = structuredClone(row);
      const nested = Array.isArray(copy.locations) && deep ? (copy.locations[0] as Record<string, unknown>) : copy;
      const keys = Object.keys(nested);
      nested[keys[k % keys.length]!] = v;
      return copy;
    });
  const observedAt = new Date('2026-01-01T00:00:00Z');

  it('any row: levels that are well formed and never more than the sellable total, or PARSE', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutate(centerRow)), fc.oneof(fc.jsonValue(), mutate(totalsRow)), (row, totals) => {
        try {
          const t = totalsOf(totals);
          const levels = centerLevels(row, t, { observedAt });
          for (const l of levels) expect(wellFormedLevel(l)).toBe(true);
          expect(levels.reduce((n, l) => n + l.available, 0)).toBeLessThanOrEqual(t.sellable);
        } catch (e) {
          expect((e as ConnectorError).connectorCode).toBe('PARSE');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
