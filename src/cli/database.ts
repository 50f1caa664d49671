// Commands that read or migrate the database open it the way `start` does, from the
// config (DATABASE_URL or the embedded server, joined when `start` already runs it).
import type { Command } from 'commander';
import { createLogger } from '../log.js';
import { openDatabaseFor } from '../runtime/engine-process.js';
import type { OpenDatabase } from '../store/open.js';
import { loadConfigFor } from './context.js';

export async function withDatabase<T>(cmd: Command, fn: (database: OpenDatabase) => Promise<T>): Promise<T> {
  const config = await loadConfigFor(cmd);
  const logger = createLogger({ level: process.env.STOCKSYNC_LOG_LEVEL ?? 'warn' });
  const database = await openDatabaseFor(config, logger);
  try {
    return await fn(database);
  } finally {
    await database.close();
  }
}
