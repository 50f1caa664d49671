// One ShipBob API call: the personal access token as a bearer, the dated version in the
// path, client-side pacing inside the 150/min sliding window, and retries of retryable
// failures that honour the platform's wait. ShipBob documents its wait in `x-retry-after`
// and in the 429 body ("Try again in 25 seconds."); the shared HTTP helper reads a standard
// Retry-After only, so the body's number is used when that header is absent.
import { ConnectorError } from '../errors.js';
import { httpRequest, type HttpRequest, type HttpResponse } from '../http.js';
import type { RateLimiter } from '../rate-limit.js';
import { parseRetryAfter, withRetry, type RetryPolicy } from '../retry.js';

export interface Api {
  /** `path` is relative to the version root, e.g. "/order?ReferenceIds=R-1". */
  call(method: HttpRequest['method'], path: string, opts?: { body?: unknown; headers?: Record<string, string> }): Promise<HttpResponse>;
  /**
   * A `next` link from a paged answer, as a path below the API root ("/2026-01/product?Cursor=..").
   * Absolute links must point at our own host: the token is never sent elsewhere.
   */
  link(next: string): string;
  version: string;
}

export interface ApiDeps {
  baseUrl: string;
  token: string;
  /** ShipBob's dated API version, e.g. 2026-01. */
  version: string;
  limiter: RateLimiter;
  retry: RetryPolicy;
  timeoutMs?: number;
  /** Called on every 429 we still receive (metrics, tests). */
  onThrottled?: () => void;
}

export function createApi(d: ApiDeps): Api {
  const base = new URL(d.baseUrl.replace(/\/+$/, ''));
  const root = base.toString().replace(/\/+$/, '');
  const rootPath = base.pathname.replace(/\/+$/, '');
  const versionRoot = `/${d.version}/`;
  const send = (method: HttpRequest['method'], rootRelative: string, opts: { body?: unknown; headers?: Record<string, string> }) =>
    withRetry(
      async () => {
        // Every attempt spends a slot: ShipBob counts retries too.
        await d.limiter.acquire();
        try {
          return await httpRequest({
            method,
            url: `${root}${rootRelative}`,
            headers: { authorization: `Bearer ${d.token}`, ...opts.headers },
            ...(opts.body !== undefined && { body: opts.body }),
            ...(d.timeoutMs !== undefined && { timeoutMs: d.timeoutMs }),
          });
        } catch (e) {
          throw withShipBobWait(e);
        }
      },
      d.retry,
      (e: ConnectorError) => {
        if (e.connectorCode !== 'RATE_LIMITED') return;
        d.onThrottled?.();
        // Stop every caller of this connection, not just this one, until the window frees up.
        d.limiter.pause(e.info.retryAfterMs ?? 1_000);
      },
    );
  return {
    version: d.version,
    call: (method, path, opts = {}) => send(method, `/${d.version}${path}`, opts),
    link(next) {
      let path = next;
      if (/^https?:\/\//i.test(next)) {
        const url = new URL(next);
        if (url.origin !== base.origin) throw new ConnectorError('PARSE', `shipbob: a next link points at another host (${url.origin})`);
        path = `${url.pathname}${url.search}`;
        if (rootPath && path.startsWith(`${rootPath}/`)) path = path.slice(rootPath.length);
      }
      if (!path.startsWith(versionRoot)) throw new ConnectorError('PARSE', `shipbob: not a ${d.version} link: ${next.slice(0, 80)}`);
      return path;
    },
  };
}

/** GET a `next` link (from Api.link) as is. */
export function getLink(api: Api, d: { link: string }): Promise<HttpResponse> {
  return api.call('GET', d.link.slice(api.version.length + 1));
}

/** A 429 without Retry-After gets the wait its body names ("Try again in 25 seconds."). */
function withShipBobWait(e: unknown): unknown {
  if (!(e instanceof ConnectorError) || e.connectorCode !== 'RATE_LIMITED' || e.info.retryAfterMs !== undefined) return e;
  const ms = parseRetryAfter(/Try again in (\d{1,5}(?:\.\d{1,3})?) seconds/i.exec(e.message)?.[1]);
  return ms === undefined ? e : new ConnectorError('RATE_LIMITED', e.message, { ...e.info, retryAfterMs: ms });
}
