// Several engines as an operator runs them: each a real child process running
// `stocksync start` on one generated config and one PostgreSQL, on its own fixed loopback
// port (so a restarted engine answers where the balancer expects it). The simulation's
// chaos kills, stops, pauses and restarts them through here. Every child this module
// starts is killed when the process that started it exits, whatever the path: stop(), an
// exception, process.exit() or a SIGINT/SIGTERM/SIGHUP (a SIGKILL of the parent cannot be
// caught: its engines then run on until killed).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StocksyncError } from '../errors.js';
import { freePort } from '../store/embedded.js';

export interface FleetOptions {
  count: number;
  /** The engines' config (YAML), written once into `dir`. */
  configYaml: string;
  /** Environment of the children besides PATH (the database URL the config refers to). */
  env: Record<string, string>;
  /** Where the config and each engine's log (engine-<i>.log, appended across restarts) go. */
  dir: string;
  /** STOCKSYNC_LOG_LEVEL of the children (default warn). */
  logLevel?: string;
  /** Real ms an engine has to answer /healthz after a start (default 90 s: tsx compiles on a busy machine). */
  startTimeoutMs?: number;
}

export type EngineState = 'up' | 'down' | 'paused' | 'starting';

export interface EngineExit {
  engine: number;
  pid: number;
  at: number;
  code: number | null;
  signal: string | null;
}

export interface EngineFleet {
  readonly count: number;
  /** The engines' base URLs, by index (fixed across restarts). */
  readonly urls: readonly string[];
  state(engine: number): EngineState;
  pid(engine: number): number | undefined;
  /** Starts engine `engine` and waits until it answers /healthz. */
  start(engine: number): Promise<void>;
  /** Sends `signal` (SIGKILL, SIGTERM) and waits for the exit; resolves with it. */
  terminate(engine: number, signal: 'SIGKILL' | 'SIGTERM', timeoutMs?: number): Promise<EngineExit>;
  pause(engine: number): void;
  resume(engine: number): void;
  /** Every start of every engine (its pid), in order. */
  readonly starts: readonly { engine: number; pid: number; at: number }[];
  /** Every exit of every engine, in order. */
  readonly exits: readonly EngineExit[];
  /** Resumes paused engines, SIGTERMs every live one, SIGKILLs any still there after the timeout. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Children of this process still alive, killed at exit. */
const live = new Set<ChildProcess>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const hook = () => {
      for (const child of live) child.kill('SIGKILL');
      // Alone on the signal, this hook would keep the process alive: exit as the signal
      // would, but through process.exit(), so that the other 'exit' cleanups run too (the
      // scratch PostgreSQL's, src/harness/database.ts).
      if (process.listenerCount(signal) === 1) process.exit(128 + os.constants.signals[signal]);
    };
    process.on(signal, hook);
  }
}

export async function startEngineFleet(opts: FleetOptions): Promise<EngineFleet> {
  installExitHooks();
  mkdirSync(opts.dir, { recursive: true });
  const configFile = path.join(opts.dir, 'engines.yaml');
  writeFileSync(configFile, opts.configYaml);
  const ports: number[] = [];
  for (let i = 0; i < opts.count; i++) ports.push(await freePort());
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const children: (ChildProcess | undefined)[] = ports.map(() => undefined);
  const states: EngineState[] = ports.map(() => 'down');
  const exits: EngineExit[] = [];
  const starts: { engine: number; pid: number; at: number }[] = [];
  const bin = stocksyncBin();
  const startTimeoutMs = opts.startTimeoutMs ?? 90_000;

  const spawnEngine = (engine: number): ChildProcess => {
    const log = openSync(path.join(opts.dir, `engine-${engine}.log`), 'a');
    const child = spawn(process.execPath, [bin, '--config', configFile, 'start', '--port', String(ports[engine])], {
      env: { PATH: process.env.PATH ?? '', STOCKSYNC_LOG_FORMAT: 'json', STOCKSYNC_LOG_LEVEL: opts.logLevel ?? 'warn', ...opts.env },
      stdio: ['ignore', log, log],
    });
    closeSync(log); // the child holds its own copy
    live.add(child);
    const pid = child.pid ?? -1;
    starts.push({ engine, pid, at: Date.now() });
    child.once('exit', (code, signal) => {
      live.delete(child);
      exits.push({ engine, pid, at: Date.now(), code, signal });
      if (children[engine] === child) {
        children[engine] = undefined;
        states[engine] = 'down';
      }
    });
    return child;
  };

  const fleet: EngineFleet = {
    count: opts.count,
    urls,
    exits,
    starts,
    state: (engine) => states[engine]!,
    pid: (engine) => children[engine]?.pid,
    async start(engine) {
      if (children[engine]) throw new StocksyncError('INPUT_INVALID', `engine ${engine} is already running`);
      const child = spawnEngine(engine);
      children[engine] = child;
      states[engine] = 'starting';
      const deadline = Date.now() + startTimeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new StocksyncError(
            'ENGINE_EXITED',
            `engine ${engine} exited while starting (${child.exitCode ?? child.signalCode}); see ${opts.dir}/engine-${engine}.log`,
          );
        if (await healthy(urls[engine]!)) {
          states[engine] = 'up';
          return;
        }
        await sleep(100);
      }
      child.kill('SIGKILL');
      throw new StocksyncError('TIMED_OUT', `engine ${engine} did not answer /healthz within ${startTimeoutMs} ms; see ${opts.dir}/engine-${engine}.log`);
    },
    async terminate(engine, signal, timeoutMs = 30_000) {
      const child = children[engine];
      if (!child) throw new StocksyncError('INPUT_INVALID', `engine ${engine} is not running`);
      const exited = new Promise<EngineExit>((resolve) => child.once('exit', () => resolve(exits.at(-1)!)));
      if (states[engine] === 'paused') child.kill('SIGCONT'); // a stopped process cannot handle SIGTERM
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    pause(engine) {
      const child = children[engine];
      if (!child || states[engine] !== 'up') return;
      child.kill('SIGSTOP');
      states[engine] = 'paused';
    },
    resume(engine) {
      const child = children[engine];
      if (!child || states[engine] !== 'paused') return;
      child.kill('SIGCONT');
      states[engine] = 'up';
    },
    async stop(timeoutMs = 30_000) {
      await Promise.all(
        children.map(async (child, engine) => {
          if (child) await fleet.terminate(engine, 'SIGTERM', timeoutMs);
        }),
      );
    },
  };
  return fleet;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** bin/stocksync.js of this checkout, from src/harness or its build under dist/. */
function stocksyncBin(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const bin = path.join(dir, 'bin', 'stocksync.js');
    if (existsSync(bin)) return bin;
    dir = path.dirname(dir);
  }
  throw new StocksyncError('NOT_FOUND', 'bin/stocksync.js not found above src/harness');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
