// The server a benchmark runs on: DATABASE_URL when set, else a fresh embedded PostgreSQL.
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../store/embedded.js';

export interface BenchServer {
  adminUrl: string;
  kind: 'embedded' | 'DATABASE_URL';
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function benchServer(): Promise<BenchServer> {
  const external = process.env.DATABASE_URL;
  let stop = async () => {};
  let adminUrl = external ?? '';
  if (!external) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-bench-'));
    chmodSync(dir, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
    adminUrl = server.url;
    stop = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  return {
    adminUrl,
    kind: external ? 'DATABASE_URL' : 'embedded',
    async createDatabase(name) {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      const u = new URL(adminUrl);
      u.pathname = `/${name}`;
      return u.toString();
    },
    stop,
  };
}
