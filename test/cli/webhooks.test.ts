// server.publicUrl set: the engine registers every connection's webhooks at start, and
// `stocksync webhooks status | register` (child processes, as an operator runs them) show
// and keep them; Amazon's are said not to be ours; `stocksync status` shows the last
// registration. Without publicUrl, register is a config error (exit 2); an unknown
// connection exits 4.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatWebhooks } from '../../src/cli/commands/webhooks.js';
import { parseConfig } from '../../src/config/index.js';
import { startEngine, type RunningEngine } from '../../src/runtime/engine-process.js';
import { freePort } from '../../src/store/embedded.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { eventually } from '../e2e/helpers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { engineHead, shopifyEntry, warehouseEntry, wooEntry } from '../helpers/webhook-connections.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-webhooks-'));
let sb: RunningSandbox;
let testDb: TestDatabase;
let engine: RunningEngine;
let publicUrl = '';
let env: Record<string, string>;

function configYaml(sandbox: string, server: string): string {
  return `${engineHead('WEBHOOKS_DATABASE_URL', server)}${warehouseEntry(sandbox)}${shopifyEntry('shop', `${sandbox}/shopify/shop`)}${wooEntry('woo', `${sandbox}/woocommerce/store`, 'whsec_cli')}
  - { id: amazon, kind: channel, platform: amazon, baseUrl: "${sandbox}/amazon/seller", pollInterval: 1h, options: { sellerId: SELLER1, marketplaceId: ATVPDKIKX0DER },
      credentials: { accessToken: { env: A1, default: "Atza|seller" }, notificationToken: { env: A2, default: tok } } }
skus:
  - { sku: MUG, listings: { shop: {}, woo: {}, amazon: {} } }
`;
}

