// Issue 14, defect 8: Ctrl-C (SIGINT to the whole process group, as a terminal sends it)
// or SIGTERM while webhooks stream in. The engine stops accepting, answers what it took,
// stops its workers, and only then lets PostgreSQL go: every webhook is either answered
// 2xx and stored, or refused at the connection, never a 503 "webhook not stored".
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/store/embedded.js';
import { writeEngineConfig } from '../helpers/engine-config.js';
import { databaseUrl } from '../../src/store/open.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-shutdown-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'shutdown-test-secret';
const env: Record<string, string> = { PATH: process.env.PATH ?? '', STOCKSYNC_LOG_FORMAT: 'json' };

async function config(name: string): Promise<{ file: string; port: number; dataDir: string }> {
  const dataDir = path.join(dir, name);
  return { ...(await writeEngineConfig(dir, name, dataDir, SECRET)), dataDir };
}

type Outcome = { id: string; status: number; body: string } | { id: string; refused: string };

/** Signed Shopify webhooks (a topic the engine stores and ignores), from `senders` loops until `until` resolves. */
async function stream(port: number, senders: number, until: Promise<unknown>): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let done = false;
  void until.then(() => (done = true));
  let n = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (!done) {
        const id = `evt-${n++}`;
        const body = JSON.stringify({ id, note: 'shutdown test' });
        try {
          const res = await fetch(`http://127.0.0.1:${port}/webhooks/shop`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-shopify-topic': 'app/uninstalled',
              'x-shopify-event-id': id,
              'x-shopify-hmac-sha256': createHmac('sha256', SECRET).update(body).digest('base64'),
            },
            body,
          });
          outcomes.push({ id, status: res.status, body: await res.text() });
        } catch (e) {
          outcomes.push({ id, refused: String((e as { cause?: { code?: string } }).cause?.code ?? e) });
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }),
  );
  return outcomes;
}

async function storedEventIds(dataDir: string): Promise<Set<string>> {
  const server = await startEmbeddedPostgres({ dataDir, port: 0 });
  try {
    const c = new pg.Client({ connectionString: databaseUrl(server.url, 'stocksync') });
    await c.connect();
    const { rows } = await c.query(`SELECT event_id FROM inbox WHERE connection_id = 'shop'`);
    await c.end();
    return new Set(rows.map((r: { event_id: string }) => r.event_id));
  } finally {
    await server.stop();
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

describe.each([
  ['Ctrl-C to the process group', 'SIGINT', true],
  ['SIGTERM to the engine', 'SIGTERM', false],
] as const)('shutdown under a webhook stream: %s', (_name, signal, group) => {
  it('answers 2xx only for stored webhooks, refuses the rest at the connection, and stops the database last', async () => {
    const { file, port, dataDir } = await config(`${signal}-${group}`);
    // Its own process group, as a command started from a terminal has.
    const engine = spawn(process.execPath, [BIN, '--config', file, 'start'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let log = '';
    engine.stderr!.on('data', (d) => (log += String(d)));
    const deadline = Date.now() + 60_000;
    while (
      !(await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline || engine.exitCode !== null) throw new Error(`engine did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const exit = exited(engine);
    const sending = stream(
      port,
      16,
      exit.then(() => new Promise((r) => setTimeout(r, 300))),
    );
    await new Promise((r) => setTimeout(r, 1_500));
    process.kill(group ? -engine.pid! : engine.pid!, signal);
    expect(await exit).toBe(0);
    const outcomes = await sending;

    const answered = outcomes.filter((o): o is Extract<Outcome, { status: number }> => 'status' in o);
    const ok = answered.filter((o) => o.status >= 200 && o.status < 300);
    expect(ok.length).toBeGreaterThan(50);
    expect(answered.filter((o) => o.status >= 300)).toEqual([]);
    expect(outcomes.filter((o) => 'refused' in o).length).toBeGreaterThan(0); // the stream outlived the listener
    const stored = await storedEventIds(dataDir);
    expect(ok.filter((o) => !stored.has(o.id)).map((o) => o.id)).toEqual([]);
    expect(log).not.toMatch(/webhook not stored/);
    expect(log).not.toMatch(/database system is shutting down/);
    expect(log).not.toMatch(/terminating connection due to administrator command/);
  });
});
