// `stocksync reconcile` and `status --json` as child processes beside a running engine on
// the sandbox: a manual warehouse adjustment that no webhook reported is found as drift,
// corrected, printed and stored; an unknown connection exits 4.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../e2e/stack.js';
import { ats, eventually } from '../e2e/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-reconcile-'));
const configFile = path.join(dir, 'stocksync.yaml');
const ghostFile = path.join(dir, 'ghost.yaml');
const deadFile = path.join(dir, 'dead.yaml');
let stack: Stack;
let env: Record<string, string>;

beforeAll(async () => {
  // Webhooks off: only polling (hourly here, after the first sweep) or reconciliation can see an adjustment.
  stack = await startStack({
    channels: ['shopify'],
    skus: [
      { sku: 'MUG', quantity: 10 },
      { sku: 'CUP', quantity: 4 },
    ],
    webhooks: false,
  });
  env = { PATH: process.env.PATH ?? '', STOCKSYNC_LOG_FORMAT: 'json', RECONCILE_DATABASE_URL: stack.engine.database.url };
  // The same connections as the stack's engine (test/e2e/stack.ts), on its database.
  const sandbox = stack.sandbox.url;
  const config = (whUrl: string, extra = '') => `
demo: true
database: { url: { env: RECONCILE_DATABASE_URL } }
connections:
  - { id: wh, kind: warehouse, platform: warehouse, baseUrl: "${whUrl}", options: { location: main },
      credentials: { apiToken: { env: T8, default: sandbox-token-wh }, webhookSecret: { env: T9, default: "whsec_${createHash('sha256').update('wh').digest('base64')}" } } }
  - { id: shop, kind: channel, platform: shopify, baseUrl: "${sandbox}/shopify/shop",
      credentials: { accessToken: { env: T1, default: shpat_shop }, webhookSecret: { env: T2, default: sandbox-app-secret } } }
${extra}
skus:
  - { sku: MUG, listings: { shop: {} } }
  - { sku: CUP, listings: { shop: {} } }
`;
  writeFileSync(configFile, config(`${sandbox}/warehouse/wh`));
  writeFileSync(
    ghostFile,
    config(
      `${sandbox}/warehouse/wh`,
      `  - { id: ghost, kind: channel, platform: shopify, baseUrl: "${sandbox}/shopify/nowhere", credentials: { accessToken: { env: T3, default: shpat_x } } }`,
    ),
  );
  // The warehouse's API gone (a closed port): its reconciliation fails.
  writeFileSync(deadFile, config(`${sandbox}/warehouse/no-such-warehouse`));
});
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], file = configFile): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--config', file, ...args], { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

interface Run {
  connectionId: string;
  status: string;
  runId: number;
  checked: number;
  drifted: number;
  drift: { sku: string; believed: number; actual: number; units: number; direction: string; action: string; layer: string }[];
}

describe('stocksync reconcile', () => {
  it('exits 4 for a connection the config does not have', async () => {
    const r = await cli(['reconcile', '--connection', 'nope']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/error NOT_FOUND: no connection "nope"/);
  });

  it('exits 4 for a configured connection the database has never seen', async () => {
    const r = await cli(['reconcile', '--connection', 'ghost'], ghostFile);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/ghost .*not in the database/);
  });

  it('finds, corrects, prints and stores the drift of a manual warehouse adjustment no webhook reported', async () => {
    await eventually('the first warehouse poll', async () => (await ats(stack, 'MUG')) === 10);
    stack.instance('warehouse').control.adjust!('MUG', -3, 'cycle count');
    await new Promise((r) => setTimeout(r, 300));
    expect(await ats(stack, 'MUG')).toBe(10); // nobody told the engine

    const human = await cli(['reconcile', '--connection', 'wh']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/wh\s+warehouse\s+done\s+2\s+1\s+3/);
    expect(human.stdout).toMatch(/CONNECTION\s+LOCATION\s+SKU\s+BELIEVED\s+ACTUAL\s+UNITS\s+DIRECTION\s+ACTION\s+LAYER/);
    expect(human.stdout).toMatch(/wh\s+wh\/main\s+MUG\s+10\s+7\s+-3\s+down\s+corrected\s+polling/);
    // Progress on stderr: plain lines, stderr is not a terminal here.
    expect(human.stderr).toMatch(/reconciling wh\.\.\./);
    expect(human.stderr).toMatch(/wh: 2 checked/);
    expect(await ats(stack, 'MUG')).toBe(7);

    const { rows } = await stack.db.query(
      `SELECT r.trigger, r.status, d.sku, d.location, d.believed, d.actual, d.units, d.action FROM drift d JOIN reconciliations r ON r.id = d.reconciliation_id`,
    );
    expect(rows).toEqual([{ trigger: 'manual', status: 'done', sku: 'MUG', location: 'wh/main', believed: 10, actual: 7, units: -3, action: 'corrected' }]);

    // Every connection, warehouses first, as JSON; the warehouse's drift is gone now.
    const all = await cli(['reconcile', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const report = JSON.parse(all.stdout) as { ok: boolean; runs: Run[] };
    expect(report.ok).toBe(true);
    expect(report.runs.map((r) => [r.connectionId, r.status])).toEqual([
      ['wh', 'done'],
      ['shop', 'done'],
    ]);
    expect(report.runs[0]).toMatchObject({ checked: 2, drifted: 0, drift: [] });
    expect(report.runs[1]!.checked).toBe(2);
  });

  it("status --json shows each connection's last webhook, poll and reconciliation, pushes, throttling and quarantine", async () => {
    const r = await cli(['status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    const wh = s.connections.find((c: { id: string }) => c.id === 'wh');
    const shop = s.connections.find((c: { id: string }) => c.id === 'shop');
    expect(wh).toMatchObject({
      lastWebhookAt: null, // webhooks are off
      lastPollAt: expect.any(String),
      lastReconcileAt: expect.any(String),
      lastReconciliation: { trigger: 'manual', status: 'done', checked: 2, drifted: 0, error: null },
      throttledCalls: 0,
      quarantine: { records: 0, inboxEvents: 0, listings: 0 },
    });
    expect(shop).toMatchObject({ dirtyListings: expect.any(Number), pushes: { calls: expect.any(Number), listings: expect.any(Number) } });
    expect(shop.pushes.calls).toBeGreaterThan(0);
    expect(s.pushes.calls).toBe(shop.pushes.calls);
    expect(s.quarantine).toEqual({ records: 0, inboxEvents: 0, listings: 0 });
    const human = await cli(['status']);
    expect(human.stdout).toMatch(/wh\s+warehouse\s+shipbob\s+0\s+0\s+-\s+0\s+-\s+-\s+0\s+never\s+\d+s ago\s+\d+s ago, 0 drift/);
  });

  it('exits 1 when a reconciliation fails, after the others ran, and stores it as failed', async () => {
    const r = await cli(['reconcile', '--json'], deadFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error RECONCILE_FAILED: wh: /);
    const report = JSON.parse(r.stdout) as { ok: boolean; runs: Run[] };
    expect(report.ok).toBe(false);
    expect(report.runs.map((x) => [x.connectionId, x.status])).toEqual([
      ['wh', 'failed'],
      ['shop', 'done'],
    ]);
    const { rows } = await stack.db.query(`SELECT status, error FROM reconciliations WHERE connection_id = 'wh' ORDER BY id DESC LIMIT 1`);
    expect(rows[0].status).toBe('failed');
  });
});
