// ShipBob request plumbing: bearer token (a personal access token), the sliding-window
// rate limit with its 429 body and headers, its two error shapes, injected faults.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { withRequestFaults, type FaultErrorShapes, type Faults } from '../core/faults.js';
import type { CallStats } from '../core/stats.js';
import type { SlidingWindow } from './rate-limit.js';

export function tooMany(reply: FastifyReply, seconds: number | string): FastifyReply {
  return reply
    .code(429)
    .header('retry-after', String(seconds))
    .header('x-retry-after', String(seconds))
    .header('x-remaining-calls', '0')
    .send({ statusCode: 429, message: `Rate limit is exceeded. Try again in ${seconds} seconds.` });
}

/** The orders and webhooks APIs answer 400/422 with a map of field -> messages. */
export function validation(reply: FastifyReply, status: 400 | 422, errors: Record<string, string[]>): FastifyReply {
  return reply.code(status).send(errors);
}

/** The inventory and products APIs answer 400 with ProblemDetails. */
export function badRequest(reply: FastifyReply, detail: string): FastifyReply {
  return reply.code(400).send({ type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1', title: 'Bad Request', status: 400, detail });
}

export function notFound(reply: FastifyReply, what: string): FastifyReply {
  return reply.code(404).send({ type: 'https://tools.ietf.org/html/rfc9110#section-15.5.5', title: 'Not Found', status: 404, detail: what });
}

export const warehouseFaultShapes: FaultErrorShapes = {
  rateLimited: (reply, retryAfter) => tooMany(reply, retryAfter(25)),
  serverError: (reply) =>
    reply
      .code(500)
      .send({ type: 'https://tools.ietf.org/html/rfc9110#section-15.6.1', title: 'An error occurred while processing your request.', status: 500 }),
};

/** ASP.NET binds query parameters case-insensitively: Page, page and PAGE are one. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const q = request.query as Record<string, string | undefined>;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(q)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface WarehouseHttp {
  route(label: string, handler: Handler): Handler;
}

export function createWarehouseHttp(faults: Faults, stats: CallStats, token: string, window: SlidingWindow): WarehouseHttp {
  return {
    route(label, handler) {
      const faulted = withRequestFaults(faults, warehouseFaultShapes, handler, (outcome) => {
        if (outcome === '429') stats.throttled();
        else stats.error();
      });
      return async (request, reply) => {
        stats.call(label);
        // One clock for the whole 3PL: its Date header dates its levels (they carry no
        // timestamp), its created_date dates its orders; a clock-skew fault moves both.
        reply.header('date', faults.now().toUTCString());
        const auth = request.headers.authorization;
        if (!auth?.startsWith('Bearer ') || !same(auth.slice(7), token)) {
          return reply.code(401).send({ message: 'Authorization has been denied for this request.' });
        }
        const slot = window.take();
        if (!slot.ok) {
          stats.throttled();
          return tooMany(reply, slot.retryAfterSeconds);
        }
        reply.header('x-remaining-calls', String(slot.remaining));
        return faulted(request, reply);
      };
    },
  };
}
