// Chaos in the simulation (issue 14, part 2): the webhook balancer skips a dead engine, and
// a short run of two engine processes under chaos (a SIGKILL and restart, a PostgreSQL
// restart) reports its integrity counts (0 lost, 0 doubled) and a lease hand-over time,
// and leaves no engine process behind.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchServer, type ScratchServer } from '../../src/harness/database.js';
import { startWebhookBalancer } from '../../src/harness/webhook-balancer.js';
import { freePort } from '../../src/store/embedded.js';
import { runSimulation } from '../../src/sim/run.js';
import type { ChaosProfile } from '../../src/sim/chaos.js';
import { integrityCounts } from '../../src/sim/chaos-report.js';
import { OrderBook } from '../../src/sim/order-book.js';
import { createTestDatabase } from '../helpers/db.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-chaos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('bad --engines and --chaos flags exit 2 with a clear message', () => {
  const cases: [string[], RegExp][] = [
    [['--chaos', 'standard'], /--chaos: goes with --engines/],
    [['--engines', '2', '--strategy', 'polling-only'], /--engines: runs every layer.*not with polling-only/],
    [['--engines', '2', '--chaos', 'wild'], /--chaos.*unknown chaos profile "wild"; allowed: none, standard/],
    [['--engines', '0'], /--engines.*from 1 to 8/],
  ];
  it.each(cases)('simulate %j', async (args, message) => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [path.resolve('bin/stocksync.js'), 'simulate', ...args], { timeout: 30_000 }, (err, _out, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('webhook balancer', () => {
  it('spreads deliveries round-robin and retries a refused connection on the next engine', async () => {
    const seen: string[] = [];
    const engine = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('stored'));
    });
    await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
    const live = `http://127.0.0.1:${(engine.address() as AddressInfo).port}`;
    const dead = `http://127.0.0.1:${await freePort()}`; // nothing listens: connection refused
    const balancer = await startWebhookBalancer({ targets: [dead, live] });
    try {
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${balancer.url}/webhooks/shop?n=${i}`, { method: 'POST', body: '{"id":1}', headers: { 'content-type': 'application/json' } });
        expect(res.status).toBe(200);
        expect(await res.text()).toBe('stored');
      }
      expect(seen).toEqual([0, 1, 2, 3].map((i) => `/webhooks/shop?n=${i}`));
      expect(balancer.stats).toMatchObject({ forwarded: 4, retriedOnNext: 2, connectionFailed: 2, timedOut: 0, unanswered: 0, byEngine: [0, 4] });
    } finally {
      await balancer.close();
      await new Promise((resolve) => engine.close(resolve));
    }
  });
});

describe('integrity counts', () => {
  it('see an order lost, one recorded twice (Shopify GID and number), its claims and its units pushed twice', async () => {
    const t = await createTestDatabase();
    try {
      await t.db.query(`INSERT INTO connections (id, kind, platform, base_url) VALUES ('shop', 'channel', 'shopify', 'http://x')`);
      await t.db.query(`INSERT INTO skus (sku) VALUES ('MUG')`);
      const order = async (externalId: string) => {
        const { rows } = await t.db.query<{ id: number }>(
          `INSERT INTO orders (connection_id, external_id, placed_at) VALUES ('shop', $1, now()) RETURNING id`,
          [externalId],
        );
        const id = rows[0]!.id;
        await t.db.query(`INSERT INTO order_lines (order_id, line_no, sku, quantity, known) VALUES ($1, 1, 'MUG', 2, true)`, [id]);
        await t.db.query(`INSERT INTO claims (order_id, line_no, sku, quantity) VALUES ($1, 1, 'MUG', 2)`, [id]);
        return id;
      };
      const once = await order('1001');
      const first = await order('1002');
      const second = await order('gid://shopify/Order/1002');
      const book = new OrderBook();
      const placed = (event: number, orderId: string) =>
        book.place({ event, channel: 'shopify', orderId, lines: [{ sku: 'MUG', quantity: 2 }], units: 2, placedAt: 0, cancelled: false, atWarehouse: false });
      placed(1, '1001');
      placed(2, '1002');
      placed(3, '1003'); // never recorded
      const at3pl = (id: number) => ({ reference_id: `stocksync-${id}`, status: 'Allocated', lines: [{ quantity: 2 }] });
      const counts = await integrityCounts(t.db, book, [at3pl(once), at3pl(first), at3pl(second)]);
      expect(counts).toMatchObject({ ordersLost: 1, ordersRecordedTwice: 1, claimsDoubled: 1, unitsPushedTwice: 2 });
      expect(counts.examples.lost).toEqual(['shopify:1003']);
    } finally {
      await t.drop();
    }
  });
});

describe('simulate --engines 2 under chaos', () => {
  it('kills and restarts an engine and restarts PostgreSQL: 0 lost or doubled, a hand-over time, no process left', { timeout: 240_000 }, async () => {
    const scratch = await scratchServer();
    // On a shared DATABASE_URL server other tests run beside this one: it is not restarted.
    const server: ScratchServer =
      scratch.kind === 'embedded' ? scratch : { ...scratch, restart: async () => ({ restarted: false, reason: 'shared test server' }) };
    const chaos: ChaosProfile = { name: 'standard', everyMs: 3_000, actions: ['kill', 'restart-postgres'], pauseMs: 0 };
    try {
      const url = await server.createDatabase(`stocksync_chaos_${process.pid}`);
      const report = await runSimulation(url, {
        seed: 4,
        skus: 20,
        channels: ['shopify', 'woocommerce', 'amazon'],
        durationSec: 20,
        orderRate: 6,
        scale: 60,
        strategy: 'full',
        faultProfile: 'none',
        settleMs: 20_000,
        fleet: { engines: 2, chaos, server, dir: path.join(dir, 'engines') },
      });
      const c = report.chaos as Record<string, unknown> & { leaseHandOverMs: { p50: number; max: number; count: number }; engineStarts: { pid: number }[] };
      expect(report.orders).toBeGreaterThan(50);
      expect(c.kills).toBeGreaterThanOrEqual(1);
      if (scratch.kind === 'embedded') expect(c.postgresRestarts).toBeGreaterThanOrEqual(1);
      expect(c).toMatchObject({ ordersLost: 0, ordersRecordedTwice: 0, claimsDoubled: 0, unitsPushedTwice: 0 });
      // The killed engine held leases (two engines race for them); another owner took them.
      expect(c.leaseHandOverMs.count).toBeGreaterThan(0);
      expect(c.leaseHandOverMs.max).toBeGreaterThan(0);
      expect(c.leaseHandOverMs.p50).toBeLessThanOrEqual(c.leaseHandOverMs.max);
      // every engine that ever ran has exited: the killed one, its restart and the other
      expect(c.engineStarts.length).toBeGreaterThanOrEqual(3);
      for (const start of c.engineStarts) expect(isAlive(start.pid)).toBe(false);
    } finally {
      await scratch.stop();
    }
  });
});
