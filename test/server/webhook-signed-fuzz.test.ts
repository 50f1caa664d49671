// Issue 14, part 4: the webhook entry point fuzzed per platform with SIGNED bodies (a
// valid signature over mutated JSON: wrong types, huge numbers, missing fields, long
// strings, NUL), through the real engine (sandbox + engine on PostgreSQL). At the door:
// never a 5xx; either stored for processing or refused with a reason, counted, and kept
// within the sample's bounds. Then the engine's inbox processor drains everything: each
// event processed or quarantined with a reason, none left pending, and the ledger still
// sums to the stock totals (nothing half-applied).
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardSignature } from '../../src/connectors/shipbob/signing.js';
import { INSTANCE_NAMES } from '../../src/harness/names.js';
import { eventually } from '../e2e/helpers.js';
import { startStack, type Stack } from '../e2e/stack.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 200);
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    channels: ['shopify', 'woocommerce', 'amazon'],
    skus: [{ sku: 'MUG', quantity: 50 }],
    webhooks: false,
    layers: { polling: false, reconcile: false },
  });
});
afterAll(async () => stack?.close());

type Json = Record<string, unknown>;
interface Platform {
  connection: string;
  query?: string;
  bases: { topic: string; body: Json }[];
  topics: string[];
  headers(topic: string, eventId: string, body: Buffer): Record<string, string>;
}

const at = '2026-12-04T10:00:00Z';
const hmac = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('base64');
const whSecret = `whsec_${createHash('sha256').update(INSTANCE_NAMES.warehouse).digest('base64')}`;
const shopOrder: Json = {
  id: 820982911946154500,
  created_at: at,
  updated_at: at,
  cancelled_at: null,
  line_items: [
    { sku: 'MUG', quantity: 1 },
    { sku: null, quantity: 2 },
  ],
};
const wooOrder: Json = {
  id: 77,
  status: 'processing',
  date_created_gmt: '2026-12-04T10:00:00',
  date_modified_gmt: '2026-12-04T10:00:00',
  line_items: [{ id: 1, sku: 'MUG', quantity: 1 }],
};
const amazonEnvelope = (type: string, payload: Json): Json => ({
  NotificationVersion: '1.0',
  NotificationType: type,
  PayloadVersion: '1.0',
  EventTime: at,
  Payload: payload,
  NotificationMetadata: { ApplicationId: 'app', SubscriptionId: 'sub', PublishTime: at, NotificationId: 'n-1' },
});

