// `stocksync start`: one process that opens the database, applies the configured
// catalogue, serves HTTP and runs the background workers until SIGINT or SIGTERM.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import { catalogFromConfig } from '../engine/catalog-from-config.js';
import { syncCatalog } from '../engine/catalog.js';
import { buildServer } from '../server/app.js';
import { openDatabase, redactUrl, type OpenDatabase } from '../store/open.js';

export interface RunningEngine {
  url: string;
  database: OpenDatabase;
  server: FastifyInstance;
  stop(): Promise<void>;
}

export async function startEngine(config: LoadedConfig, opts: { port?: number; logger: Logger }): Promise<RunningEngine> {
  const log = opts.logger;
  const database = await openDatabaseFor(config, log);
  try {
    const synced = await syncCatalog(database.db, catalogFromConfig(config));
    log.info({ ...synced, connections: config.connections.length }, 'catalogue applied');
    const server = await buildServer({ db: database.db, logger: log });
    const port = opts.port ?? config.server.port;
    const url = await server.listen({ port, host: config.server.host });
    log.info({ url }, 'listening');
    let stopping: Promise<void> | undefined;
    return {
      url,
      database,
      server,
      stop() {
        stopping ??= (async () => {
          await server.close();
          await database.close();
          log.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (e) {
    await database.close();
    throw e;
  }
}

export async function openDatabaseFor(config: LoadedConfig, log: Logger): Promise<OpenDatabase> {
  const database = await openDatabase({
    url: config.database.url,
    dataDir: config.database.dataDir,
    embeddedPort: config.database.embeddedPort,
    onLog: (line) => log.debug({ component: 'postgres' }, line),
  });
  log.info(
    { database: database.embedded ? `embedded (${config.database.dataDir})` : redactUrl(database.url), migrations: database.migrationsApplied },
    'database ready',
  );
  return database;
}
