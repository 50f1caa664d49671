// One way to declare an admin API route: its zod schemas validate the request (params,
// query, body) and the same schemas describe it in the OpenAPI document (openapi.ts), so the
// two cannot drift apart. Writes declare whether they take an Idempotency-Key.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import type { Db } from '../../store/db.js';
import { idempotencyKeyOf, once, type Answer } from './idempotency.js';
import { badInput, fieldName, fromZod, PROBLEM_TYPE } from './problem.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Below /api/v1, Fastify style (`/connections/:id`). */
  url: string;
  tag: string;
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The body's media type: JSON (default) or CSV text. */
  bodyType?: 'application/json' | 'text/csv';
  /** Largest body accepted, bytes (default 64 KiB). */
  bodyLimit?: number;
  /** Success answers: status -> description and schema. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** Problem answers this route may give besides 400/401/429/500 (e.g. 404, 409). */
  problems?: number[];
  /** Writes: whether an Idempotency-Key header is required, optional, or not taken. */
  idempotency?: 'required' | 'optional';
  handler: (input: { params: z.output<P>; query: z.output<Q>; body: z.output<B>; idempotencyKey: string | undefined; req: FastifyRequest }) => Promise<Answer>;
}

export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

export const DEFAULT_BODY_LIMIT = 64 * 1024;

export interface RouteTable {
  /** Every route declared, in order: the OpenAPI document is built from these. */
  readonly routes: AnyRoute[];
  add<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(spec: RouteSpec<P, Q, B>): void;
}

/** Collects routes for the document and registers each on the API's scope. */
export function createRouteTable(scope: FastifyInstance, db: Db): RouteTable {
  const routes: AnyRoute[] = [];
  return {
    routes,
    add(spec) {
      routes.push(spec as unknown as AnyRoute);
      scope.route({
        method: spec.method,
        url: spec.url,
        bodyLimit: spec.bodyLimit ?? DEFAULT_BODY_LIMIT,
        handler: async (req: FastifyRequest, reply: FastifyReply) => {
          const input = {
            params: parse('params', spec.params, req.params),
            query: parse('query', spec.query, req.query),
            body: parse('body', spec.body, req.body),
            idempotencyKey: spec.idempotency ? idempotencyKeyOf(req, spec.idempotency === 'required') : undefined,
            req,
          };
          const run = () => spec.handler(input);
          const answer = input.idempotencyKey === undefined ? await run() : await once(db, req, input.idempotencyKey, run);
          reply.code(answer.status).headers(answer.headers ?? {});
          if (answer.status >= 400) reply.type(PROBLEM_TYPE);
          return reply.send(answer.body ?? null);
        },
      });
    },
  };
}

function parse<T extends z.ZodType>(part: 'params' | 'query' | 'body', schema: T | undefined, value: unknown): z.output<T> {
  if (!schema) return undefined as z.output<T>;
  // PostgreSQL's text refuses NUL: named here as bad input rather than failing in SQL.
  const nul = pathOfNul(value, []);
  if (nul) throw badInput([{ field: fieldName(part, nul), message: 'must not contain the NUL character' }]);
  const result = schema.safeParse(value);
  if (!result.success) throw fromZod(part, result.error);
  return result.data;
}

function pathOfNul(value: unknown, path: string[]): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return [...path, k.replaceAll('\u0000', '\\0')];
    const found = pathOfNul(v, [...path, k]);
    if (found) return found;
  }
  return undefined;
}

/** Handlers' common answer. */
export const ok = (body: unknown, status = 200): Answer => ({ status, body });
