// The admin API, /api/v1: registered by server/app.ts only when `server.adminToken` is set.
// Bearer token on every route but the OpenAPI document and its docs page (which hold no
// data); JSON in and out (CSV for bulk orders); errors as problem details; security headers;
// no CORS headers (a browser on another origin cannot read the answers); small bodies.
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Connector } from '../../connectors/types.js';
import type { Db } from '../../store/db.js';
import { expireIdempotencyKeys } from '../../store/api-idempotency.js';
import { createAuthCheck, type AuthOptions } from './auth.js';
import { activityRoutes } from './activity.js';
import { bufferRoutes } from './buffers.js';
import { connectionRoutes } from './connections.js';
import type { AdminContext } from './context.js';
import { feedFileRoutes } from './feed-files.js';
import { incidentRoutes } from './incidents.js';
import { listingRoutes } from './listings.js';
import { docsRoutes, openApiDocument, UNDOCUMENTED_ROUTES } from './openapi.js';
import { orderRoutes } from './orders.js';
import { overviewRoutes } from './overview.js';
import { notFound, problemErrorHandler, sendProblem } from './problem.js';
import { quarantineRoutes } from './quarantine.js';
import { reconciliationRoutes } from './reconciliations.js';
import { createRouteTable, type RouteTable } from './route.js';
import { skuRoutes } from './skus.js';

export const API_PREFIX = '/api/v1';

const CLOSE_DEADLINE_MS = 5_000;

export interface AdminApiDeps {
  db: Db;
  log: Logger;
  token: string;
  connectors: ReadonlyMap<string, Connector>;
  wakeInbox?: () => void;
  /** Failed-attempt limit (tests shorten it). */
  auth?: Omit<AuthOptions, 'token'>;
}

// Routes (as declared, not as requested: no spelling of a URL can reach another route's
// data through them) answered without a token: the document and its docs page hold no data.
const PUBLIC_ROUTES = new Set([`${API_PREFIX}/openapi.json`, ...UNDOCUMENTED_ROUTES.map((r) => `${API_PREFIX}${r}`)]);

export interface AdminApi {
  /** The routes declared with schemas: the OpenAPI document's source. */
  table: RouteTable;
  /** Every route Fastify registered in the API's scope (method, full URL): what the document must cover. */
  registered: { method: string; url: string }[];
}

/** Registers the API under /api/v1 on `app`. */
export async function registerAdminApi(app: FastifyInstance, deps: AdminApiDeps): Promise<AdminApi> {
  let table: RouteTable | undefined;
  const registered: { method: string; url: string }[] = [];
  await app.register(
    async (scope) => {
      scope.addHook('onRoute', (r) => {
        for (const method of [r.method].flat()) if (method !== 'HEAD') registered.push({ method, url: r.url });
      });
      const log = deps.log.child({ component: 'admin-api' });
      await scope.register(helmet, {
        // The docs page loads Swagger UI's script and styles from this origin only.
        contentSecurityPolicy: {
          directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], styleSrc: ["'self'", "'unsafe-inline'"], scriptSrc: ["'self'"] },
        },
        crossOriginResourcePolicy: { policy: 'same-origin' },
      });
      scope.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      scope.setErrorHandler(problemErrorHandler(log));
      scope.setNotFoundHandler(async (req, reply) => sendProblem(reply, notFound(`no route ${req.method} ${req.url.split('?')[0]}`)));
      const checkAuth = createAuthCheck({ token: deps.token, ...deps.auth });
      scope.addHook('onRequest', async (req, reply) => {
        // Answers hold stock and settings: never cached by a browser or a proxy.
        reply.header('cache-control', 'no-store');
        if (!PUBLIC_ROUTES.has(req.routeOptions.url ?? '')) checkAuth(req);
      });

      const routes = createRouteTable(scope, deps.db);
      const background = new Set<Promise<unknown>>();
      const track = (job: Promise<unknown>) => {
        background.add(job);
        void job.finally(() => background.delete(job));
      };
      const ctx: AdminContext = { db: deps.db, log, connectors: deps.connectors, routes, wakeInbox: deps.wakeInbox ?? (() => {}), track };
      overviewRoutes(ctx);
      activityRoutes(ctx);
      connectionRoutes(ctx);
      skuRoutes(ctx);
      bufferRoutes(ctx);
      reconciliationRoutes(ctx);
      incidentRoutes(ctx);
      quarantineRoutes(ctx);
      listingRoutes(ctx);
      orderRoutes(ctx);
      feedFileRoutes(ctx);
      let document: unknown;
      routes.add({
        method: 'GET',
        url: '/openapi.json',
        tag: 'meta',
        summary: 'This document (OpenAPI 3.1; public)',
        responses: { 200: { description: 'The OpenAPI document' } },
        handler: async () => ({ status: 200, body: (document ??= openApiDocument(routes.routes, API_PREFIX)) }),
      });
      docsRoutes(scope);
      table = routes;
      // Idempotency keys are kept a day; forget older ones now and then.
      const expiry = setInterval(() => void expireIdempotencyKeys(deps.db).catch(() => {}), 3_600_000);
      expiry.unref();
      scope.addHook('onClose', async () => {
        clearInterval(expiry);
        // A reconciliation started here finishes (bounded) before the database goes; one cut
        // short is closed as interrupted at the next start (runtime/workers.ts).
        await Promise.race([Promise.allSettled([...background]), new Promise((r) => setTimeout(r, CLOSE_DEADLINE_MS).unref())]);
      });
    },
    { prefix: API_PREFIX },
  );
  return { table: table!, registered };
}
