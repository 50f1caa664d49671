// HTTP plumbing shared by the WooCommerce routes: WordPress's error shape, consumer-key
// auth, list headers and fault wrapping.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { withRequestFaults, type FaultErrorShapes, type Faults } from '../core/faults.js';
import type { CallStats } from '../core/stats.js';

export function wooError(reply: FastifyReply, status: number, code: string, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply.code(status).send({ code, message, data: { status, ...extra } });
}

export const wooFaultShapes: FaultErrorShapes = {
  // WooCommerce has no REST rate limit of its own; hosts and WAFs in front of it do.
  rateLimited: (reply, retryAfter) => wooError(reply.header('retry-after', retryAfter(1)), 429, 'rest_too_many_requests', 'Too many requests.'),
  // What WordPress answers when PHP dies during a REST request.
  serverError: (reply) =>
    reply.code(500).send({
      code: 'internal_server_error',
      message: '<p>There has been a critical error on this website.</p>',
      data: { status: 500 },
      additional_errors: [],
    }),
};

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** HTTP Basic with consumer key/secret, or the consumer_key/consumer_secret query pair. */
export function authorized(request: FastifyRequest, key: string, secret: string): 'ok' | 'missing' | 'bad' {
  const header = request.headers.authorization;
  let k: string | undefined;
  let s: string | undefined;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    k = decoded.slice(0, i);
    s = decoded.slice(i + 1);
  } else {
    const q = request.query as Record<string, string | undefined>;
    k = q.consumer_key;
    s = q.consumer_secret;
  }
  if (!k || s === undefined) return 'missing';
  return same(k, key) && same(s, secret) ? 'ok' : 'bad';
}

export function setListHeaders(reply: FastifyReply, request: FastifyRequest, total: number, totalPages: number, page: number): void {
  reply.header('x-wp-total', String(total)).header('x-wp-totalpages', String(totalPages));
  const url = new URL(request.url, 'http://sandbox.local');
  const links: string[] = [];
  const at = (p: number): string => {
    url.searchParams.set('page', String(p));
    return `${url.pathname}${url.search}`;
  };
  if (page > 1) links.push(`<${at(page - 1)}>; rel="prev"`);
  if (page < totalPages) links.push(`<${at(page + 1)}>; rel="next"`);
  if (links.length > 0) reply.header('link', links.join(', '));
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface WooHttp {
  /** Counts the call, checks auth, applies faults, then runs the handler. */
  route(label: string, handler: Handler): Handler;
}

export function createWooHttp(faults: Faults, stats: CallStats, creds: () => { key: string; secret: string }): WooHttp {
  return {
    route(label, handler) {
      const guarded: Handler = async (request, reply) => {
        const { key, secret } = creds();
        const auth = authorized(request, key, secret);
        if (auth === 'missing') return wooError(reply, 401, 'woocommerce_rest_cannot_view', 'Sorry, you cannot list resources.');
        if (auth === 'bad') return wooError(reply, 401, 'woocommerce_rest_authentication_error', 'Consumer key is invalid.');
        return handler(request, reply);
      };
      const faulted = withRequestFaults(faults, wooFaultShapes, guarded, (outcome) => {
        if (outcome === '429') stats.throttled();
        else stats.error();
      });
      return async (request, reply) => {
        stats.call(label);
        return faulted(request, reply);
      };
    },
  };
}
