// `stocksync start` on its embedded PostgreSQL, as an operator meets the bad day (issue 14):
// the postmaster killed under it comes back and `status` says so (defect 6); a data folder
// that is not a cluster is refused by every command, read-only ones included, and left as
// it is (defect 9).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { writeEngineConfig } from '../helpers/engine-config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-restarts-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Always the embedded server: these tests are about the one the engine owns.
const env: Record<string, string> = { PATH: process.env.PATH ?? '', STOCKSYNC_LOG_FORMAT: 'json' };

const writeConfig = (name: string, dataDir: string) => writeEngineConfig(dir, name, dataDir);

function cli(config: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--config', config, ...args], { cwd: ROOT, env, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe('stocksync start on its embedded PostgreSQL', () => {
  it('starts a killed postmaster again; /healthz and status report it, and SIGTERM still exits 0', async () => {
    const dataDir = path.join(dir, 'data');
    const { file, port } = await writeConfig('engine', dataDir);
    const engine = spawn(process.execPath, [BIN, '--config', file, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    engine.stderr!.on('data', (d) => (log += String(d)));
    try {
      const healthz = async () => {
        const res = await fetch(`http://127.0.0.1:${port}/healthz`);
        return { status: res.status, body: (await res.json()) as { parts: Record<string, { ok: boolean; restarts?: number }> } };
      };
      await until('healthy', async () => ((await healthz()).status === 200 ? true : undefined));
      const before = await cli(file, ['status', '--json']);
      expect(before.code).toBe(0);
      expect(JSON.parse(before.stdout)).toMatchObject({
        database: { ok: true },
        engine: { reachable: true, ok: true, down: [], parts: { database: { ok: true }, listener: { ok: true }, embeddedPostgres: { ok: true, restarts: 0 } } },
      });
      expect((await cli(file, ['status'])).stdout).toMatch(/engine\s+ok \(database up, listener up, embeddedPostgres up\)/);

      const postmaster = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
      process.kill(postmaster, 'SIGKILL');
      const back = await until('restarted and healthy', async () => {
        const h = await healthz();
        return h.status === 200 && h.body.parts.embeddedPostgres?.restarts === 1 ? h : undefined;
      });
      expect(back.body.parts.listener).toMatchObject({ ok: true });
      expect(log).toMatch(/embedded PostgreSQL stopped unexpectedly; restarting it/);
      expect(log).toMatch(/embedded PostgreSQL restarted/);
      const after = await cli(file, ['status', '--json']);
      expect(after.code).toBe(0);
      expect(JSON.parse(after.stdout)).toMatchObject({ skus: 1, engine: { ok: true, parts: { embeddedPostgres: { restarts: 1 } } } });
    } finally {
      engine.kill('SIGTERM');
    }
    expect(await exited(engine)).toBe(0);
    expect(log).not.toMatch(/database system is shutting down/);
  });

  it('status says the engine is not running when nothing answers on its port', async () => {
    const { file } = await writeConfig('alone', path.join(dir, 'alone'));
    const r = await cli(file, ['status', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).engine).toMatchObject({ reachable: false, error: 'not running (connection refused)' });
  });
});

describe('status with the database down', () => {
  it('still prints the database and engine parts, then fails with exit 3', async () => {
    const { file } = await writeEngineConfig(dir, 'db-down', path.join(dir, 'unused'), 't', 'postgres://u:p@127.0.0.1:9/x');
    const r = await cli(file, ['status', '--json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ database: { ok: false, error: expect.stringMatching(/ECONNREFUSED/) }, engine: { reachable: false } });
    const human = await cli(file, ['status']);
    expect(human.stdout).toMatch(/^database\s+DOWN \(cannot use PostgreSQL at .*ECONNREFUSED/m);
    expect(human.stdout).toMatch(/^engine\s+http:\/\/127\.0\.0\.1:\d+\/healthz: not running/m);
  });
});

describe('a data folder that is not a PostgreSQL cluster', () => {
  it('is refused by status and migrate (exit 2, the reason on stderr) and left untouched', async () => {
    const dataDir = path.join(dir, 'not-a-cluster');
    mkdirSync(path.join(dataDir, 'pg'), { recursive: true });
    writeFileSync(path.join(dataDir, 'pg', 'notes.txt'), 'keep me\n');
    const { file } = await writeConfig('refused', dataDir);
    for (const command of ['status', 'migrate']) {
      const r = await cli(file, [command]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/not empty but holds no PostgreSQL cluster \(no PG_VERSION; found: notes\.txt\)/);
      expect(readFileSync(path.join(dataDir, 'pg', 'notes.txt'), 'utf8')).toBe('keep me\n');
      expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(false);
    }
  });
});
