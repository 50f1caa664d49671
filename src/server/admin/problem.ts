// Errors of the admin API as RFC 9457 problem details (application/problem+json): type,
// title, status, detail, plus a stable `code` a client can act on and, for bad input, the
// bad fields by name. Every failure of the API leaves through here.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import * as z from 'zod';
import { StocksyncError } from '../../errors.js';

export const PROBLEM_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://stocksync.dev/problems/';

export interface FieldProblem {
  /** Where in the request: `body.lines[0].quantity`, `query.limit`, `params.id`, `header.idempotency-key`. */
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldProblem[];
  [extra: string]: unknown;
}

/** A problem a handler throws on purpose; the error handler answers it as is. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  body(): ProblemBody {
    return {
      type: `${TYPE_BASE}${this.code.toLowerCase().replaceAll('_', '-')}`,
      title: this.title,
      status: this.status,
      detail: this.message,
      code: this.code,
      ...this.extra,
    };
  }
}

export const notFound = (detail: string): ApiProblem => new ApiProblem(404, 'NOT_FOUND', 'Not found', detail);
export const conflict = (code: string, detail: string): ApiProblem => new ApiProblem(409, code, 'Conflict', detail);
export const badInput = (errors: FieldProblem[]): ApiProblem =>
  new ApiProblem(400, 'INPUT_INVALID', 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });

/** `body.lines[0].quantity`: where in the request, array indexes in brackets. */
export function fieldName(part: string, path: readonly string[]): string {
  return path.reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : `${acc}.${seg}`), part);
}

/** A zod failure on one part of the request, every issue named by its field. */
export function fromZod(part: 'body' | 'query' | 'params' | 'header', error: z.ZodError): ApiProblem {
  const byField = new Map<string, string>();
  for (const i of error.issues) {
    const field = fieldName(part, i.path.map(String));
    // One message a field: a schema and a refinement may both object to the same value.
    if (!byField.has(field)) byField.set(field, i.message);
  }
  return badInput([...byField].map(([field, message]) => ({ field, message })));
}

const STATUS_OF_CODE: Partial<Record<StocksyncError['code'], [number, string]>> = {
  INPUT_INVALID: [400, 'Invalid request'],
  NOT_FOUND: [404, 'Not found'],
  DB_UNAVAILABLE: [503, 'Database unavailable'],
  PLATFORM_RETRYABLE: [502, 'Platform unavailable'],
  PLATFORM_PERMANENT: [502, 'Platform refused'],
  TIMED_OUT: [504, 'Timed out'],
  CATALOG_STALE: [503, 'Catalogue changing'],
};

/** Maps anything thrown to a problem; unexpected errors become a 500 without internals. */
export function toProblem(err: unknown): ApiProblem {
  if (err instanceof ApiProblem) return err;
  if (err instanceof StocksyncError) {
    const [status, title] = STATUS_OF_CODE[err.code] ?? [500, 'Internal error'];
    if (err.code === 'INPUT_INVALID' && typeof err.details?.field === 'string') {
      return badInput([{ field: `body.${err.details.field}`, message: String(err.details.reason ?? err.message) }]);
    }
    return new ApiProblem(status, err.code, title, status === 500 ? 'internal error' : err.message);
  }
  if (databaseUnreachable(err)) {
    return new ApiProblem(503, 'DB_UNAVAILABLE', 'Database unavailable', 'the database is not answering; retry shortly', {}, { 'retry-after': '5' });
  }
  const f = err as Partial<FastifyError>;
  if (f.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new ApiProblem(413, 'BODY_TOO_LARGE', 'Body too large', 'the request body is larger than this route accepts');
  if (f.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new ApiProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', f.message ?? 'unsupported media type');
  if (f.statusCode === 400) return badInput([{ field: 'body', message: f.message ?? 'unreadable body' }]);
  return new ApiProblem(500, 'INTERNAL', 'Internal error', 'internal error');
}

// Node's socket errors, and PostgreSQL's "shutting down / starting up / cannot connect now" (class 57P, 08).
const UNREACHABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|57P0[1-3]|08\d{3})$/;

function databaseUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const message = (err as { message?: unknown } | null)?.message;
  return (typeof code === 'string' && UNREACHABLE.test(code)) || (typeof message === 'string' && /Connection terminated/i.test(message));
}

export async function sendProblem(reply: FastifyReply, problem: ApiProblem): Promise<FastifyReply> {
  return reply.code(problem.status).headers(problem.headers).type(PROBLEM_TYPE).send(problem.body());
}

export function problemErrorHandler(log: Logger) {
  return async (err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    const problem = toProblem(err);
    if (problem.status >= 500) log.error({ err: (err as Error).message, method: req.method, route: req.routeOptions.url }, 'admin API request failed');
    return sendProblem(reply, problem);
  };
}

/** The problem document's schema, for the OpenAPI description of every error answer. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().meta({ description: 'Stable machine-readable code, e.g. INPUT_INVALID, NOT_FOUND, IDEMPOTENCY_KEY_REUSED' }),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ description: 'RFC 9457 problem details' });
