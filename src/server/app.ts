// The HTTP server: health now; webhooks, the admin API and metrics plug in here.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Db } from '../store/db.js';

export interface ServerDeps {
  db: Db;
  logger: Logger;
  /** Largest request body accepted, in bytes (platform webhooks are well under 1 MB). */
  bodyLimit?: number;
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 1_048_576,
    disableRequestLogging: true,
  });
  app.get('/healthz', async (_req, reply) => {
    try {
      await deps.db.query('SELECT 1');
      return { ok: true };
    } catch (e) {
      return reply.code(503).send({ ok: false, error: 'database unavailable' });
    }
  });
  return app;
}