function cli(config: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--config', config, ...args], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase({ migrate: false });
  env = { PATH: process.env.PATH ?? '', STOCKSYNC_LOG_FORMAT: 'json', WEBHOOKS_DATABASE_URL: testDb.url };
  sb = await startSandbox({
    port: 0,
    seed: 5,
    timeScale: 0.001,
    instances: [
      { platform: 'shopify', name: 'shop', skus: [{ sku: 'MUG', quantity: 9 }] },
      { platform: 'woocommerce', name: 'store', skus: [{ sku: 'MUG', quantity: 9 }], options: { webhookQueueDelayMs: 0 } },
      { platform: 'amazon', name: 'seller', skus: [{ sku: 'MUG', quantity: 9 }], options: { sellerId: 'SELLER1' } },
      { platform: 'warehouse', name: 'wh', skus: [{ sku: 'MUG', quantity: 9 }] },
    ],
  });
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  const yaml = configYaml(sb.url, `port: ${port}, publicUrl: "${publicUrl}/", adminToken: { env: WEBHOOKS_ADMIN, default: admin-token-for-the-test }`);
  writeFileSync(path.join(dir, 'with.yaml'), yaml);
  writeFileSync(path.join(dir, 'without.yaml'), configYaml(sb.url, `port: ${port}`));
  engine = await startEngine(parseConfig(yaml, { WEBHOOKS_DATABASE_URL: testDb.url }, 'with.yaml'), { port, logger: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await engine?.stop();
  await sb?.close();
  await testDb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('webhook registration at start and from the command line', () => {
  it('registers every connection at start, and the platforms deliver to the engine', async () => {
    const first = await engine.webhookRegistration!.firstPass;
    const by = Object.fromEntries(first.map((r) => [r.connectionId, r]));
    expect([by['shop']!.state, by['shop']!.created.length]).toEqual(['done', 3]);
    expect([by['woo']!.state, by['woo']!.created.length]).toEqual(['done', 3]);
    expect(by['shop']!.address).toBe(`${publicUrl}/webhooks/shop`);
    expect(by['amazon']!.state).toBe('unsupported');
    expect(by['wh']!.state).toBe('done'); // ShipBob's order webhooks, through its subscription API
    expect(by['wh']!.missing).toEqual([]);
    expect(sb.instances.get('woocommerce/store')!.control.shopperOrder([{ sku: 'MUG', quantity: 1 }]).ok).toBe(true);
    expect(sb.instances.get('shopify/shop')!.control.shopperOrder([{ sku: 'MUG', quantity: 1 }]).ok).toBe(true);
    await eventually('both orders recorded through their webhooks', async () => {
      const { rows } = await engine.database.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM inbox WHERE (connection_id, topic) IN (('shop', 'orders/create'), ('woo', 'order.created'))`,
      );
      return rows[0]!.n === 2;
    });
  });

  it('`webhooks status --json` shows what is registered, missing and stale, and that Amazon is not ours', async () => {
    const r = await cli(path.join(dir, 'with.yaml'), ['webhooks', 'status', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      connections: { connectionId: string; registered: unknown[]; missing: string[]; stale: unknown[]; note?: string }[];
    };
    const by = Object.fromEntries(out.connections.map((c) => [c.connectionId, c]));
    expect([by['shop']!.registered.length, by['shop']!.missing, by['shop']!.stale]).toEqual([3, [], []]);
    expect([by['woo']!.registered.length, by['woo']!.missing, by['woo']!.stale]).toEqual([3, [], []]);
    expect(by['amazon']!.note).toMatch(/SQS.*createSubscription.*stocksync does not register them/);
  });

  it('`webhooks register` again keeps everything and prints a table', async () => {
    const r = await cli(path.join(dir, 'with.yaml'), ['webhooks', 'register']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CONNECTION\s+PLATFORM\s+TOPIC\s+STATE\s+ADDRESS\s+ID/);
    expect(r.stdout).toContain('shop: 3 kept, 0 created, 0 removed, 0 failed');
    expect(r.stdout).toContain('amazon: not registered by stocksync');
    const s = await cli(path.join(dir, 'with.yaml'), ['status', '--json']);
    const report = JSON.parse(s.stdout) as { connections: { id: string; webhookRegistration: { ok: boolean; kept: number } | null }[] };
    expect(report.connections.find((c) => c.id === 'shop')!.webhookRegistration).toMatchObject({ ok: true, kept: 3 });
    const api = await fetch(`${publicUrl}/api/v1/connections`, { headers: { authorization: 'Bearer admin-token-for-the-test' } });
    const { items } = (await api.json()) as { items: { id: string; webhookRegistration: Record<string, unknown> | null }[] };
    expect(items.find((c) => c.id === 'woo')!.webhookRegistration).toMatchObject({ ok: true, kept: 3, missing: [], address: `${publicUrl}/webhooks/woo` });
    expect(items.find((c) => c.id === 'amazon')!.webhookRegistration).toBeNull();
    const text = await cli(path.join(dir, 'with.yaml'), ['status']);
    expect(text.stdout).toMatch(/shop: webhooks registered \d+s ago at http:\/\/127\.0\.0\.1:\d+\/webhooks\/shop: complete; 3 kept/);
  });

  it('refuses register without server.publicUrl (exit 2) and an unknown connection (exit 4)', async () => {
    const none = await cli(path.join(dir, 'without.yaml'), ['webhooks', 'register']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/error CONFIG_INVALID: server\.publicUrl is not set/);
    const unknown = await cli(path.join(dir, 'with.yaml'), ['webhooks', 'register', '--connection', 'nope']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/error NOT_FOUND: connection nope is not in/);
  });

  it('shows a subscription the platform holds but does not deliver (WooCommerce disabled)', () => {
    const text = formatWebhooks('status', [
      {
        connectionId: 'woo',
        platform: 'woocommerce',
        state: 'done',
        address: 'https://sync.example.com/webhooks/woo',
        registered: [{ id: '7', topic: 'order.created', address: 'https://sync.example.com/webhooks/woo', status: 'disabled' }],
        missing: ['order.updated'],
        stale: [{ webhook: { id: '9', topic: 'product.deleted', address: 'https://sync.example.com/webhooks/woo' }, reason: 'topic_not_consumed' }],
        foreign: 2,
        created: [],
        removed: [],
        failures: [],
      },
    ]);
    expect(text).toMatch(/woo\s+woocommerce\s+order\.created\s+registered \(disabled\)\s+https:\/\/sync\.example\.com\/webhooks\/woo\s+7/);
    expect(text).toMatch(/order\.updated\s+missing/);
    expect(text).toMatch(/product\.deleted\s+stale \(topic not consumed\)/);
    expect(text).toContain("woo: 1 registered, 1 missing, 1 stale; 2 other apps' subscriptions left alone");
  });
});
