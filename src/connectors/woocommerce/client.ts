// One WooCommerce REST v3 call: base URL, Basic auth, optional client-side pacing,
// retries of retryable failures, and the list headers (X-WP-TotalPages).
//
// Basic auth is what WooCommerce accepts over HTTPS; plain-HTTP stores need OAuth 1.0a
// one-legged signatures, which this connector does not implement (production stores
// are HTTPS; the sandbox accepts Basic on loopback).
import { ConnectorError } from '../errors.js';
import { httpRequest, type HttpRequest } from '../http.js';
import { createRateLimiter, type RateLimiter } from '../rate-limit.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../retry.js';
import type { ConnectorConfig, RateLimitModel } from '../types.js';
import { asArray, type Json } from './json.js';

export interface WooClient {
  rateLimit: RateLimitModel;
  retry: RetryPolicy;
  /** One request, no retry (push retries whole read-check-write rounds itself). */
  once<T = unknown>(method: HttpRequest['method'], path: string, body?: unknown): Promise<{ data: T; totalPages: number }>;
  /** One request, retried while the failure is retryable. */
  call<T = unknown>(method: HttpRequest['method'], path: string, body?: unknown): Promise<{ data: T; totalPages: number }>;
  /** A GET of a list: the rows as objects and X-WP-TotalPages. */
  list(path: string): Promise<{ rows: Json[]; totalPages: number }>;
}

export function retryPolicy(options: Record<string, unknown>): RetryPolicy {
  const r = options['retry'];
  if (typeof r !== 'object' || r === null) return DEFAULT_RETRY;
  const o = r as Record<string, unknown>;
  const n = (k: string, d: number): number => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : d);
  return { attempts: n('attempts', DEFAULT_RETRY.attempts), baseMs: n('baseMs', DEFAULT_RETRY.baseMs), maxMs: n('maxMs', DEFAULT_RETRY.maxMs) };
}

export function createWooClient(config: ConnectorConfig): WooClient {
  const { consumerKey, consumerSecret } = config.credentials;
  if (!consumerKey || !consumerSecret) {
    throw new ConnectorError('AUTH', `woocommerce connection ${config.connectionId}: credentials.consumerKey and consumerSecret are required`);
  }
  const auth = `Basic ${Buffer.from(`${consumerKey}:${consumerSecret}`).toString('base64')}`;
  const base = `${config.baseUrl.replace(/\/+$/, '')}/wp-json/wc/v3/`;
  // WooCommerce has no REST limiter of its own (hosts and WAFs do): pace only when told.
  const rps = config.options['requestsPerSecond'];
  const rateLimit: RateLimitModel =
    typeof rps === 'number' && rps > 0
      ? {
          kind: 'token-bucket',
          ratePerSecond: rps,
          burst: typeof config.options['burst'] === 'number' ? (config.options['burst'] as number) : Math.max(1, Math.ceil(rps)),
        }
      : { kind: 'none' };
  const limiter: RateLimiter = createRateLimiter(rateLimit);
  const retry = retryPolicy(config.options);

  async function once<T>(method: HttpRequest['method'], path: string, body?: unknown) {
    await limiter.acquire();
    try {
      const res = await httpRequest({
        method,
        url: base + path,
        headers: { authorization: auth },
        ...(body !== undefined && { body }),
        ...(config.timeoutMs !== undefined && { timeoutMs: config.timeoutMs }),
      });
      const pages = Number(res.headers.get('x-wp-totalpages') ?? '1');
      return { data: res.json<T>(), totalPages: Number.isFinite(pages) ? pages : 1 };
    } catch (e) {
      // A host's limiter said stop: every caller on this connection waits, not only this one.
      if (e instanceof ConnectorError && e.connectorCode === 'RATE_LIMITED') {
        config.onThrottled?.();
        limiter.pause(e.info.retryAfterMs ?? 1000);
      }
      throw e;
    }
  }

  const call = <T>(method: HttpRequest['method'], path: string, body?: unknown) => withRetry(() => once<T>(method, path, body), retry);

  return {
    rateLimit,
    retry,
    once,
    call,
    async list(path) {
      const { data, totalPages } = await call(`GET`, path);
      const rows = asArray(data, `GET ${path.split('?')[0]}`).map((r, i) => {
        if (typeof r !== 'object' || r === null) throw new ConnectorError('PARSE', `WooCommerce: GET ${path.split('?')[0]} row ${i} is not an object`);
        return r as Json;
      });
      return { rows, totalPages };
    },
  };
}
