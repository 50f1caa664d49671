// One SP-API call: the access token header, the operation's token bucket, retries of
// retryable failures, and Amazon's `{errors: [{code, message}]}` shape on the error.
import { ConnectorError } from '../errors.js';
import { httpRequest, type HttpRequest } from '../http.js';
import type { Lane } from '../rate-limit.js';
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from '../retry.js';
import type { ConnectorConfig } from '../types.js';
import { createTokenSource, type TokenSource } from './auth.js';
import { createLimiters, type AmazonLimiters, type AmazonOperation } from './limits.js';

export interface AmazonClient {
  sellerId: string;
  marketplaceId: string;
  productType: string;
  limiters: AmazonLimiters;
  /** `lane` 'background': waits behind every 'normal' request of the operation's bucket (rate-limit.ts). */
  call<T = unknown>(op: AmazonOperation, method: HttpRequest['method'], path: string, body?: unknown, lane?: Lane): Promise<T>;
}

function retryPolicy(options: Record<string, unknown>): RetryPolicy {
  const r = options['retry'];
  if (typeof r !== 'object' || r === null) return DEFAULT_RETRY;
  const o = r as Record<string, unknown>;
  const n = (k: string, d: number): number => (typeof o[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : d);
  return { attempts: n('attempts', DEFAULT_RETRY.attempts), baseMs: n('baseMs', DEFAULT_RETRY.baseMs), maxMs: n('maxMs', DEFAULT_RETRY.maxMs) };
}

/** Amazon's error code (QuotaExceeded, InvalidInput...) out of an error body. */
function platformCode(message: string): string | undefined {
  return /"code"\s*:\s*"([A-Za-z0-9_.-]{1,64})"/.exec(message)?.[1];
}

export function createAmazonClient(config: ConnectorConfig): AmazonClient {
  const str = (k: string, d?: string): string => {
    const v = config.options[k];
    if (typeof v === 'string' && v) return v;
    if (d !== undefined) return d;
    throw new ConnectorError('REJECTED', `amazon connection ${config.connectionId}: options.${k} is required`);
  };
  const sellerId = str('sellerId');
  const marketplaceId = str('marketplaceId');
  const productType = str('productType', 'PRODUCT');
  const rateScale = typeof config.options['rateScale'] === 'number' && config.options['rateScale'] > 0 ? config.options['rateScale'] : 1;
  const limiters = createLimiters(rateScale);
  const tokens: TokenSource = createTokenSource(config.credentials, config.options, config.timeoutMs);
  const retry = retryPolicy(config.options);
  const base = config.baseUrl.replace(/\/+$/, '');

  async function once<T>(op: AmazonOperation, method: HttpRequest['method'], path: string, body: unknown, lane: Lane): Promise<T> {
    const limiter = limiters.get(op);
    await limiter.acquire(1, lane);
    try {
      const res = await httpRequest({
        method,
        url: base + path,
        headers: { 'x-amz-access-token': await tokens.token() },
        ...(body !== undefined && { body }),
        ...(config.timeoutMs !== undefined && { timeoutMs: config.timeoutMs }),
      });
      return res.json<T>();
    } catch (e) {
      if (!(e instanceof ConnectorError)) throw e;
      // Amazon throttled us anyway (another process on the same app, a restart): its
      // bucket is empty, so ours is too; the limiter then waits a full token.
      if (e.connectorCode === 'RATE_LIMITED') {
        config.onThrottled?.();
        limiter.observe?.(0);
      }
      if (e.connectorCode === 'AUTH') tokens.invalidate();
      const code = platformCode(e.message);
      throw code && !e.info.platformCode ? new ConnectorError(e.connectorCode, e.message, { ...e.info, platformCode: code }) : e;
    }
  }

  return {
    sellerId,
    marketplaceId,
    productType,
    limiters,
    call: (op, method, path, body, lane = 'normal') => withRetry(() => once(op, method, path, body, lane), retry),
  };
}
