// `stocksync prune` as a child process on a test database: the config's `retention:`
// applied now, what it deleted and what the tables weigh printed.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-prune-'));
const configFile = path.join(dir, 'stocksync.yaml');
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db);
  await t.db.query(
    `INSERT INTO quarantine (source, reason, created_at) VALUES ('webhook', 'two days old', now() - interval '2 days'), ('webhook', 'an hour old', now() - interval '1 hour')`,
  );
  writeFileSync(configFile, `demo: true\ndatabase: { url: { env: PRUNE_DATABASE_URL } }\nretention: { quarantine: 1d }\n`);
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', PRUNE_DATABASE_URL: t.url };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--config', configFile, ...args], { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

describe('stocksync prune', () => {
  it('deletes what the configured retention no longer keeps and says what the database weighs', async () => {
    const r = await cli(['prune', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { pruned: Record<string, number>; storage: { database: number; tables: Record<string, number> } };
    expect(out.pruned).toMatchObject({ quarantine: 1, inbox: 0 });
    expect(out.storage.database).toBeGreaterThan(0);
    expect((await t.db.query(`SELECT reason FROM quarantine`)).rows).toEqual([{ reason: 'an hour old' }]);
    const text = await cli(['prune']);
    expect(text.stdout).toMatch(/quarantine\s+0/);
    expect(text.stdout).toMatch(/database size: [\d.]+ MB/);
  });
});
