// One ShipBob-style API call: bearer auth, client-side pacing inside the 150/min sliding
// window, and retries of retryable failures that honour the platform's Retry-After.
import { ConnectorError } from '../errors.js';
import { httpRequest, type HttpRequest, type HttpResponse } from '../http.js';
import type { RateLimiter } from '../rate-limit.js';
import { withRetry, type RetryPolicy } from '../retry.js';

export interface Api {
  call(method: HttpRequest['method'], path: string, opts?: { body?: unknown; headers?: Record<string, string> }): Promise<HttpResponse>;
}

export interface ApiDeps {
  baseUrl: string;
  token: string;
  limiter: RateLimiter;
  retry: RetryPolicy;
  timeoutMs?: number;
  /** Called on every 429 we still receive (metrics, tests). */
  onThrottled?: () => void;
}

export function createApi(d: ApiDeps): Api {
  const base = d.baseUrl.replace(/\/+$/, '');
  return {
    call(method, path, opts = {}) {
      return withRetry(
        async () => {
          // Every attempt spends a slot: the warehouse counts retries too.
          await d.limiter.acquire();
          return httpRequest({
            method,
            url: `${base}${path}`,
            headers: { authorization: `Bearer ${d.token}`, ...opts.headers },
            ...(opts.body !== undefined && { body: opts.body }),
            ...(d.timeoutMs !== undefined && { timeoutMs: d.timeoutMs }),
          });
        },
        d.retry,
        (e: ConnectorError) => {
          if (e.connectorCode !== 'RATE_LIMITED') return;
          d.onThrottled?.();
          // Stop every caller of this connection, not just this one, until the window frees up.
          d.limiter.pause(e.info.retryAfterMs ?? 1_000);
        },
      );
    },
  };
}
