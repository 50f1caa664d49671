// `stocksync demo` (npm start) as a user runs it: a child process with the sandbox, the
// engine and shoppers; `status --json` from a second process beside it; SIGTERM exits 0.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { freePort } from '../../src/store/embedded.js';
import { withDatabaseName } from '../helpers/db.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-demo-'));
chmodSync(dir, 0o755);
const dataDir = path.join(dir, 'data');
const env: Record<string, string> = { PATH: process.env.PATH ?? '', STOCKSYNC_LOG_FORMAT: 'json' };
let demo: ChildProcess | undefined;
let stderr = '';

beforeAll(async () => {
  // On a DATABASE_URL run the demo gets its own database there (it empties it); else its own embedded one.
  if (process.env.DATABASE_URL) {
    const name = `stocksync_demo_${process.pid}`;
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    env.DATABASE_URL = withDatabaseName(inject('adminDatabaseUrl'), name);
  }
});
afterAll(async () => {
  // A failed test still stops the demo, so its embedded PostgreSQL stops with it.
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    const timer = setTimeout(() => demo?.kill('SIGKILL'), 20_000);
    await exited(demo);
    clearTimeout(timer);
  }
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (demo?.exitCode !== null) throw new Error(`demo exited with ${demo?.exitCode}: ${stderr.slice(-2000)}`);
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface StatusJson {
  orders: number;
  pushes: { calls: number; listings: number };
  quarantine: { records: number; inboxEvents: number; listings: number };
  connections: {
    id: string;
    kind: string;
    lastWebhookAt: string | null;
    lastPollAt: string | null;
    lastReconcileAt: string | null;
    lastReconciliation: unknown;
    dirtyListings: number;
    pushes: { calls: number; listings: number };
    throttledCalls: number;
    quarantine: { records: number; inboxEvents: number; listings: number };
  }[];
}

describe('stocksync demo', () => {
  it('runs the sandbox, engine and shoppers; status beside it shows orders and pushes; SIGTERM exits 0', async () => {
    const [sandboxPort, enginePort, dbPort] = [await freePort(), await freePort(), await freePort()];
    let stdout = '';
    demo = spawn(
      process.execPath,
      [
        BIN,
        'demo',
        '--port',
        String(sandboxPort),
        '--engine-port',
        String(enginePort),
        '--db-port',
        String(dbPort),
        '--data-dir',
        dataDir,
        '--rate',
        '5',
        '--summary-every',
        '2s',
        '--first-reconcile',
        '0',
      ],
      { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    demo.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    demo.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));

    await until('/healthz', async () => ((await fetch(`http://127.0.0.1:${enginePort}/healthz`)).ok ? true : undefined), 60_000);
    const configFile = path.join(dataDir, 'demo.yaml');
    expect(existsSync(configFile)).toBe(true);
    // The demo tells the user the exact status command.
    await until('the banner', async () => (stdout.includes('status') ? true : undefined), 10_000);
    expect(stdout).toContain(`--config ${path.relative(ROOT, configFile)} status`);
    // The dashboard's address and the demo's token, which opens the admin API behind it.
    expect(stdout).toContain(`dashboard http://127.0.0.1:${enginePort}/`);
    const token = /admin token: (\S+), for the demo only/.exec(stdout)?.[1];
    expect(token).toBeDefined();
    expect((await fetch(`http://127.0.0.1:${enginePort}/`)).status).toBe(200); // npm ci built dist/web
    expect((await fetch(`http://127.0.0.1:${enginePort}/api/v1/overview`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const report = await until(
      'orders and pushes',
      async () => {
        const r = await cli(['--config', configFile, 'status', '--json']);
        if (r.code !== 0) return undefined;
        const s = JSON.parse(r.stdout) as StatusJson;
        return s.orders > 0 && s.pushes.calls > 0 ? s : undefined;
      },
      60_000,
    ); // shoppers start on each channel once its first sync is done
    expect(report.connections.map((c) => c.id).sort()).toEqual(['amazon-us', 'shop-main', 'wh-main', 'woo-main']);
    for (const c of report.connections) {
      expect(c).toHaveProperty('lastWebhookAt');
      expect(c).toHaveProperty('lastPollAt');
      expect(c).toHaveProperty('lastReconciliation');
      expect(c.pushes).toEqual({ calls: expect.any(Number), listings: expect.any(Number) });
      expect(typeof c.throttledCalls).toBe('number');
      expect(c.quarantine).toEqual({ records: expect.any(Number), inboxEvents: expect.any(Number), listings: expect.any(Number) });
    }
    // Orders arrive by webhook.
    expect(report.connections.some((c) => c.kind === 'channel' && c.lastWebhookAt !== null)).toBe(true);
    expect(report.quarantine).toEqual({ records: 0, inboxEvents: 0, listings: 0 });

    const human = await cli(['--config', configFile, 'status']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/LAST WEBHOOK/);
    expect(human.stdout).toMatch(/pushes\s+\d+ calls/);

    // Amazon's shoppers start too, once its first sync is done (before, they waited for a
    // moment without a dirty Amazon listing, which never came at Amazon's rate).
    await until('Amazon shoppers', async () => (/"channel":"amazon\/[^"]*"[^\n]*"msg":"shopper bought"/.test(stderr) ? true : undefined), 120_000);
    expect(stderr).toMatch(/"connection":"amazon-us"[^\n]*"msg":"first sync done/);
    // Amazon's notifications come from the sandbox seller's SQS queue (no HTTP relay is subscribed).
    expect(stderr).toMatch(/"connection":"amazon-us"[^\n]*"msg":"consuming Amazon notifications from SQS"/);
    await until(
      'an Amazon notification through SQS',
      async () => {
        const r = await cli(['--config', configFile, 'status', '--json']);
        const amazon = r.code === 0 ? (JSON.parse(r.stdout) as StatusJson).connections.find((c) => c.id === 'amazon-us') : undefined;
        return amazon?.lastWebhookAt ? true : undefined;
      },
      30_000,
    );

    demo.kill('SIGTERM');
    expect(await exited(demo)).toBe(0);
    // The log told the story: shoppers' orders, pushes, the summary line.
    expect(stderr).toMatch(/"msg":"shopper bought"/);
    expect(stderr).toMatch(/"msg":"pushed"/);
    expect(stderr).toMatch(/"msg":"summary"/);
  }, 240_000);
});
