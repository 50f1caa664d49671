// Alerts on a whole engine (sandbox Shopify + 3PL) against a local receiver on loopback:
// an oversell fires once and resolves once, to a signed JSON webhook and a Slack-style
// one; a receiver answering 500 gets the delivery on a retry; a delivery still owed when
// the engine stops is delivered by the next start.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStackOn, type Stack, type StackOptions } from '../../src/harness/stack.js';
import { recordOrder } from '../../src/engine/record-orders.js';
import { evaluateAlertsOnce, ruleEvaluations } from '../../src/engine/alerts/evaluate.js';
import { verifySignature } from '../../src/engine/alerts/messages.js';
import { alertsOf } from '../../src/store/alerts.js';
import { deliveriesOf } from '../../src/store/alert-deliveries.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventually } from './helpers.js';
import pino from 'pino';

const SECRET = 'alert-signing-secret';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** Records every POST; answers each path with the statuses queued for it, then 200. */
function startReceiver(): Promise<{ server: Server; url: string; received: Received[]; answers: Map<string, number[]> }> {
  const received: Received[] = [];
  const answers = new Map<string, number[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = answers.get(req.url ?? '')?.shift() ?? 200;
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered: status });
      res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {}).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, answers })),
  );
}

describe('alerts', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let testDb: TestDatabase;
  let stack: Stack | undefined;
  let options: StackOptions;

  beforeAll(async () => {
    receiver = await startReceiver();
    testDb = await createTestDatabase({ migrate: false });
    options = {
      channels: ['shopify'],
      skus: [
        { sku: 'MUG', quantity: 5 },
        { sku: 'CUP', quantity: 5 },
        { sku: 'JUG', quantity: 5 },
      ],
      buffer: '{ mode: shared }',
      alerts: `{ evaluateEvery: 1s, maxAttempts: 100,
        targets: [
          { name: ops, kind: webhook, url: "${receiver.url}/hook", secret: { env: ALERT_SECRET, default: ${SECRET} } },
          { name: chat, kind: slack, url: { env: SLACK_URL, default: "${receiver.url}/slack" } } ],
        rules: [ { rule: oversell }, { rule: reconciliation-failed } ] }`,
      alertTiming: { backoff: { baseMs: 50, maxMs: 200 }, deliverIdleMs: 100 },
    };
    stack = await startStackOn(testDb.url, options);
  });
  afterAll(async () => {
    await stack?.close();
    await testDb?.drop();
    receiver?.server.close();
  });

  const oversell = (sku: string, id: string) => recordOrder(stack!.db, { connectionId: 'shop', externalId: id, lines: [{ sku, quantity: 50 }] });
  const bodies = (path: string) => receiver.received.filter((r) => r.path === path && r.answered === 200).map((r) => JSON.parse(r.body));
  const evaluateAgain = () =>
    evaluateAlertsOnce({ db: stack!.db, log: pino({ level: 'silent' }), rules: ruleEvaluations([{ rule: 'oversell' }], ['ops', 'chat']) });

  it('an oversell incident fires once and resolves once, on each target', async () => {
    const r = await oversell('MUG', 'OVER-1');
    expect(r.outcome === 'recorded' && r.oversold.length).toBe(1);
    await eventually('fired on both targets', async () => bodies('/hook').length === 1 && bodies('/slack').length === 1);
    // Evaluated again (and again by the engine's loop meanwhile): nothing new.
    expect(await evaluateAgain()).toBe(false);
    const [alert] = await alertsOf(stack!.db, 'oversell');
    expect(alert).toMatchObject({ subject: 'MUG', resolvedAt: null });

    const fired = bodies('/hook')[0];
    expect(fired).toMatchObject({ event: 'fired', alert: { id: alert!.id, rule: 'oversell', subject: 'MUG', resolvedAt: null } });
    expect(fired.summary).toContain('oversell on SKU MUG');

    await stack!.db.query(`UPDATE incidents SET resolved_at = now() WHERE kind = 'oversell' AND sku = 'MUG'`);
    await eventually('resolved on both targets', async () => bodies('/hook').length === 2 && bodies('/slack').length === 2);
    expect(await evaluateAgain()).toBe(false);
    expect(bodies('/hook').map((b) => b.event)).toEqual(['fired', 'resolved']);
    expect(await alertsOf(stack!.db, 'oversell')).toHaveLength(1);
    const deliveries = await deliveriesOf(stack!.db, alert!.id);
    expect(deliveries.map((d) => `${d.event}/${d.target}/${d.status}`).sort()).toEqual([
      'fired/chat/delivered',
      'fired/ops/delivered',
      'resolved/chat/delivered',
      'resolved/ops/delivered',
    ]);
  });

  it('signs the JSON webhook: HMAC-SHA256 of timestamp and raw body, verifiable with the secret', () => {
    const hook = receiver.received.find((r) => r.path === '/hook')!;
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['x-stocksync-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, hook.headers, hook.body)).toBe(true);
    expect(verifySignature('another-secret', hook.headers, hook.body)).toBe(false);
    expect(verifySignature(SECRET, hook.headers, hook.body.replace('MUG', 'CUP'))).toBe(false);
    // An old timestamp (a replay) is refused even with a good signature.
    expect(verifySignature(SECRET, hook.headers, hook.body, 300, Date.now() + 3_600_000)).toBe(false);
  });

  it('sends Slack-compatible payloads: { text } only', () => {
    const slack = bodies('/slack');
    for (const b of slack) expect(Object.keys(b)).toEqual(['text']);
    expect(slack[0].text).toMatch(/stocksync alert.*\[oversell\] oversell on SKU MUG: 1 open incident\(s\), \d+ unit\(s\) short/);
    expect(slack[1].text).toMatch(/stocksync resolved.*\[oversell\]/);
    // The Slack URL is a credential: the webhook target's secret and it never reach the other side.
    expect(receiver.received.find((r) => r.path === '/slack')!.headers['x-stocksync-signature']).toBeUndefined();
  });

  it('retries a receiver that answers 500, then 429, and delivers once it answers 200', async () => {
    receiver.answers.set('/hook', [500, 429]);
    await oversell('CUP', 'OVER-2');
    const tries = await eventually('delivered after retries', async () => {
      const hits = receiver.received.filter((r) => r.path === '/hook' && JSON.parse(r.body).alert.subject === 'CUP');
      return hits.some((h) => h.answered === 200) ? hits : undefined;
    });
    expect(tries.map((t) => t.answered)).toEqual([500, 429, 200]);
    // Every retry is the same delivery (same id), signed anew.
    expect(new Set(tries.map((t) => JSON.parse(t.body).id)).size).toBe(1);
    const [alert] = await alertsOf(stack!.db, 'oversell');
    const ops = (await deliveriesOf(stack!.db, alert!.id)).find((d) => d.target === 'ops')!;
    expect(ops).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it('does not retry a 4xx other than 429: kept as failed with the reason', async () => {
    receiver.answers.set('/hook', [400]);
    await oversell('JUG', 'OVER-3');
    const alert = await eventually('fired', async () => (await alertsOf(stack!.db, 'oversell')).find((a) => a.subject === 'JUG'));
    const ops = await eventually('refused for good', async () => {
      const d = (await deliveriesOf(stack!.db, alert!.id)).find((x) => x.target === 'ops');
      return d?.status === 'failed' ? d : undefined;
    });
    expect(ops).toMatchObject({ attempts: 1, lastError: 'target ops answered 400' });
  });

  it('a delivery still owed when the engine stops is delivered after a restart', async () => {
    receiver.answers.set('/hook', Array(10_000).fill(503));
    await stack!.db.query(`UPDATE incidents SET resolved_at = now() WHERE sku IN ('CUP', 'JUG')`);
    const alerts = await alertsOf(stack!.db, 'oversell');
    const cup = alerts.find((a) => a.subject === 'CUP')!;
    await eventually('the resolution tried and refused', async () => {
      const d = (await deliveriesOf(stack!.db, cup.id)).find((x) => x.event === 'resolved' && x.target === 'ops');
      return d !== undefined && d.attempts >= 1 && d.status === 'pending';
    });
    await stack!.close();
    stack = undefined;
    receiver.answers.set('/hook', []);
    stack = await startStackOn(testDb.url, options);
    await eventually('delivered by the new engine', async () => {
      const d = (await deliveriesOf(stack!.db, cup.id)).find((x) => x.event === 'resolved' && x.target === 'ops');
      return d?.status === 'delivered';
    });
    const resolved = bodies('/hook').filter((b) => b.event === 'resolved' && b.alert.subject === 'CUP');
    expect(resolved).toHaveLength(1);
  });
});

describe('alerts: webhooks silent while polls find orders', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let testDb: TestDatabase;
  let stack: Stack | undefined;

  beforeAll(async () => {
    receiver = await startReceiver();
    testDb = await createTestDatabase({ migrate: false });
    // No webhook subscription at all: the platform's orders arrive only by polling.
    stack = await startStackOn(testDb.url, {
      channels: ['shopify'],
      skus: [{ sku: 'MUG', quantity: 5 }],
      buffer: '{ mode: shared }',
      webhooks: false,
      pollInterval: '1s',
      alerts: `{ evaluateEvery: 1s, targets: [ { name: chat, kind: slack, url: { env: SLACK_URL, default: "${receiver.url}/slack" } } ],
        rules: [ { rule: webhooks-silent, for: 1m, minOrders: 1 } ] }`,
      alertTiming: { backoff: { baseMs: 50, maxMs: 200 }, deliverIdleMs: 100 },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await testDb?.drop();
    receiver?.server.close();
  });

  it('fires for the channel once a poll records an order no webhook brought', async () => {
    const order = stack!.instance('shopify').control.shopperOrder([{ sku: 'MUG', quantity: 1 }]);
    expect(order.ok).toBe(true);
    const [message] = await eventually('alerted', async () => {
      const texts = receiver.received.filter((r) => r.path === '/slack').map((r) => JSON.parse(r.body).text as string);
      return texts.length > 0 ? texts : undefined;
    });
    expect(message).toMatch(/\[webhooks-silent\] no webhook from shop ever while polls found 1 order\(s\)/);
    expect((await alertsOf(stack!.db, 'webhooks-silent')).map((a) => a.subject)).toEqual(['shop']);
  });
});
