// `stocksync feed status | confirm | discard` as a child process on a test database: a
// held stock file of a csv-feed warehouse is listed, confirmed (applied as held), and a
// second decision finds nothing to decide. And `stocksync start` with a csv-feed warehouse
// in its config: the engine polls the folder, applies a file through the warehouse path (a
// manual channel's target follows), holds a truncated one, and `stocksync status` says so.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from '../../src/connectors/csv-feed/index.js';
import { ingestFeed } from '../../src/engine/feed/ingest-feed.js';
import { loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { freePort } from '../../src/store/embedded.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-feed-'));
const feedDir = path.join(dir, 'files');
const configFile = path.join(dir, 'stocksync.yaml');
let t: TestDatabase;

async function fileAt(name: string, text: string, hoursAgo: number) {
  const at = new Date(Date.now() - hoursAgo * 3_600_000);
  writeFileSync(path.join(feedDir, name), text);
  utimesSync(path.join(feedDir, name), at, at);
  const feed = create({ connectionId: 'wh', baseUrl: '', credentials: {}, options: { source: `file://${feedDir}`, columns: { sku: 'sku', quantity: 'qty' } } });
  return ingestFeed({ db: t.db, log: pino({ level: 'silent' }), connectionId: 'wh', feed: feed.fileFeed! });
}

beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 1, skus: [{ sku: 'A' }, { sku: 'B' }] });
  mkdirSync(feedDir);
  writeFileSync(configFile, `demo: true\ndatabase: { url: { env: FEED_DATABASE_URL } }\n`);
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', FEED_DATABASE_URL: t.url };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--config', configFile, ...args], { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('stocksync feed', () => {
  it('lists the files, confirms the held one, and says when there is none', async () => {
    await fileAt('s1.csv', 'sku,qty\nA,5\nB,4\n', 3);
    expect(await fileAt('s2.csv', 'sku,qty\nA,5\n', 2)).toMatchObject({ outcome: 'held' });

    const status = await cli(['feed', 'status', 'wh']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/wh\s+s2\.csv\s+\S+\s+held\s+1\s+0\s+1\/2/);
    expect(status.stdout).toMatch(/wh\s+s1\.csv\s+\S+\s+applied\s+2\s+0/);

    const confirm = await cli(['feed', 'confirm', 'wh']);
    expect(confirm.stdout).toMatch(/^applied s2\.csv \(taken \S+\): 1 level\(s\) changed/);
    const { rows } = await t.db.query(`SELECT sku, available FROM stock_levels ORDER BY sku`);
    expect(rows.map((r) => `${r.sku}=${r.available}`)).toEqual(['A=5', 'B=0']);

    const again = await cli(['feed', 'discard', 'wh']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/error NOT_FOUND: connection wh has no held stock file/);
  });
});

describe('stocksync start with a csv-feed warehouse', () => {
  // Its own database, migrated and filled by the engine from this config.
  let e: TestDatabase;
  let port = 0;
  const startDir = path.join(dir, 'start');
  const startFeedDir = path.join(startDir, 'files');
  const startConfig = path.join(startDir, 'stocksync.yaml');
  const env = () => ({ PATH: process.env.PATH ?? '', FEED_DATABASE_URL: e.url, STOCKSYNC_LOG_FORMAT: 'json' });
  beforeAll(async () => {
    e = await createTestDatabase({ migrate: false });
    mkdirSync(startFeedDir, { recursive: true });
    port = await freePort();
    writeFileSync(
      startConfig,
      `
demo: true
server: { port: ${port}, host: 127.0.0.1 }
database: { url: { env: FEED_DATABASE_URL } }
connections:
  - id: supplier
    kind: warehouse
    platform: csv-feed
    pollInterval: 1s
    options: { source: "file://${startFeedDir}", columns: { sku: Item, quantity: Qty }, delimiter: ";" }
  - { id: wholesale, kind: channel, platform: manual }
skus:
  - { sku: MUG, listings: { wholesale: {} } }
  - { sku: CUP, listings: { wholesale: {} } }
`,
    );
  });
  afterAll(async () => e.drop());

  function write(name: string, text: string, hoursAgo: number): void {
    const at = new Date(Date.now() - hoursAgo * 3_600_000);
    writeFileSync(path.join(startFeedDir, name), text);
    utimesSync(path.join(startFeedDir, name), at, at);
  }

  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await read().catch(() => undefined as T);
      if (ok(v) || Date.now() > deadline) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('applies the folder newest file, holds a truncated one, and status lists it', async () => {
    write('stock-1.csv', 'Item;Qty\nMUG;7\nCUP;3\n', 2);
    const engine: ChildProcess = spawn(process.execPath, [BIN, '--config', startConfig, 'start'], {
      cwd: ROOT,
      env: env(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    engine.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    try {
      const targets = () =>
        e.db.query<{ sku: string; target: number }>(`SELECT sku, target FROM listings ORDER BY sku`).then((r) => r.rows.map((x) => `${x.sku}=${x.target}`));
      expect(await until(targets, (v) => v?.join() === 'CUP=3,MUG=7'), stderr).toEqual(['CUP=3', 'MUG=7']);

      write('stock-2.csv', 'Item;Qty\nMUG;7\n', 1); // CUP missing: 1 of 2 in stock would go to zero
      const held = () => e.db.query(`SELECT name FROM feed_files WHERE status = 'held'`).then((r) => r.rows.map((x) => x.name as string));
      expect(await until(held, (v) => v?.length === 1)).toEqual(['stock-2.csv']);
      expect(await targets()).toEqual(['CUP=3', 'MUG=7']);

      const status = await new Promise<string>((resolve) =>
        execFile(process.execPath, [BIN, '--config', startConfig, 'status'], { cwd: ROOT, env: env(), timeout: 30_000 }, (_e, out) => resolve(out)),
      );
      expect(status).toMatch(/held stock files .*\n {2}supplier: stock-2\.csv, taken \S+ \(\d+m ago\): would take 1 of the 2 SKUs in stock here to zero/);
    } finally {
      engine.kill('SIGTERM');
      await new Promise((r) => (engine.exitCode !== null ? r(null) : engine.once('exit', r)));
    }
  });
});