const PLATFORMS: Record<string, Platform> = {
  shopify: {
    connection: 'shop',
    bases: [
      { topic: 'orders/create', body: shopOrder },
      { topic: 'orders/cancelled', body: { ...shopOrder, cancelled_at: at } },
      { topic: 'inventory_levels/update', body: { inventory_item_id: 271878346596884, location_id: 24826418, available: 10, updated_at: at } },
    ],
    topics: ['orders/create', 'orders/cancelled', 'inventory_levels/update', 'products/update'],
    headers: (topic, eventId, body) => ({ 'x-shopify-topic': topic, 'x-shopify-event-id': eventId, 'x-shopify-hmac-sha256': hmac('sandbox-app-secret', body) }),
  },
  woocommerce: {
    connection: 'woo',
    bases: [
      { topic: 'order.created', body: wooOrder },
      { topic: 'order.updated', body: { ...wooOrder, status: 'cancelled' } },
      {
        topic: 'product.updated',
        body: { id: 12, type: 'simple', sku: 'MUG', manage_stock: true, stock_quantity: 5, date_modified_gmt: '2026-12-04T10:00:00', parent_id: 0 },
      },
    ],
    topics: ['order.created', 'order.updated', 'product.updated', 'product.deleted', 'action.x'],
    headers: (topic, eventId, body) => ({
      'x-wc-webhook-topic': topic,
      'x-wc-webhook-delivery-id': eventId,
      'x-wc-webhook-signature': hmac('whsec_store', body),
    }),
  },
  amazon: {
    connection: 'amazon',
    query: '?token=e2e-notification-token',
    bases: [
      { topic: '', body: amazonEnvelope('LISTINGS_ITEM_MFN_QUANTITY_CHANGE', { FulfillmentChannelCode: 'DEFAULT', Sku: 'MUG', Quantity: 4 }) },
      {
        topic: '',
        body: amazonEnvelope('ORDER_CHANGE', {
          OrderChangeNotification: {
            AmazonOrderId: '902-3159896-1390916',
            OrderChangeTrigger: { TimeOfOrderChange: at },
            Summary: { OrderStatus: 'Unshipped', PurchaseDate: at, OrderItems: [{ SellerSKU: 'MUG', Quantity: 1 }] },
          },
        }),
      },
    ],
    topics: [''],
    headers: () => ({}),
  },
  warehouse: {
    connection: 'wh',
    bases: [
      {
        topic: 'order.shipment.exception',
        body: { id: 9, order_id: 8, reference_id: 'ref-1', status: 'Exception', last_update_at: at, status_details: [{ id: 1, name: 'OutOfStock' }] },
      },
      {
        topic: 'order.shipped',
        body: { id: 8, reference_id: 'ref-1', status: 'Fulfilled', created_date: at, shipments: [{ id: 9, status: 'Completed', last_update_at: at }] },
      },
      { topic: 'return.completed', body: { id: 3, reference_id: 'rma-1', status: 'Completed', inventory: [{ id: 1, quantity: 1 }] } },
    ],
    topics: ['order.shipped', 'order.shipment.exception', 'order.shipment.cancelled', 'return.completed'],
    headers: (topic, eventId, body) => {
      const ts = String(Math.floor(Date.now() / 1000));
      return {
        'webhook-id': eventId,
        'webhook-timestamp': ts,
        'webhook-signature': `v1,${standardSignature(whSecret, eventId, ts, body)}`,
        'x-webhook-topic': topic,
      };
    },
  },
};

// Values a platform should never send; RAW(...) stands for number text JSON.stringify cannot write.
const RAW = (text: string) => `__RAW__${text}__`;
const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(
    3e9,
    -1,
    1.5,
    2 ** 53,
    -(2 ** 31),
    0,
    null,
    '',
    '\u0000',
    'MUG\u0000',
    '\u0007x',
    [],
    {},
    true,
    '2099-13-45T99:99:99Z',
    '-271821-04-20T00:00:00Z',
  ),
  fc.constantFrom(RAW('1e400'), RAW('3e9'), RAW('-0'), RAW(`1${'0'.repeat(30)}`), RAW('271878346596884015')),
  fc.integer({ min: 300, max: 20_000 }).map((n) => 'x'.repeat(n)),
);

function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return [];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return keys.flatMap((k) => [[...prefix, k], ...paths((v as Record<string | number, unknown>)[k], [...prefix, k])]);
}

/** Sets (or, with `remove`, deletes) the value at one of the body's paths. */
function mutate(body: Json, pick: number, value: unknown, remove: boolean): Json {
  const copy = structuredClone(body);
  const all = paths(copy);
  const path = all[pick % all.length]!;
  let parent = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
  return copy;
}

async function tally() {
  const { rows } = await stack.db.query(`SELECT (SELECT count(*) FROM inbox)::int AS inbox, (SELECT count(*) FROM quarantine)::int AS quarantine,
            (SELECT coalesce(sum(requests), 0) FROM webhook_counts)::int AS refused,
            (SELECT coalesce(max(octet_length(body)), 0) FROM quarantine)::int AS "largestSample"`);
  return rows[0] as { inbox: number; quarantine: number; refused: number; largestSample: number };
}

let caseNo = 0;
const outcomes: Record<string, Record<string, number>> = {};

