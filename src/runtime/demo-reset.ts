// The demo's sandbox keeps its platforms in memory, so every demo starts them afresh
// (order numbers from 1, counts from the catalogue): the engine's data from a previous
// demo would describe platforms that no longer exist (orders that collide with new ones,
// pushed counts the channels never had). So the demo empties its database first, and
// only a database that holds nothing but the demo's own connections.
import { StocksyncError } from '../errors.js';
import { connectionIds } from '../store/catalog.js';
import type { Db } from '../store/db.js';
import { emptyTables } from '../store/migrate.js';

export async function resetDemoDatabase(db: Db, demoConnectionIds: readonly string[]): Promise<{ reset: boolean }> {
  const present = await connectionIds(db);
  const foreign = present.filter((id) => !demoConnectionIds.includes(id));
  if (foreign.length > 0) {
    throw new StocksyncError(
      'INPUT_INVALID',
      `the database holds connections the demo does not have (${foreign.join(', ')}); the demo empties its database at every start, so give it its own (--data-dir, or an empty DATABASE_URL)`,
    );
  }
  if (present.length === 0) return { reset: false };
  await emptyTables(db);
  return { reset: true };
}
