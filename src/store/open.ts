// Opens the database the app runs on: DATABASE_URL when given, else the embedded
// PostgreSQL in the data folder. Migrations run on every open.
import pg from 'pg';
import { createPool, type Db } from './db.js';
import { startEmbeddedPostgres, type EmbeddedHealth, type EmbeddedOptions } from './embedded.js';
import { StoreError } from './errors.js';
import { migrate } from './migrate.js';

export interface DatabaseOptions {
  url?: string | undefined;
  dataDir: string;
  embeddedPort: number;
  poolSize?: number;
  onLog?: (line: string) => void;
  /** The embedded server's supervisor: died, restarted, failed to restart. */
  onEvent?: EmbeddedOptions['onEvent'];
}

export interface OpenDatabase {
  db: Db;
  url: string;
  embedded: boolean;
  migrationsApplied: string[];
  /** The embedded server this process owns and supervises (undefined on DATABASE_URL or when joined). */
  embeddedHealth?: () => EmbeddedHealth;
  close(): Promise<void>;
}

const APP_DATABASE = 'stocksync';

export async function openDatabase(opts: DatabaseOptions): Promise<OpenDatabase> {
  let url = opts.url;
  let stopEmbedded = async () => {};
  let embeddedHealth: (() => EmbeddedHealth) | undefined;
  if (!url) {
    const server = await startEmbeddedPostgres({ dataDir: opts.dataDir, port: opts.embeddedPort, onLog: opts.onLog, onEvent: opts.onEvent });
    stopEmbedded = () => server.stop();
    if (server.owned) embeddedHealth = () => server.health();
    try {
      url = await ensureDatabase(server.url, APP_DATABASE);
    } catch (e) {
      await stopEmbedded();
      throw e;
    }
  }
  const db = createPool(url, opts.poolSize ?? 10);
  try {
    await db.query('SELECT 1');
    const migrationsApplied = await migrate(db);
    return {
      db,
      url,
      embedded: !opts.url,
      migrationsApplied,
      ...(embeddedHealth && { embeddedHealth }),
      async close() {
        await db.end().catch(() => {});
        await stopEmbedded();
      },
    };
  } catch (e) {
    await db.end().catch(() => {});
    await stopEmbedded();
    if (e instanceof StoreError) throw e;
    throw new StoreError('DB_UNAVAILABLE', `cannot use PostgreSQL at ${redactUrl(url)}: ${(e as Error).message}`);
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => {}); // a server going away mid-query: the query reports it
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount)
      await client.query(`CREATE DATABASE ${name}`).catch((e: { code?: string }) => {
        if (e.code !== '42P04') throw e; // created meanwhile by a second process
      });
  } finally {
    await client.end();
  }
  return databaseUrl(adminUrl, name);
}

/**
 * An empty database `name` on the server at `adminUrl`, dropped first if it exists (the
 * simulation's and benchmarks' scratch databases); returns its URL.
 */
export async function recreateDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => {}); // a server going away mid-query: the query reports it
  await client.connect();
  try {
    const database = pg.escapeIdentifier(name);
    await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${database}`);
  } finally {
    await client.end();
  }
  return databaseUrl(adminUrl, name);
}

/** The URL of database `name` on the server of `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}
