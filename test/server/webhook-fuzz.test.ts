// POST /webhooks/:connectionId under malformed input: never a crash or a 5xx, never a
// partial write; every refusal is quarantined with its reason (issue 4, Bad input).
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../e2e/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ channels: ['shopify', 'woocommerce', 'amazon'], skus: [{ sku: 'MUG', quantity: 5 }], webhooks: false });
});
afterAll(async () => stack?.close());

const SECRETS: Record<string, string> = { shop: 'sandbox-app-secret', woo: 'whsec_store' };

async function counts() {
  const { rows } = await stack.db.query(`SELECT (SELECT count(*) FROM quarantine)::int AS quarantine, (SELECT count(*) FROM inbox)::int AS inbox,
                                                (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM ledger)::int AS ledger,
                                                (SELECT coalesce(sum(requests), 0) FROM webhook_counts)::int AS refused`);
  return rows[0] as { quarantine: number; inbox: number; orders: number; ledger: number; refused: number };
}

/** Each case from its own address: the per-source limit (429) has tests of its own (webhook-bounds.test.ts). */
let nextAddress = 0;
function send(url: string, headers: Record<string, string>, body: Buffer | string) {
  nextAddress++;
  return stack.engine.server.inject({ method: 'POST', url, headers, payload: body, remoteAddress: `10.9.${nextAddress >> 8}.${nextAddress & 255}` });
}

function headersFor(connection: string, body: Buffer, signed: boolean, topic: string): Record<string, string> {
  const sig = (secret: string) => createHmac('sha256', secret).update(body).digest('base64');
  if (connection === 'shop') return { 'x-shopify-topic': topic, 'x-shopify-event-id': 'e1', ...(signed && { 'x-shopify-hmac-sha256': sig(SECRETS.shop!) }) };
  if (connection === 'woo')
    return { 'x-wc-webhook-topic': topic, 'x-wc-webhook-delivery-id': 'd1', ...(signed && { 'x-wc-webhook-signature': sig(SECRETS.woo!) }) };
  return {};
}

describe('webhook ingress fuzz', () => {
  it('refuses and quarantines malformed, unsigned and unknown input without writing anything else', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
      fc.json().map((j) => Buffer.from(j)),
      fc.constantFrom('{}', '[]', 'null', '{"id":1', '{"line_items":[{"sku":"MUG","quantity":-3}]}', '{"inventory_item_id":1e400}').map((t) => Buffer.from(t)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('shop', 'woo', 'amazon', 'wh', 'nope'),
        body,
        fc.boolean(),
        fc.constantFrom('orders/create', 'inventory_levels/update', 'order.created', 'product.updated', 'x'),
        async (connection, raw, signed, topic) => {
          const before = await counts();
          const query = connection === 'amazon' && signed ? '?token=e2e-notification-token' : '';
          const res = await send(`/webhooks/${connection}${query}`, { 'content-type': 'application/json', ...headersFor(connection, raw, signed, topic) }, raw);
          expect(res.statusCode).toBeLessThan(500);
          const after = await counts();
          if (res.statusCode === 200) {
            // Signed and readable: stored for processing, or a duplicate of a stored event
            // (every case here uses event id e1): other bytes under it are kept as a conflict.
            const conflict = (res.json() as { conflict?: boolean }).conflict === true;
            expect(after.refused).toBe(before.refused + (conflict ? 1 : 0));
            expect(after.quarantine - before.quarantine).toBeLessThanOrEqual(conflict ? 1 : 0);
          } else {
            expect([400, 401, 404]).toContain(res.statusCode);
            // Counted exactly; kept while its connection and reason are within the hour's sample.
            expect(after.refused).toBe(before.refused + 1);
            expect(after.quarantine - before.quarantine).toBeLessThanOrEqual(1);
            expect(after.inbox).toBe(before.inbox);
          }
          expect(after.orders).toBe(before.orders); // nothing valid enough to be an order was sent
        },
      ),
      { numRuns: 150 },
    );
    const { rows } = await stack.db.query(`SELECT DISTINCT reason FROM quarantine ORDER BY reason`);
    expect(rows.map((r) => r.reason)).toEqual(expect.arrayContaining(['signature missing or invalid', 'unknown connection nope']));
    // Every refusal says why.
    for (const r of rows) expect(r.reason.length).toBeGreaterThan(5);
  }, 120_000);

  it('quarantines a signed body the parser names a NUL byte in (PostgreSQL text refuses NUL)', async () => {
    const before = await counts();
    const raw = Buffer.from([0]);
    const res = await send('/webhooks/shop', { 'content-type': 'application/json', ...headersFor('shop', raw, true, 'orders/create') }, raw);
    expect(res.statusCode).toBe(400);
    expect((await counts()).quarantine).toBe(before.quarantine + 1);
    const { rows } = await stack.db.query(`SELECT reason, body FROM quarantine ORDER BY id DESC LIMIT 1`);
    expect(rows[0].reason).toMatch(/body is not JSON/);
    expect(rows[0].body).toEqual(raw);
  });

  it('refuses a body over the size limit with 413 and quarantines the attempt', async () => {
    const before = await counts();
    const res = await send('/webhooks/shop', { 'content-type': 'application/json' }, 'x'.repeat(2_000_000));
    expect(res.statusCode).toBe(413);
    const after = await counts();
    expect(after.quarantine).toBe(before.quarantine + 1);
    const { rows } = await stack.db.query(`SELECT reason, body FROM quarantine ORDER BY id DESC LIMIT 1`);
    expect(rows[0]).toEqual({ reason: 'body larger than the limit', body: null });
  });

  it('the engine still works afterwards', async () => {
    const res = await fetch(`${stack.engine.url}/healthz`);
    expect(res.status).toBe(200);
  });
});
