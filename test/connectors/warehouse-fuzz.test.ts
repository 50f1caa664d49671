// Bad input never crashes the warehouse parsers: for any body, parseWebhook either returns
// a well-formed result or throws ConnectorError('PARSE'); the inventory response parser too.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import type { InboundEvent, ParsedWebhook, WarehouseConnector, WarehouseLevel } from '../../src/connectors/types.js';
import { levelsOfPage } from '../../src/connectors/warehouse/levels.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { WarehouseInstance } from '../../sandbox/warehouse/index.js';
import { connector, SECRET, startReceiver, TOKEN } from './warehouse-helpers.js';

let c: WarehouseConnector;
const real: string[] = [];

const SHIPHERO = JSON.stringify({
  account_id: 'QWNjb3VudDox',
  webhook_type: 'Inventory Update',
  updated_at: '2026-03-04T05:06:07Z',
  inventory: [{ sku: 'A-1', inventory: '113', on_hand: '148', reserve: '0', non_sellable: '0', warehouse_id: 12 }],
});

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
    for (const topic of ['inventory.updated', 'order.shipped', 'order.shipment.cancelled', 'return.completed']) wh.control.subscribe(topic, receiver.url);
    c = connector(sb, 'fz');
    const pushed = await c.pushOrder({ referenceId: 'FZ-1', lines: [{ sku: 'Z-1', quantity: 1 }] });
    if (pushed.status === 'accepted') wh.control.ship(pushed.warehouseOrderId);
    await c.pushOrder({ referenceId: 'FZ-2', lines: [{ sku: 'Z-1', quantity: 1 }] });
    wh.control.cancelOrder?.('500002');
    await sb.flushWebhooks();
    real.push(...new Set(receiver.received.map((d) => d.rawBody.toString('utf8'))), SHIPHERO);
  } finally {
    await sb.close();
    await receiver.close();
  }
  expect(real.length).toBeGreaterThanOrEqual(4);
});

const input = (rawBody: Buffer) => ({ headers: { 'webhook-id': 'msg_fuzz' }, query: {}, rawBody });
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
        typeof e.referenceId === 'string' && e.referenceId.length > 0 && ['allocated', 'exception', 'shipped', 'cancelled'].includes(e.status) && isTime(e.at)
      );
    case 'ignored':
      return typeof e.reason === 'string';
    default:
      return false;
  }
}

/** The property: a well-formed result, or ConnectorError('PARSE'); nothing else. */
function check(raw: Buffer): void {
  let parsed: ParsedWebhook;
  try {
    parsed = c.parseWebhook(input(raw));
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

describe('warehouse parseWebhook fuzz', () => {
  it('the real payloads parse', () => {
    for (const body of real) expect(() => c.parseWebhook(input(Buffer.from(body)))).not.toThrow();
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => check(Buffer.from(bytes))),
      { numRuns: 500 },
    );
  });

  it('random JSON, with and without a known topic', () => {
    const topic = fc.constantFrom('inventory.updated', 'Inventory Update', 'order.shipped', 'order.shipment.exception', 'return.completed', 'x');
    const withTopic = fc.tuple(topic, fc.dictionary(fc.string(), fc.jsonValue())).map(([t, rest]) => ({ ...rest, topic: t }));
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), withTopic), (v) => check(Buffer.from(JSON.stringify(v)))),
      { numRuns: 500 },
    );
  });

  it('truncated real payloads', () => {
    fc.assert(
      fc.property(fc.nat(real.length - 1), fc.double({ min: 0, max: 1, noNaN: true }), (i, at) => {
        const body = real[i]!;
        check(Buffer.from(body.slice(0, Math.floor(body.length * at))));
      }),
      { numRuns: 500 },
    );
  });

  it('real payloads with one field replaced by any JSON value', () => {
    fc.assert(
      fc.property(fc.nat(real.length - 1), fc.nat(), fc.jsonValue(), (i, k, value) => {
        const body = JSON.parse(real[i]!) as Record<string, unknown>;
        // reach into the first nested item too, where the quantities of ShipHero payloads live
        const target = Array.isArray(body.inventory) && k % 2 === 0 ? (body.inventory[0] as Record<string, unknown>) : body;
        const keys = Object.keys(target);
        target[keys[k % keys.length]!] = value;
        check(Buffer.from(JSON.stringify(body)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('warehouse inventory response parser fuzz', () => {
  it('any JSON: levels that are well formed, or PARSE', () => {
    const item = JSON.parse(real.find((b) => b.includes('"inventory.updated"'))!) as Record<string, unknown>;
    const mutated = fc.tuple(fc.nat(), fc.jsonValue()).map(([k, v]) => {
      const copy = { ...item };
      const keys = Object.keys(copy);
      copy[keys[k % keys.length]!] = v;
      return [copy];
    });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated), (body) => {
        try {
          for (const l of levelsOfPage(body, { fallbackLocation: 'main' })) expect(wellFormedLevel(l)).toBe(true);
        } catch (e) {
          expect((e as ConnectorError).connectorCode).toBe('PARSE');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
