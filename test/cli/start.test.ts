// `stocksync start`, `status`, `sku` and `migrate` as an operator runs them: child
// processes on a real database, graceful shutdown on SIGTERM, clean restart after SIGKILL.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { freePort } from '../../src/store/embedded.js';
import { withDatabaseName } from '../helpers/db.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-start-'));
chmodSync(dir, 0o755);
const env: Record<string, string> = { PATH: process.env.PATH ?? '', STOCKSYNC_LOG_FORMAT: 'json' };
let configFile = '';
let port = 0;

beforeAll(async () => {
  // On a DATABASE_URL run, the engine gets its own database there; else its own embedded one.
  if (process.env.DATABASE_URL) {
    const name = `stocksync_cli_${process.pid}`;
    const admin = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    env.DATABASE_URL = withDatabaseName(inject('adminDatabaseUrl'), name);
  }
  port = await freePort();
  configFile = path.join(dir, 'stocksync.yaml');
  writeFileSync(
    configFile,
    `
demo: true
server: { port: ${port}, host: 127.0.0.1 }
database: { url: { env: DATABASE_URL, optional: true }, dataDir: ${dir}/data, embeddedPort: ${await freePort()} }
connections:
  - { id: wh, kind: warehouse, platform: warehouse, baseUrl: "http://127.0.0.1:9/warehouse/x", credentials: { apiToken: { env: WH_TOKEN, default: t } } }
  - { id: shop, kind: channel, platform: shopify, baseUrl: "http://127.0.0.1:9/shopify/x", credentials: { accessToken: { env: SHOP_TOKEN, default: t } }, buffer: { maxCap: 5 } }
skus:
  - { sku: MUG, name: Blue mug, listings: { shop: {} } }
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--config', configFile, ...args], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

async function startEngine(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, '--config', configFile, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`start exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return child;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('start did not become healthy');
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe('stocksync start', () => {
  it('serves /healthz, answers status and sku beside it, and stops on SIGTERM with exit 0', async () => {
    const engine = await startEngine();
    const status = await cli(['status', '--json']);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout);
    // Never pushed yet, so dirty until the dispatcher pushes its target.
    expect(report).toMatchObject({ skus: 1, listings: 1, dirtyListings: 1 });
    expect(report.connections.map((c: { id: string }) => c.id).sort()).toEqual(['shop', 'wh']);
    // adaptive buffers' measurements: lowering latency per connection (none yet), partitioned listings
    expect(report.connections.find((c: { id: string }) => c.id === 'shop')).toMatchObject({ loweringLatencyMs: null, partitionedListings: expect.any(Number) });
    const human = await cli(['status']);
    expect(human.stdout).toMatch(/shop\s+channel\s+shopify\s+1/);
    expect(human.stdout).toMatch(/PARTITIONED .* LOWERING P50\/P95\/P99/);
    const sku = await cli(['sku', 'MUG']);
    expect(sku.code).toBe(0);
    expect(sku.stdout).toMatch(/ATS 0/);
    expect(sku.stdout).toMatch(/shop\s+shopify\s+0/);
    expect(sku.stdout).toMatch(/SALES\/H\s+BUFFER/);
    expect((await cli(['sku', 'NOPE'])).code).toBe(4);
    engine.kill('SIGTERM');
    expect(await exited(engine)).toBe(0);
  });

  it('starts again cleanly after being killed with SIGKILL', async () => {
    const first = await startEngine();
    first.kill('SIGKILL');
    await exited(first);
    const second = await startEngine();
    expect((await cli(['migrate'])).stdout).toMatch(/up to date/);
    second.kill('SIGINT');
    expect(await exited(second)).toBe(0);
  });

  it('refuses a bad --port with a usage error', async () => {
    const r = await cli(['start', '--port', '70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port/);
  });
});
