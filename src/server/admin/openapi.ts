// The OpenAPI 3.1 document of the admin API, built from the very zod schemas the routes
// validate with (route.ts), by zod's own JSON Schema converter (JSON Schema 2020-12 is
// OpenAPI 3.1's dialect); and the docs page: Swagger UI from the swagger-ui-dist package,
// served from this process (no CDN: the engine may run without internet access).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import { IDEMPOTENCY_HEADER } from './idempotency.js';
import { problemSchema } from './problem.js';
import type { AnyRoute } from './route.js';

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Json;
  return rest;
}

/** A zod object's fields as OpenAPI parameters (path or query). */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const s = jsonSchema(field, 'input');
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || !field.safeParse(undefined).success,
      schema: rest,
      ...(description !== undefined && { description }),
    };
  });
}

const STANDARD_PROBLEMS: Record<number, string> = {
  400: 'Invalid request: `errors` names each bad field',
  401: 'Missing or invalid admin token',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body too large',
  422: 'Idempotency-Key reused for a different request',
  429: 'Too many failed authentication attempts (Retry-After)',
  500: 'Internal error',
};

function operation(r: AnyRoute): Json {
  const problem = { content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  const problems = [400, 401, 429, 500, ...(r.problems ?? []), ...(r.idempotency ? [409, 422] : [])];
  const responses: Json = {};
  for (const [status, res] of Object.entries(r.responses)) {
    responses[status] = { description: res.description, ...(res.schema && { content: { 'application/json': { schema: jsonSchema(res.schema, 'output') } } }) };
  }
  for (const status of [...new Set(problems)].sort()) responses[status] = { description: STANDARD_PROBLEMS[status] ?? 'Problem', ...problem };
  const idempotencyParam = r.idempotency && {
    name: IDEMPOTENCY_HEADER,
    in: 'header',
    required: r.idempotency === 'required',
    description: 'Unique per intended write (e.g. a UUID): a repeat gets the stored answer, the same key on another request 422.',
    schema: { type: 'string', minLength: 8, maxLength: 200 },
  };
  return {
    operationId: `${r.method.toLowerCase()}${r.url.replace(/\/:?([a-zA-Z]+)/g, (_m, w: string) => w[0]!.toUpperCase() + w.slice(1)).replace(/[^A-Za-z0-9]/g, '')}`,
    tags: [r.tag],
    summary: r.summary,
    ...(r.description && { description: r.description }),
    parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query'), ...(idempotencyParam ? [idempotencyParam] : [])],
    ...(r.body && {
      requestBody: {
        required: !r.body.safeParse(undefined).success,
        content: { [r.bodyType ?? 'application/json']: { schema: r.bodyType === 'text/csv' ? { type: 'string' } : jsonSchema(r.body, 'input') } },
      },
    }),
    responses,
  };
}

/** The OpenAPI 3.1 document of these routes, mounted at `prefix`. */
export function openApiDocument(routes: readonly AnyRoute[], prefix: string): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const p = `${prefix}${r.url.replace(/:([a-zA-Z]+)/g, '{$1}')}`;
    paths[p] = { ...paths[p], [r.method.toLowerCase()]: operation(r) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'stocksync admin API',
      version: '1',
      description:
        'Operate stocksync: connection health, SKUs and stock, manual adjustments, buffers, reconciliations, incidents, quarantine, manual channel orders. ' +
        'Authenticate with `Authorization: Bearer <server.adminToken>`. Errors are RFC 9457 problem details. Lists are paged with an opaque `cursor`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Problem: jsonSchema(problemSchema, 'output') },
    },
  };
}

const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

function swaggerUiDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

// No inline script (the page's Content-Security-Policy allows scripts from this origin only).
const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stocksync admin API</title>
<link rel="stylesheet" href="docs/swagger-ui.css"></head>
<body><div id="ui"></div><script src="docs/swagger-ui-bundle.js"></script><script src="docs/init.js"></script></body></html>`;
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#ui', persistAuthorization: false });`;

/** GET {prefix}/docs: Swagger UI on the document (public, like the document: neither holds data). */
export function docsRoutes(scope: FastifyInstance): void {
  // Read on first use: the bundle is about 1.5 MB, and most engines never serve the page.
  let assets: Map<string, Buffer> | undefined;
  const asset = (file: string): Buffer | undefined => {
    assets ??= new Map(DOCS_ASSETS.map((f) => [f, readFileSync(path.join(swaggerUiDir(), f))]));
    return assets.get(file);
  };
  scope.get('/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(DOCS_HTML));
  scope.get('/docs/init.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(DOCS_INIT));
  scope.get('/docs/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file;
    const body = asset(file);
    if (!body) return reply.code(404).type('text/plain').send('not found');
    return reply
      .type(file.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(body);
  });
}

/** Routes outside the document on purpose: the docs page and its files. */
export const UNDOCUMENTED_ROUTES = ['/docs', '/docs/init.js', '/docs/:file'];
