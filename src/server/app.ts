// The HTTP server: health now; webhooks, the admin API and metrics plug in here.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { pingDatabase, type Db } from '../store/db.js';
import type { Connector } from '../connectors/types.js';
import type { InboxWriterOptions } from '../store/inbox-writer.js';
import type { WebhookRefusalOptions } from './webhook-refusals.js';
import { webhookRoutes } from './webhooks.js';
import { metricsRoute, type MetricsRouteOptions } from './metrics.js';

export interface ServerDeps {
  db: Db;
  logger: Logger;
  connectors?: ReadonlyMap<string, Connector>;
  onWebhookStored?: () => void;
  /** Largest request body accepted, in bytes (platform webhooks are well under 1 MB). */
  bodyLimit?: number;
  /** Group commit of the inbox (writes in flight, batch limits); the defaults suit the engine's pool of 10. */
  inboxWriter?: Omit<InboxWriterOptions, 'onStored'>;
  /** Samples and per-source limits of refused webhooks (defaults in server/webhook-refusals.ts). */
  webhookRefusals?: WebhookRefusalOptions;
  /** GET /metrics on this server, behind its token (absent: served elsewhere, or off). */
  metrics?: MetricsRouteOptions & { token: string };
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Request lines only at debug: webhooks arrive by the thousand.
    loggerInstance: deps.logger.child({ component: 'http' }, { level: deps.logger.isLevelEnabled('debug') ? 'debug' : 'warn' }) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 1_048_576,
  });
  app.get('/healthz', async (_req, reply) => {
    try {
      await pingDatabase(deps.db);
      return { ok: true };
    } catch {
      return reply.code(503).send({ ok: false, error: 'database unavailable' });
    }
  });
  if (deps.metrics) metricsRoute(app, deps.metrics);
  const connectors = deps.connectors ?? new Map();
  // An encapsulated plugin: its raw-body parser applies to the webhook route only.
  await app.register(async (scope) =>
    webhookRoutes(scope, {
      db: deps.db,
      log: deps.logger,
      connectors,
      ...(deps.onWebhookStored && { onStored: deps.onWebhookStored }),
      ...(deps.inboxWriter && { inboxWriter: deps.inboxWriter }),
      ...(deps.webhookRefusals && { refusals: deps.webhookRefusals }),
    }),
  );
  return app;
}
