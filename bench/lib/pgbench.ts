// PostgreSQL's own pgbench against the same server: the limit our write path is compared to.
import { execFileSync } from 'node:child_process';

export interface PgbenchResult {
  tps: number;
  command: string;
}

export function runPgbench(url: string, opts: { clients: number; seconds: number; scale: number }): PgbenchResult {
  const u = new URL(url);
  const env = { ...process.env, PGPASSWORD: decodeURIComponent(u.password), PGHOST: u.hostname, PGPORT: u.port || '5432', PGUSER: decodeURIComponent(u.username) };
  const db = u.pathname.slice(1);
  execFileSync('pgbench', ['-i', '-q', '-s', String(opts.scale), db], { env, stdio: 'pipe' });
  const args = ['-N', '-c', String(opts.clients), '-j', '2', '-T', String(opts.seconds), db];
  const out = execFileSync('pgbench', args, { env, stdio: 'pipe' }).toString();
  const m = /tps = ([\d.]+)/.exec(out);
  if (!m) throw new Error(`cannot read pgbench output:\n${out}`);
  return { tps: Number(m[1]), command: `pgbench ${args.join(' ')}` };
}
