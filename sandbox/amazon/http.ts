// SP-API request plumbing: the {errors:[...]} shape, the LWA access token header, the
// per-operation token buckets with x-amzn-RateLimit-Limit, and injected faults.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { withRequestFaults, type FaultErrorShapes, type Faults } from '../core/faults.js';
import type { Rng } from '../core/rng.js';
import type { CallStats } from '../core/stats.js';
import { AMAZON_USAGE_PLANS, QUOTA_EXCEEDED_MESSAGE, type AmazonOperation } from './limits.js';
import { uuid } from './notifications.js';
import { createTokenBucket, type TokenBucket } from './token-bucket.js';

export function amzError(reply: FastifyReply, status: number, code: string, message: string, details = ''): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'application/json')
    .send({ errors: [{ code, message, details }] });
}

export const amazonFaultShapes: FaultErrorShapes = {
  rateLimited: (reply) => amzError(reply, 429, 'QuotaExceeded', QUOTA_EXCEEDED_MESSAGE),
  serverError: (reply) => amzError(reply, 503, 'ServiceUnavailable', 'Service temporarily unavailable. Please try again later.'),
};

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface AmazonHttpOptions {
  faults: Faults;
  stats: CallStats;
  rng: Rng;
  /** The token Amazon accepts now (the seller may rotate or revoke it). */
  accessToken: () => string;
  /** Multiplies every documented rate (not the burst) so tests can run fast. */
  rateScale: number;
  /**
   * A sandbox extension, off by default: a 429 of the token bucket says in `Retry-After`
   * when the operation's next token comes (SP-API sends no such header), so that clients'
   * handling of the header can be tested against this simulator.
   */
  retryAfter?: boolean;
}

export interface AmazonHttp {
  route(op: AmazonOperation, handler: Handler): Handler;
  /** The rate reported in x-amzn-RateLimit-Limit for an operation. */
  rate(op: AmazonOperation): number;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createAmazonHttp(o: AmazonHttpOptions): AmazonHttp {
  const buckets = new Map<AmazonOperation, TokenBucket>();
  const rate = (op: AmazonOperation): number => AMAZON_USAGE_PLANS[op].rate * o.rateScale;
  const bucket = (op: AmazonOperation): TokenBucket => {
    let b = buckets.get(op);
    if (!b) buckets.set(op, (b = createTokenBucket(rate(op), AMAZON_USAGE_PLANS[op].burst)));
    return b;
  };
  return {
    rate,
    route(op, handler) {
      const faulted = withRequestFaults(o.faults, amazonFaultShapes, handler, (outcome) => {
        if (outcome === '429') o.stats.throttled();
        else o.stats.error();
      });
      return async (request, reply) => {
        o.stats.call(op);
        reply.header('x-amzn-requestid', uuid(o.rng));
        const token = request.headers['x-amz-access-token'];
        if (typeof token !== 'string' || !same(token, o.accessToken())) {
          return amzError(
            reply,
            403,
            'Unauthorized',
            'Access to requested resource is denied.',
            'The access token you provided is revoked, malformed or invalid.',
          );
        }
        // The header is present on throttled responses too, so clients can pace themselves.
        reply.header('x-amzn-ratelimit-limit', String(rate(op)));
        if (!bucket(op).take()) {
          o.stats.throttled();
          if (o.retryAfter) reply.header('retry-after', ((1 - bucket(op).available()) / rate(op)).toFixed(3));
          return amzError(reply, 429, 'QuotaExceeded', QUOTA_EXCEEDED_MESSAGE);
        }
        return faulted(request, reply);
      };
    },
  };
}
