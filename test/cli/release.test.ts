// `stocksync release` as a child process on a test database: quarantined listings back
// into dispatch, marked to be pushed again, and printed (issue 14, defect 1).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelId, loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-release-'));
const configFile = path.join(dir, 'stocksync.yaml');
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 2, skus: [{ sku: 'A' }, { sku: 'B' }] });
  await t.db.query(`UPDATE listings SET target = 4, pushed = 4`);
  await t.db.query(`UPDATE listings SET quarantined_reason = 'REJECTED: listing suppressed', quarantined_at = now() WHERE sku = 'A' OR connection_id = $1`, [
    channelId(1),
  ]);
  writeFileSync(configFile, `demo: true\ndatabase: { url: { env: RELEASE_DATABASE_URL } }\n`);
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', RELEASE_DATABASE_URL: t.url };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--config', configFile, ...args], { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const quarantined = async () =>
  (await t.db.query(`SELECT connection_id || '/' || sku AS l FROM listings WHERE quarantined_reason IS NOT NULL ORDER BY 1`)).rows.map((r) => r.l as string);

describe('stocksync release', () => {
  it('asks which listings: without --connection, --sku or --all it releases nothing (exit 2)', async () => {
    const r = await cli(['release']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error INPUT_INVALID: --connection, --sku or --all/);
    expect(await quarantined()).toEqual(['ch1/A', 'ch2/A', 'ch2/B']);
  });

  it('releases by connection and SKU, prints what it released, and marks them to be pushed again', async () => {
    const r = await cli(['release', '--connection', channelId(1), '--sku', 'B']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/released 1 listing \(pushed again by the dispatcher\)/);
    expect(r.stdout).toMatch(/ch2\s+B\s+REJECTED: listing suppressed/);
    expect(await quarantined()).toEqual(['ch1/A', 'ch2/A']);
    const { rows } = await t.db.query(`SELECT dirty FROM listings WHERE connection_id = $1 AND sku = 'B'`, [channelId(1)]);
    expect(rows).toEqual([{ dirty: true }]); // pushed = target, yet pushed again: the channel's count is not known
  });

  it('--all releases the rest; --json lists them', async () => {
    const r = await cli(['release', '--all', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).released.map((x: { connectionId: string; sku: string }) => `${x.connectionId}/${x.sku}`)).toEqual(['ch1/A', 'ch2/A']);
    expect(await quarantined()).toEqual([]);
    expect((await cli(['release', '--all'])).stdout).toBe('no quarantined listings matched\n');
  });
});
