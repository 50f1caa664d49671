// The PostgreSQL server a simulation or a benchmark creates its scratch databases on:
// DATABASE_URL's server when set, else a fresh embedded PostgreSQL in a temporary folder,
// removed again by stop().
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../store/embedded.js';
import { recreateDatabase } from '../store/open.js';

export interface ScratchServer {
  adminUrl: string;
  kind: 'embedded' | 'DATABASE_URL';
  /** An empty database of this name (dropped first if it exists); returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function scratchServer(): Promise<ScratchServer> {
  const external = process.env.DATABASE_URL;
  let stop = async () => {};
  let adminUrl = external ?? '';
  if (!external) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-scratch-'));
    chmodSync(dir, 0o755); // the postgres user must reach the cluster folder
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
    createDatabase: (name) => recreateDatabase(adminUrl, name),
    stop,
  };
}
