// Issue 14, defects 1, 2 and 7 on the sandbox: a rotated Amazon token, a 3PL level dated
// 2099, and WooCommerce disabling its webhooks after failed deliveries.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/commands/status.js';
import type { WarehouseConnector } from '../../src/connectors/types.js';
import { pollOnce } from '../../src/engine/workers/poller.js';
import { reconcileConnection } from '../../src/engine/workers/reconciler.js';
import { statusReport } from '../../src/store/status.js';
import { converged, eventually, listing } from './helpers.js';
import { startStack, type Stack } from './stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const silent = pino({ level: 'silent' });

async function pauseOf(s: Stack, connectionId: string) {
  const { rows } = await s.db.query(`SELECT paused_reason AS reason, attempts FROM connection_pauses WHERE connection_id = $1`, [connectionId]);
  return rows[0] as { reason: string | null; attempts: number } | undefined;
}

describe('a rotated Amazon token (defect 1)', () => {
  it('pauses the connection while pushes get 403, quarantines nothing, and converges by itself once the right token is back', async () => {
    stack = await startStack({
      channels: ['amazon'],
      skus: [{ sku: 'MUG', quantity: 50 }],
      connectionOptions: { amazon: 'authRetryMs: 100, authRetryMaxMs: 400' },
    });
    const amazon = stack.instance('amazon');
    await converged(stack, ['amazon'], ['MUG']);
    expect(amazon.control.getStock('MUG')).toBe(50);

    // The seller rotates the token mid-run; the engine still holds the old one. Stock drops to 7.
    amazon.control.setAccessToken!('Atza|rotated');
    stack.instance('warehouse').control.adjust!('MUG', -43, 'cycle count');
    // ShipBob sends no inventory webhook: the change arrives with the next poll (layer 3).
    await pollOnce({ db: stack.db, log: silent, connectionId: 'wh', connector: stack.engine.connectors.get('wh')! });
    await eventually('the connection paused for auth', async () => (await pauseOf(stack!, 'amazon'))?.reason === 'auth');
    await eventually('a few refused probes', async () => ((await pauseOf(stack!, 'amazon'))?.attempts ?? 0) >= 2);
    const paused = await listing(stack, 'amazon', 'MUG');
    expect(paused).toMatchObject({ target: 7, dirty: true, quarantinedReason: null });
    expect(amazon.control.getStock('MUG')).toBe(50); // nothing got through
    expect(formatStatus(await statusReport(stack.db), [])).toMatch(/amazon: PAUSED, failing auth since \S+ .*next retry .*AUTH: /);

    // The right token is back: no person acts, the next probe goes through.
    amazon.control.setAccessToken!('Atza|seller');
    await converged(stack, ['amazon'], ['MUG']);
    expect(amazon.control.getStock('MUG')).toBe(7);
    expect((await pauseOf(stack, 'amazon'))?.reason).toBeNull();
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM listings WHERE quarantined_reason IS NOT NULL`);
    expect(rows[0].n).toBe(0);
    expect(formatStatus(await statusReport(stack.db), [])).not.toMatch(/PAUSED/);

    // And a reconciliation now reports nothing it did not do: the channel shows its target.
    const report = await reconcileConnection({
      db: stack.db,
      log: silent,
      connectionId: 'amazon',
      connector: stack.engine.connectors.get('amazon')!,
      trigger: 'manual',
    });
    expect(report.drift).toEqual([]);
  }, 90_000);
});

describe('a 3PL level dated in the future (defect 2)', () => {
  // ShipBob sends no inventory webhook and its levels carry no timestamp: a level is dated
  // by the answer's Date header. A ShipBob whose clock is wrong dates its levels 2099.
  it('is refused and kept with its reason; every channel keeps the real stock', async () => {
    stack = await startStack({ channels: ['shopify', 'woocommerce'], skus: [{ sku: 'MUG', quantity: 116 }] });
    await converged(stack, ['shopify', 'woocommerce'], ['MUG']);
    const real = stack.engine.connectors.get('wh') as WarehouseConnector;
    stack.instance('warehouse').control.adjust!('MUG', -116, 'lost'); // what the wrong answer says: 0
    const skewed: WarehouseConnector = {
      ...real,
      pollLevels: async (since, cursor) => {
        const page = await real.pollLevels(since, cursor);
        return { ...page, items: page.items.map((l) => ({ ...l, observedAt: new Date('2099-01-01T00:00:00Z') })) };
      },
    };
    await pollOnce({ db: stack.db, log: silent, connectionId: 'wh', connector: skewed });
    const { rows: refused } = await stack.db.query(`SELECT reason FROM quarantine WHERE connection_id = 'wh' AND source = 'poll'`);
    expect(refused).toEqual([{ reason: expect.stringMatching(/observedAt: 2099-01-01T00:00:00\.000Z is more than 300 s ahead of our clock/) }]);
    const { rows } = await stack.db.query(`SELECT available, observed_at < now() + interval '1 hour' AS sane FROM stock_levels WHERE sku = 'MUG'`);
    expect(rows).toEqual([{ available: 116, sane: true }]);
    await converged(stack, ['shopify', 'woocommerce'], ['MUG']);
    expect(stack.instance('shopify').control.getStock('MUG')).toBe(116);
    expect(stack.instance('woocommerce').control.getStock('MUG')).toBe(116);
  }, 90_000);
});

/** Our webhook route behind a switch: off, it answers 503 as a process being restarted would. */
async function startGate(target: string) {
  let up = true;
  const server = http.createServer((req, res) => {
    if (!up) {
      req.resume();
      res.writeHead(503).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== 'host' && k !== 'content-length')) as Record<string, string>;
      fetch(`${target}${req.url}`, { method: 'POST', headers, body: Buffer.concat(chunks) })
        .then(async (r) => res.writeHead(r.status).end(Buffer.from(await r.arrayBuffer())))
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (on: boolean) => void (up = on),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('WooCommerce disabling our webhooks (defect 7)', () => {
  it('the poll after the platform disabled a webhook sets it active again, and webhooks flow again', async () => {
    stack = await startStack({
      channels: ['woocommerce'],
      skus: [{ sku: 'MUG', quantity: 40 }],
      webhooks: false,
      pollInterval: '1s',
      connectionOptions: { woocommerce: 'webhookCheckMs: 0' },
    });
    const gate = await startGate(stack.engine.url);
    try {
      const woo = stack.instance('woocommerce');
      woo.control.subscribe('order.created', `${gate.url}/webhooks/woo`);
      await converged(stack, ['woocommerce'], ['MUG']);
      const hook = () => (woo.control.truth() as { webhooks: { id: number; status: string; failure_count: number }[] }).webhooks[0]!;
      const webhookOrders = async () =>
        (await stack!.db.query(`SELECT count(*)::int AS n FROM inbox WHERE connection_id = 'woo' AND topic = 'order.created'`)).rows[0].n as number;

      // Our side is down for a moment: seven failed deliveries and WooCommerce disables the webhook.
      gate.set(false);
      // The poller runs every second: it may set the webhook active again before we look.
      const reenabled = async () =>
        (await stack!.db.query(`SELECT COALESCE(sum(reenabled), 0)::int AS n FROM webhook_subscriptions WHERE connection_id = 'woo'`)).rows[0].n as number;
      const disabledOnce = async () => hook().status === 'disabled' || (await reenabled()) > 0;
      for (let i = 0; i < 7; i++) {
        expect(woo.control.shopperOrder([{ sku: 'MUG', quantity: 1 }]).ok).toBe(true);
        await eventually(`delivery ${i + 1} failed`, async () => hook().failure_count > i || (await disabledOnce()));
      }
      await eventually('the webhook disabled', disabledOnce);
      gate.set(true);

      // The next poll notices and sets it active again; status says so.
      await eventually('the webhook active again', async () => hook().status === 'active' && (await reenabled()) === 1, 30_000);
      // What the engine recorded follows the PUT: wait for it, then read it in `status`.
      const status = await eventually('status to say so', async () => {
        const text = formatStatus(await statusReport(stack!.db), []);
        return /last re-enabled/.test(text) ? text : undefined;
      });
      expect(status).toMatch(/woo: webhooks 1 active \(checked .*\), last re-enabled \d+s ago \(order\.created; 1 in all\)/);

      // And webhooks flow again: the next order arrives through one.
      const before = await webhookOrders();
      expect(woo.control.shopperOrder([{ sku: 'MUG', quantity: 1 }]).ok).toBe(true);
      await eventually('an order delivered by webhook', async () => (await webhookOrders()) > before);
    } finally {
      await gate.close();
    }
  }, 90_000);
});
