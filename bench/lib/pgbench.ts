// PostgreSQL's own pgbench against the same server: the limit our write path is compared to.
import { execFileSync } from 'node:child_process';

export interface PgbenchResult {
  tps: number;
  command: string;
}

/** `init: false` reuses the tables of an earlier run (so that only the run is timed). */
export function runPgbench(url: string, opts: { clients: number; seconds: number; scale: number; init?: boolean }): PgbenchResult {
  const { env, db } = pgbenchTarget(url);
  if (opts.init !== false) initPgbench(url, opts.scale);
  const args = ['-N', '-c', String(opts.clients), '-j', '2', '-T', String(opts.seconds), db];
  const out = execFileSync('pgbench', args, { env, stdio: 'pipe' }).toString();
  const m = /tps = ([\d.]+)/.exec(out);
  if (!m) throw new Error(`cannot read pgbench output:\n${out}`);
  return { tps: Number(m[1]), command: `pgbench ${args.join(' ')}` };
}

export function initPgbench(url: string, scale: number): void {
  const { env, db } = pgbenchTarget(url);
  execFileSync('pgbench', ['-i', '-q', '-s', String(scale), db], { env, stdio: 'pipe' });
}

function pgbenchTarget(url: string): { env: NodeJS.ProcessEnv; db: string } {
  const u = new URL(url);
  const env = {
    ...process.env,
    PGPASSWORD: decodeURIComponent(u.password),
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
  };
  return { env, db: u.pathname.slice(1) };
}
