// The engine process killed with SIGKILL in the middle of a dispatch batch, then started
// again: channels converge and no warehouse order is pushed twice (invariant 5).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULT_PROFILES } from '../../sandbox/core/faults.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { freePort } from '../../src/store/embedded.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { eventually } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-crash-'));
const SKUS = Array.from({ length: 300 }, (_, i) => ({ sku: `S${String(i).padStart(3, '0')}`, quantity: 20 + (i % 7) }));

let sandbox: RunningSandbox;
let testDb: TestDatabase;
let db: pg.Pool;
let port = 0;
let configFile = '';

beforeAll(async () => {
  // Slow platform answers so that a kill lands while calls are in flight.
  const slow = { ...FAULT_PROFILES.none, latencyMs: { min: 150, max: 300 } };
  sandbox = await startSandbox({
    port: 0,
    seed: 3,
    timeScale: 0.001,
    faults: { shopify: slow, warehouse: slow },
    instances: [
      { platform: 'shopify', name: 'shop', skus: SKUS },
      { platform: 'woocommerce', name: 'store', skus: SKUS },
      { platform: 'warehouse', name: 'wh', skus: SKUS },
    ],
  });
  testDb = await createTestDatabase({ migrate: false });
  db = new pg.Pool({ connectionString: testDb.url, max: 2 });
  port = await freePort();
  configFile = path.join(dir, 'stocksync.yaml');
  const secret = `whsec_${createHash('sha256').update('wh').digest('base64')}`;
  writeFileSync(
    configFile,
    `
demo: true
server: { host: 127.0.0.1, port: ${port} }
database: { url: { env: TEST_DATABASE_URL } }
connections:
  - { id: wh, kind: warehouse, platform: warehouse, baseUrl: "${sandbox.url}/warehouse/wh", pollInterval: 1h, options: { location: main },
      credentials: { apiToken: { env: T1, default: sandbox-token-wh }, webhookSecret: { env: T2, default: "${secret}" } } }
  - { id: shop, kind: channel, platform: shopify, baseUrl: "${sandbox.url}/shopify/shop", pollInterval: 1h,
      credentials: { accessToken: { env: T3, default: shpat_shop }, webhookSecret: { env: T4, default: sandbox-app-secret } } }
  - { id: woo, kind: channel, platform: woocommerce, baseUrl: "${sandbox.url}/woocommerce/store", pollInterval: 1h,
      credentials: { consumerKey: { env: T5, default: ck_store }, consumerSecret: { env: T6, default: cs_store }, webhookSecret: { env: T7, default: whsec_store } } }
skus:
${SKUS.map((s) => `  - { sku: ${s.sku}, listings: { shop: {}, woo: {} } }`).join('\n')}
`,
  );
  const hooks: [string, string, string[]][] = [
    ['shopify/shop', 'shop', ['orders/create', 'orders/cancelled', 'inventory_levels/update']],
    ['woocommerce/store', 'woo', ['order.created', 'order.updated', 'product.updated']],
    ['warehouse/wh', 'wh', ['order.shipped', 'order.shipment.exception', 'order.shipment.cancelled']],
  ];
  for (const [key, id, topics] of hooks) for (const t of topics) sandbox.instances.get(key)!.control.subscribe(t, `http://127.0.0.1:${port}/webhooks/${id}`);
});

afterAll(async () => {
  await db?.end();
  await sandbox?.close();
  await testDb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

function startEngine(): ChildProcess {
  const child = spawn(process.execPath, ['bin/stocksync.js', '--config', configFile, 'start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', TEST_DATABASE_URL: testDb.url, STOCKSYNC_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
const shopifyCalls = () => Object.values(sandbox.instances.get('shopify/shop')!.stats().calls).reduce((a, b) => a + b, 0);

describe('killed mid-batch', () => {
  it('converges after a restart, and pushes each warehouse order once', async () => {
    let engine = startEngine();
    // Orders arrive while the first sync is running.
    await eventually('first calls to Shopify', async () => shopifyCalls() > 0, 60_000);
    const shop = sandbox.instances.get('shopify/shop')!.control;
    for (let i = 0; i < 5; i++) expect(shop.shopperOrder([{ sku: SKUS[i]!.sku, quantity: 1 }]).ok).toBe(true);
    await eventually(
      'orders recorded',
      async () => {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM orders`).catch(() => ({ rows: [{ n: 0 }] }));
        return rows[0].n >= 3;
      },
      30_000,
    );
    engine.kill('SIGKILL');
    await exited(engine);
    const { rows: before } = await db.query(`SELECT count(*)::int AS dirty FROM listings WHERE dirty`);
    expect(before[0].dirty).toBeGreaterThan(0); // killed with work in hand

    engine = startEngine();
    try {
      await eventually(
        'every listing pushed and every order acknowledged',
        async () => {
          const { rows } = await db.query(`SELECT (SELECT count(*) FROM listings WHERE dirty)::int AS dirty,
                                                (SELECT count(*) FROM orders WHERE warehouse_ack_at IS NULL)::int AS unacked,
                                                (SELECT count(*) FROM orders)::int AS orders`);
          return rows[0].dirty === 0 && rows[0].unacked === 0 && rows[0].orders === 5;
        },
        90_000,
      );
      // Channels show exactly their targets.
      const { rows: listings } = await db.query(`SELECT connection_id, sku, target FROM listings`);
      const channel = { shop: sandbox.instances.get('shopify/shop')!, woo: sandbox.instances.get('woocommerce/store')! };
      for (const l of listings) expect(channel[l.connection_id as 'shop' | 'woo'].control.getStock(l.sku)).toBe(l.target);
      // The warehouse holds each order once.
      const truth = sandbox.instances.get('warehouse/wh')!.control.truth() as { orders: { reference_id: string }[] };
      const refs = truth.orders.map((o) => o.reference_id);
      expect(refs).toHaveLength(5);
      expect(new Set(refs).size).toBe(5);
    } finally {
      engine.kill('SIGTERM');
      await exited(engine);
    }
  }, 180_000);
});
