// Plain numbered SQL migrations (src/store/migrations/NNN_name.sql), each in its own
// transaction, serialised across processes by an advisory lock.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { withClient, type Db } from './db.js';
import { StoreError } from './errors.js';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_KEY = 7_140_281_001; // arbitrary, constant: "stocksync migrations"

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: Number(f.slice(0, 3)), name: f, sql: readFileSync(path.join(dir, f), 'utf8') }));
}

/** Tables the migrations seed or own (their bookkeeping, the catalogue version). */
const SEEDED_TABLES = new Set(['stocksync_migrations', 'catalog_version']);

/** Empties every table but those the migrations seed or own; ids restart. */
export async function emptyTables(db: Db): Promise<void> {
  const { rows } = await db.query<{ name: string }>({
    name: 'migrate_public_tables',
    text: `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`,
    values: [],
  });
  const tables = rows.map((r) => r.name).filter((t) => !SEEDED_TABLES.has(t));
  if (tables.length > 0) await db.query(`TRUNCATE ${tables.map((t) => pg.escapeIdentifier(t)).join(', ')} RESTART IDENTITY CASCADE`);
}

/**
 * Applies pending migrations (those numbered up to `upTo` only, when given: a test that
 * builds a database as an older version left it); returns the names applied by this call.
 */
export async function migrate(db: Db, opts: { upTo?: number } = {}): Promise<string[]> {
  return withClient(db, async (client) => {
    try {
      await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
      await client.query(`CREATE TABLE IF NOT EXISTS stocksync_migrations (
      id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const { rows } = await client.query<{ id: number }>('SELECT id FROM stocksync_migrations');
      const done = new Set(rows.map((r) => r.id));
      const applied: string[] = [];
      for (const m of listMigrations()) {
        if (done.has(m.id) || m.id > (opts.upTo ?? Infinity)) continue;
        try {
          await client.query('BEGIN');
          await client.query(m.sql);
          await client.query('INSERT INTO stocksync_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK').catch(() => {});
          throw new StoreError('MIGRATION_FAILED', `migration ${m.name} failed: ${(e as Error).message}`);
        }
        applied.push(m.name);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    }
  });
}
