// The HTTP server: health now; webhooks, the admin API and metrics plug in here.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { pingDatabase, type Db } from '../store/db.js';
import { serializeRequest } from '../log.js';
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
  /** Parts of the engine that /healthz reports beside the database (the listener, the embedded server). */
  healthParts?: () => Record<string, HealthPart>;
  /** GET /metrics on this server, behind its token (absent: served elsewhere, or off). */
  metrics?: MetricsRouteOptions & { token: string };
}

/** One part of /healthz: `ok`, plus what says why not (state, since, last error). */
export interface HealthPart {
  ok: boolean;
  [detail: string]: unknown;
}

/** A pool that cannot answer within this time is reported down rather than hanging the probe. */
const DATABASE_PROBE_MS = 3_000;

async function databaseHealth(db: Db): Promise<HealthPart> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${DATABASE_PROBE_MS} ms`)), DATABASE_PROBE_MS);
  });
  try {
    await Promise.race([pingDatabase(db), late]);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Request lines only at debug: webhooks arrive by the thousand.
    // The request serializer keeps query-string secrets (Amazon's ?token=) out of those lines.
    loggerInstance: deps.logger.child(
      { component: 'http' },
      { level: deps.logger.isLevelEnabled('debug') ? 'debug' : 'warn', serializers: { req: serializeRequest } },
    ) as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? 1_048_576,
    // Shutdown (issue 14, defect 8): a request that reached us while we close is served
    // (stored, answered 2xx), not refused with a 503 that reads like a storage failure;
    // new connections are refused by the closed listener, and each kept-alive one is
    // closed after its current answer, so close() ends once the requests in hand are done.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
  });
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_req, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
  app.get('/healthz', async (_req, reply) => {
    const parts: Record<string, HealthPart> = { database: await databaseHealth(deps.db), ...deps.healthParts?.() };
    const down = Object.keys(parts).filter((k) => !parts[k]!.ok);
    if (down.length === 0) return { ok: true, status: 'ok', parts };
    // 503 names the parts that are down, so a probe's log says what to look at.
    return reply.code(503).send({ ok: false, status: 'degraded', down, error: `${down.join(', ')} down`, parts });
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
