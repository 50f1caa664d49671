// Issue 14, defect 6: the engine rides out PostgreSQL going away. The LISTEN connection
// comes back every time it is cut, /healthz says which part is down meanwhile, and a
// killed embedded postmaster is started again under a running engine, which goes on
// recording orders and pushing them to the channels.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { pollOnce } from '../../src/engine/workers/poller.js';
import { startStackOn } from '../../src/harness/stack.js';
import { startEmbeddedPostgres } from '../../src/store/embedded.js';
import { recreateDatabase } from '../../src/store/open.js';
import type { Queryable } from '../../src/store/db.js';
import { startStack, type Stack } from '../e2e/stack.js';
import { ats, converged, eventually } from '../e2e/helpers.js';

interface Health {
  status: number;
  body: { ok: boolean; down?: string[]; parts: Record<string, { ok: boolean; reconnects?: number; state?: string }> };
}

async function health(stack: Stack): Promise<Health> {
  const res = await fetch(`${stack.engine.url}/healthz`);
  return { status: res.status, body: (await res.json()) as Health['body'] };
}

async function listenerPid(db: Queryable): Promise<number | undefined> {
  const { rows } = await db.query(
    `SELECT pid FROM pg_stat_activity WHERE application_name = 'stocksync-notifier' AND datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return rows[0]?.pid as number | undefined;
}

/** One shopper order on Shopify, recorded and then shown on WooCommerce. */
async function orderPropagates(stack: Stack, expectedAts: number): Promise<void> {
  const r = stack.instance('shopify').control.shopperOrder([{ sku: 'MUG', quantity: 1 }]);
  expect(r.ok).toBe(true);
  await eventually(`ATS ${expectedAts}`, async () => (await ats(stack, 'MUG')) === expectedAts, 30_000);
  await eventually(`WooCommerce shows ${expectedAts}`, async () => stack.instance('woocommerce').control.getStock('MUG') === expectedAts, 30_000);
}

describe('the LISTEN connection', () => {
  it('reconnects every time its backend is terminated, and /healthz says degraded while it is down', async () => {
    const stack = await startStack({ channels: ['shopify'], skus: [{ sku: 'MUG', quantity: 10 }] });
    try {
      await converged(stack, ['shopify'], ['MUG']);
      expect(await health(stack)).toMatchObject({ status: 200, body: { ok: true, parts: { database: { ok: true }, listener: { ok: true, reconnects: 0 } } } });
      for (let round = 1; round <= 5; round++) {
        const pid = await eventually('a listener backend', () => listenerPid(stack.db));
        await stack.db.query('SELECT pg_terminate_backend($1)', [pid]);
        await eventually(`reconnect ${round}`, async () => {
          const h = await health(stack);
          return h.status === 200 && h.body.parts.listener!.reconnects === round;
        });
        expect(await listenerPid(stack.db)).not.toBe(pid);
      }
      // Held down: every new listener backend is cut at once for a while.
      const seen: Health[] = [];
      let holding = true;
      const cutter = (async () => {
        while (holding) {
          await stack.db.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'stocksync-notifier' AND datname = current_database()`,
          );
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const deadline = Date.now() + 2_000;
      while (Date.now() < deadline) {
        seen.push(await health(stack));
        await new Promise((r) => setTimeout(r, 10));
      }
      holding = false;
      await cutter;
      const degraded = seen.filter((h) => h.status === 503);
      expect(degraded.length).toBeGreaterThan(0);
      expect(degraded[0]!.body).toMatchObject({ ok: false, down: ['listener'], parts: { database: { ok: true }, listener: { ok: false } } });
      await eventually('listener back', async () => (await health(stack)).status === 200);
      // It still works as a wake-up: a warehouse change reaches the channel.
      stack.instance('warehouse').control.setStock('MUG', 7);
      // ShipBob sends no inventory webhook: the change arrives with a poll (layer 3).
      await pollOnce({ db: stack.db, log: pino({ level: 'silent' }), connectionId: 'wh', connector: stack.engine.connectors.get('wh')! });
      await converged(stack, ['shopify'], ['MUG']);
    } finally {
      await stack.close();
    }
  });

  it('survives every session of its database being terminated (a restart as the clients see it), and keeps recording orders', async () => {
    // Polls every second: a push that landed while the database cut its answer off reads, at
    // the next compare-and-set, as sales not yet recorded; the orders poll forgets them.
    const stack = await startStack({ channels: ['shopify', 'woocommerce'], skus: [{ sku: 'MUG', quantity: 20 }], pollInterval: '1s' });
    try {
      await converged(stack, ['shopify', 'woocommerce'], ['MUG']);
      await orderPropagates(stack, 19);
      for (let round = 1; round <= 3; round++) {
        await stack.db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
        await eventually('healthy again', async () => (await health(stack)).status === 200);
        await orderPropagates(stack, 19 - round);
      }
      expect((await health(stack)).body.parts.listener!.reconnects).toBeGreaterThanOrEqual(3);
    } finally {
      await stack.close();
    }
  });
});

describe('the embedded server killed under a running engine', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-restart-'));
  chmodSync(dir, 0o755);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('comes back, and the engine keeps recording orders and propagating them', async () => {
    const server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
    try {
      const url = await recreateDatabase(server.url, 'stocksync_restart');
      const stack = await startStackOn(url, {
        channels: ['shopify', 'woocommerce'],
        skus: [{ sku: 'MUG', quantity: 20 }],
        buffer: '{ mode: shared }',
        pollInterval: '1s',
      });
      try {
        await converged(stack, ['shopify', 'woocommerce'], ['MUG']);
        await orderPropagates(stack, 19);
        for (let round = 1; round <= 2; round++) {
          const postmaster = Number(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
          process.kill(postmaster, 'SIGKILL');
          // The supervisor waits 50 to 100 ms before the restart, and recovery takes longer:
          // probing every 10 ms meanwhile sees the outage.
          const seen: Health[] = [];
          while (!(server.health().state === 'up' && server.health().restarts === round)) {
            seen.push(await health(stack));
            await new Promise((r) => setTimeout(r, 10));
          }
          // The listener may notice first; some probe during the outage reports the database.
          expect(seen.find((h) => h.status === 503 && h.body.down?.includes('database'))?.body).toMatchObject({
            ok: false,
            down: expect.arrayContaining(['database']),
          });
          await eventually('healthy again', async () => (await health(stack)).status === 200, 30_000);
          await orderPropagates(stack, 19 - round);
        }
      } finally {
        await stack.close();
      }
    } finally {
      await server.stop();
    }
  });
});
