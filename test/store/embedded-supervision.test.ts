// Issue 14: the embedded PostgreSQL comes back after its postmaster dies (defect 6), never
// deletes a folder that is not a cluster (defect 9), has a password of its own per data
// folder, and says what to do when root runs it under a folder the postgres user cannot
// enter (defect 10).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/store/embedded.js';
import { StocksyncError } from '../../src/errors.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'stocksync-supervise-'));
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(root, `d${n++}`);

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/** A process that runs (a zombie waiting for its parent's wait() does not). */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

const postmasterPid = (dataDir: string) => Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (
    !(await Promise.resolve()
      .then(probe)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function refusal(p: Promise<unknown>): Promise<StocksyncError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StocksyncError);
  return e as StocksyncError;
}

describe('embedded PostgreSQL supervision (defect 6)', () => {
  it('starts a postmaster killed with SIGKILL again, with the data, on the same URL', async () => {
    const dataDir = freshDir();
    const events: string[] = [];
    const server = await startEmbeddedPostgres({ dataDir, port: 0, onEvent: (_level, message) => events.push(message) });
    try {
      await query(server.url, 'CREATE TABLE marks (n int); INSERT INTO marks VALUES (1)');
      for (let round = 1; round <= 2; round++) {
        process.kill(postmasterPid(dataDir), 'SIGKILL');
        await until('the supervisor to notice', () => server.health().state === 'restarting');
        await until('the server to come back', async () => (await query(server.url, 'SELECT count(*)::int AS n FROM marks')).rows[0].n === 1);
        await until('health up', () => server.health().state === 'up');
        expect(server.health()).toMatchObject({ state: 'up', restarts: round, lastExit: 'signal SIGKILL' });
      }
      expect(events.filter((m) => m === 'embedded PostgreSQL restarted')).toHaveLength(2);
    } finally {
      await server.stop();
    }
    expect(server.health().state).toBe('stopped');
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });
});

describe('a process arriving while the owner restarts its server', () => {
  it('waits for the owner and joins, instead of starting a second server beside its supervisor', async () => {
    const dataDir = freshDir();
    mkdirSync(dataDir, { recursive: true });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/embedded-child.ts', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += String(d);
          const m = /ready (\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
      });
      const killed = postmasterPid(dataDir);
      process.kill(killed, 'SIGKILL');
      // The signal lands asynchronously: arrive once the old postmaster is gone (a zombie
      // counts as gone), while its owner restarts it, not while it still answers.
      await until('the killed postmaster is gone', () => !running(killed), 10_000);
      const joined = await startEmbeddedPostgres({ dataDir, port: 0 });
      expect(joined.owned).toBe(false);
      expect(joined.url).toBe(url);
      expect(postmasterPid(dataDir)).not.toBe(killed); // the owner's restarted one
      expect((await query(joined.url, 'SELECT count(*)::int AS n FROM marks')).rows[0].n).toBe(1);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
  });
});

describe('embedded data folder (defect 9)', () => {
  it('refuses a non-empty pg/ without PG_VERSION and leaves every file in place', async () => {
    const dataDir = freshDir();
    mkdirSync(path.join(dataDir, 'pg', 'base'), { recursive: true });
    writeFileSync(path.join(dataDir, 'pg', 'orders-export.csv'), 'precious\n');
    const e = await refusal(startEmbeddedPostgres({ dataDir, port: 0 }));
    expect(e.code).toBe('DATA_DIR_NOT_CLUSTER');
    expect(e.message).toMatch(/no PG_VERSION; found: .*orders-export\.csv/);
    expect(e.message).toMatch(/never deletes it/);
    expect(readFileSync(path.join(dataDir, 'pg', 'orders-export.csv'), 'utf8')).toBe('precious\n');
    expect(existsSync(path.join(dataDir, 'pg', 'base'))).toBe(true);
  });

  it('initialises an empty pg/ folder', async () => {
    const dataDir = freshDir();
    mkdirSync(path.join(dataDir, 'pg'), { recursive: true });
    const server = await startEmbeddedPostgres({ dataDir, port: 0 });
    try {
      expect((await query(server.url, 'SELECT 1 AS one')).rows[0].one).toBe(1);
      expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

describe('embedded superuser password (defect 10)', () => {
  it('is generated per data folder, kept with mode 0600, reused after a restart, and the old fixed one is refused', async () => {
    const a = freshDir();
    const b = freshDir();
    const first = await startEmbeddedPostgres({ dataDir: a, port: 0 });
    const other = await startEmbeddedPostgres({ dataDir: b, port: 0 });
    const file = path.join(a, 'pg-password');
    const password = readFileSync(file, 'utf8').trim();
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(password.length).toBeGreaterThanOrEqual(24);
      expect(readFileSync(path.join(b, 'pg-password'), 'utf8').trim()).not.toBe(password);
      expect(decodeURIComponent(new URL(first.url).password)).toBe(password);
      await expect(query(withPassword(first.url, 'stocksync'), 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
    } finally {
      await first.stop();
      await other.stop();
    }
    const again = await startEmbeddedPostgres({ dataDir: a, port: 0 });
    try {
      expect(readFileSync(file, 'utf8').trim()).toBe(password);
      expect((await query(again.url, 'SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await again.stop();
    }
  });

  it('moves a data folder made with the former fixed password to a generated one', async () => {
    const dataDir = freshDir();
    const made = await startEmbeddedPostgres({ dataDir, port: 0 });
    // What a data folder of an earlier version looks like: the fixed password, no file.
    await query(made.url, `ALTER ROLE postgres PASSWORD 'stocksync'`);
    await made.stop();
    rmSync(path.join(dataDir, 'pg-password'));
    const events: string[] = [];
    const server = await startEmbeddedPostgres({ dataDir, port: 0, onEvent: (_l, m) => events.push(m) });
    try {
      const password = readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
      expect(password).not.toBe('stocksync');
      expect((await query(server.url, 'SELECT 1 AS one')).rows[0].one).toBe(1);
      await expect(query(withPassword(server.url, 'stocksync'), 'SELECT 1')).rejects.toMatchObject({ code: '28P01' });
      expect(events.some((m) => /former fixed password/.test(m))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});

describe('embedded PostgreSQL as root (defect 10)', () => {
  const isRoot = process.getuid?.() === 0;
  it.skipIf(!isRoot)('refuses a data folder under a 0700 folder, naming the folder and what to do, without running initdb', async () => {
    const closed = mkdtempSync(path.join(os.tmpdir(), 'stocksync-closed-')); // mode 0700, owned by root
    try {
      const dataDir = path.join(closed, 'app', 'data');
      const e = await refusal(startEmbeddedPostgres({ dataDir, port: 0 }));
      expect(e.code).toBe('DATA_DIR_UNREACHABLE');
      expect(e.message).toContain(`cannot enter ${closed} (mode 0700`);
      expect(e.message).toMatch(/database\.dataDir/);
      expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
    } finally {
      rmSync(closed, { recursive: true, force: true });
    }
  });
});
