// `stocksync feed status | confirm | discard` as a child process on a test database: a
// held stock file of a csv-feed warehouse is listed, shown by `stocksync status`, confirmed
// (applied as held), and a second decision finds nothing to decide.
import { execFile } from 'node:child_process';
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
