// Bearer-token authentication of the admin API. The token is compared in constant time (both
// sides hashed to the same length first, so not even its length leaks), never read from a
// URL, never logged (log.ts redacts `authorization` headers). Failed attempts are counted per
// client address: past the limit in a window, that address gets 429 with Retry-After until
// the window ends, right token or not, so guessing costs a window per few tries.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiProblem } from './problem.js';

export interface AuthOptions {
  token: string;
  /** Failed attempts allowed per address and window (default 10 per minute). */
  maxFailures?: number;
  windowMs?: number;
  now?: () => number;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison of a presented token with the configured one. */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The bearer token of a request, or undefined (only the Authorization header is read). */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

const MAX_TRACKED_ADDRESSES = 10_000;

/** Returns the check to run on every request of the API (throws 401 or 429 as a problem). */
export function createAuthCheck(opts: AuthOptions): (req: FastifyRequest) => void {
  const maxFailures = opts.maxFailures ?? 10;
  const windowMs = opts.windowMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const failures = new Map<string, { count: number; since: number }>();
  const expected = opts.token;

  return (req) => {
    const t = now();
    const address = req.ip;
    let entry = failures.get(address);
    if (entry && t - entry.since >= windowMs) {
      failures.delete(address);
      entry = undefined;
    }
    if (entry && entry.count >= maxFailures) {
      const retryAfter = Math.max(1, Math.ceil((entry.since + windowMs - t) / 1000));
      throw new ApiProblem(
        429,
        'TOO_MANY_FAILED_ATTEMPTS',
        'Too many failed attempts',
        `too many failed authentication attempts; retry in ${retryAfter} s`,
        {},
        {
          'retry-after': String(retryAfter),
        },
      );
    }
    const presented = bearerToken(req);
    if (presented !== undefined && tokenMatches(presented, expected)) return;
    if (!entry) {
      // A flood from many addresses must not grow the map without bound: forget the oldest.
      if (failures.size >= MAX_TRACKED_ADDRESSES) failures.delete(failures.keys().next().value!);
      entry = { count: 0, since: t };
      failures.set(address, entry);
    }
    entry.count++;
    throw new ApiProblem(
      401,
      'UNAUTHORIZED',
      'Unauthorized',
      presented === undefined ? 'send the admin token as Authorization: Bearer <token>' : 'the admin token is not valid',
      {},
      { 'www-authenticate': 'Bearer realm="stocksync admin API"' },
    );
  };
}
