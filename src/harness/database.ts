// The PostgreSQL server a simulation or a benchmark creates its scratch databases on:
// DATABASE_URL's server when set, else a fresh embedded PostgreSQL in a temporary folder,
// removed again by stop(). The simulation's chaos restarts it through restart().
import { execFile } from 'node:child_process';
import { mkdtempSync, chmodSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEmbeddedPostgres, type EmbeddedServer } from '../store/embedded.js';
import { recreateDatabase } from '../store/open.js';

const run = promisify(execFile);

export type RestartOutcome = { restarted: true; downMs: number } | { restarted: false; reason: string };

export interface ScratchServer {
  adminUrl: string;
  kind: 'embedded' | 'DATABASE_URL';
  /** An empty database of this name (dropped first if it exists); returns its URL. */
  createDatabase(name: string): Promise<string>;
  /**
   * Stops the server and starts it again on the same data and port: the embedded one
   * itself; DATABASE_URL's through `pg_ctlcluster` when it is a local cluster of this
   * machine, else skipped with the reason.
   */
  restart(): Promise<RestartOutcome>;
  stop(): Promise<void>;
}

export async function scratchServer(): Promise<ScratchServer> {
  const external = process.env.DATABASE_URL;
  if (external) {
    return {
      adminUrl: external,
      kind: 'DATABASE_URL',
      createDatabase: (name) => recreateDatabase(external, name),
      restart: () => restartLocalCluster(external),
      stop: async () => {},
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-scratch-'));
  chmodSync(dir, 0o755); // the postgres user must reach the cluster folder
  let server: EmbeddedServer | undefined = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
  const port = server.port;
  const adminUrl = server.url;
  // A process ended by a signal or process.exit() never reaches stop(): its server must not
  // outlive it (a fast shutdown, asked for synchronously, as 'exit' handlers must).
  const stopAtExit = () => stopPostmasterOf(dir);
  process.on('exit', stopAtExit);
  return {
    adminUrl,
    kind: 'embedded',
    createDatabase: (name) => recreateDatabase(adminUrl, name),
    async restart() {
      const started = Date.now();
      await server?.stop();
      server = undefined;
      server = await startEmbeddedPostgres({ dataDir: dir, port });
      return { restarted: true, downMs: Date.now() - started };
    },
    async stop() {
      process.removeListener('exit', stopAtExit);
      await server?.stop();
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SIGINT (fast shutdown) to the postmaster of the cluster in `dir`, if one runs. */
function stopPostmasterOf(dir: string): void {
  try {
    const pid = Number(readFileSync(path.join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGINT');
  } catch {
    // no cluster running there
  }
}

/** `pg_ctlcluster VERSION NAME restart` for the local cluster listening on the URL's port. */
async function restartLocalCluster(url: string): Promise<RestartOutcome> {
  const { hostname, port } = new URL(url);
  if (!['localhost', '127.0.0.1', '::1', '[::1]'].includes(hostname)) return { restarted: false, reason: `${hostname} is not this machine` };
  let clusters: string;
  try {
    clusters = (await run('pg_lsclusters', ['--no-header'])).stdout;
  } catch {
    return { restarted: false, reason: 'pg_lsclusters is not available (not a Debian cluster)' };
  }
  // "15  main    5432 online postgres /var/lib/postgresql/15/main ..."
  const cluster = clusters
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((f) => f[2] === (port || '5432'));
  if (!cluster) return { restarted: false, reason: `no local cluster listens on port ${port || '5432'}` };
  const started = Date.now();
  try {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster[0]!, cluster[1]!, 'restart'], { timeout: 120_000 });
  } catch (e) {
    return { restarted: false, reason: `pg_ctlcluster ${cluster[0]} ${cluster[1]} restart failed: ${(e as Error).message}` };
  }
  return { restarted: true, downMs: Date.now() - started };
}