describe.each(Object.keys(PLATFORMS))('signed webhook bodies, mutated: %s', (name) => {
  const p = PLATFORMS[name]!;
  it(`never a 5xx; stored, or refused with a reason and a bounded record (${RUNS} runs)`, async () => {
    const seen = (outcomes[name] = {} as Record<string, number>);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(p.bases.length - 1),
        fc.array(fc.tuple(fc.nat(), nasty, fc.boolean()), { minLength: 0, maxLength: 3 }),
        fc.constantFrom(...p.topics),
        fc.boolean(),
        fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 201, max: 2000 }) }),
        async (baseNo, mutations, otherTopic, useOtherTopic, longId) => {
          const base = p.bases[baseNo]!;
          let body = base.body;
          for (const [pick, value, remove] of mutations) body = mutate(body, pick, value, remove);
          const text = JSON.stringify(body).replace(/"__RAW__(.*?)__"/g, '$1');
          const raw = Buffer.from(text);
          caseNo++;
          const eventId = longId > 0 ? 'e'.repeat(longId) : `fz-${name}-${caseNo}`;
          // Amazon's id is in the body: make it unique there, so a case is not a duplicate of another.
          const sent = name === 'amazon' ? Buffer.from(text.replace('"n-1"', `"n-${caseNo}"`)) : raw;
          const topic = useOtherTopic ? otherTopic : base.topic;
          const before = await tally();
          const res = await stack.engine.server.inject({
            method: 'POST',
            url: `/webhooks/${p.connection}${p.query ?? ''}`,
            remoteAddress: `10.7.${caseNo >> 8}.${caseNo & 255}`,
            headers: { 'content-type': 'application/json', ...p.headers(topic, eventId, sent) },
            payload: sent,
          });
          const after = await tally();
          seen[res.statusCode] = (seen[res.statusCode] ?? 0) + 1;
          expect(res.statusCode, res.body).toBeLessThan(500);
          if (res.statusCode === 200) {
            // Stored, or the same event again (WooCommerce's id is the delivery id cut to 64 characters and the body's digest).
            const answer = res.json() as { duplicate: boolean; conflict?: boolean };
            expect(after.inbox).toBe(before.inbox + (answer.duplicate ? 0 : 1));
            expect(after.quarantine - before.quarantine).toBeLessThanOrEqual(answer.conflict ? 1 : 0);
          } else {
            expect(res.statusCode).toBe(400);
            const reason = (res.json() as { error: string }).error;
            expect(reason.length).toBeGreaterThan(10);
            expect(after.inbox).toBe(before.inbox);
            expect(after.refused).toBe(before.refused + 1);
            expect(after.quarantine - before.quarantine).toBeLessThanOrEqual(1);
            expect(after.largestSample).toBeLessThanOrEqual(64 * 1024);
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe('after the fuzz', () => {
  it('the inbox processor drained every event: processed or quarantined with a reason; the ledger sums to the stock totals', async () => {
    await eventually(
      'inbox drained',
      async () => {
        const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM inbox WHERE status = 'pending'`);
        return rows[0].n === 0;
      },
      60_000,
    );
    const { rows: statuses } = await stack.db.query(
      `SELECT status, count(*)::int AS n, bool_and(status <> 'quarantined' OR length(reason) > 5) AS reasons FROM inbox GROUP BY 1`,
    );
    for (const s of statuses) expect(s.reasons, s.status).toBe(true);
    const { rows: drift } = await stack.db.query(`
      SELECT s.sku, s.available, s.claimed, coalesce(sum(l.available_delta), 0)::int AS ledger_available, coalesce(sum(l.claimed_delta), 0)::int AS ledger_claimed
        FROM sku_stock s LEFT JOIN ledger l ON l.sku = s.sku GROUP BY 1, 2, 3
      HAVING s.available <> coalesce(sum(l.available_delta), 0) OR s.claimed <> coalesce(sum(l.claimed_delta), 0)`);
    expect(drift).toEqual([]);
    const { rows: orphans } = await stack.db.query(
      `SELECT count(*)::int AS n FROM claims c WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.idempotency_key = 'claim:' || c.id)`,
    );
    expect(orphans[0].n).toBe(0);
    expect((await stack.engine.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const { rows: why } = await stack.db.query(`SELECT left(reason, 160) AS reason, attempts FROM inbox WHERE status = 'quarantined'`);
    console.log(
      `signed webhook fuzz: ${RUNS} cases per platform; answers ${JSON.stringify(outcomes)}; inbox ${JSON.stringify(statuses.map((s) => [s.status, s.n]))}; quarantined by the processor: ${JSON.stringify(why)}`,
    );
  }, 90_000);
});
