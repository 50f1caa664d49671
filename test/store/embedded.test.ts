// The embedded PostgreSQL keeps data across restarts, starts cleanly after its owner was
// killed with SIGKILL, and lets a second process join a running server.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/store/embedded.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-embedded-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function startChild(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/embedded-child.ts', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /ready (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code} before it was ready`)));
  });
}

async function marks(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query('SELECT count(*)::int AS n FROM marks');
  await c.end();
  return rows[0].n;
}

const postmasterPid = () => Number(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
// A killed orphan may linger as a zombie when nothing reaps it: that counts as gone.
const alive = (pid: number) => {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('embedded PostgreSQL', () => {
  it('a second process joins the running server and never stops it', async () => {
    const { child, url } = await startChild();
    const joined = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
    expect(joined.owned).toBe(false);
    expect(joined.url).toBe(url);
    await joined.stop();
    expect(await marks(url)).toBe(1); // still serving
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(path.join(dir, 'pg', 'postmaster.pid'))).toBe(false);
  });

  it('starts cleanly after its owner was killed with SIGKILL, keeping the data', async () => {
    const { child } = await startChild();
    const orphan = postmasterPid();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(alive(orphan)).toBe(true); // the postgres child outlives its owner
    const server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
    expect(server.owned).toBe(true);
    expect(alive(orphan)).toBe(false);
    expect(await marks(server.url)).toBe(2);
    await server.stop();
  });

  it('starts after both the owner and postgres were killed (stale pid file)', async () => {
    const { child } = await startChild();
    const pm = postmasterPid();
    child.kill('SIGKILL');
    process.kill(pm, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    while (alive(pm)) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(path.join(dir, 'pg', 'postmaster.pid'))).toBe(true);
    const server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
    expect(await marks(server.url)).toBe(3);
    await server.stop();
  });
});
