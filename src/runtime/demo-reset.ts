// The demo's sandbox keeps its platforms in memory, so every demo starts them afresh
// (order numbers from 1, counts from the catalogue): the engine's data from a previous
// demo would describe platforms that no longer exist (orders that collide with new ones,
// pushed counts the channels never had). So the demo empties its database first, and
// only a database that holds nothing but the demo's own connections.
import type { Db } from '../store/db.js';
import { StocksyncError } from '../errors.js';

/** Tables migrations seed or own: left as they are. */
const KEEP = new Set(['stocksync_migrations', 'catalog_version']);

export async function resetDemoDatabase(db: Db, demoConnectionIds: readonly string[]): Promise<{ reset: boolean }> {
  const { rows: present } = await db.query<{ id: string }>(`SELECT id FROM connections ORDER BY id`);
  const foreign = present.map((r) => r.id).filter((id) => !demoConnectionIds.includes(id));
  if (foreign.length > 0) {
    throw new StocksyncError(
      'INPUT_INVALID',
      `the database holds connections the demo does not have (${foreign.join(', ')}); the demo empties its database at every start, so give it its own (--data-dir, or an empty DATABASE_URL)`,
    );
  }
  if (present.length === 0) return { reset: false };
  const { rows } = await db.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'`);
  const tables = rows.map((r) => r.name).filter((t) => !KEEP.has(t));
  if (tables.length > 0) await db.query(`TRUNCATE ${tables.map((t) => `"${t}"`).join(', ')} RESTART IDENTITY CASCADE`);
  return { reset: true };
}
