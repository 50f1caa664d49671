// One Admin GraphQL call: paced by the cost bucket, throttling and transient failures
// retried, every answer's throttleStatus fed back into the limiter, every other failure
// classified once as a ConnectorError.
import { ConnectorError } from '../errors.js';
import { httpRequest } from '../http.js';
import type { RateLimiter } from '../rate-limit.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import { API_VERSION } from './documents.js';
import { parseJsonExact } from './json.js';
import { reader, type Json } from './shapes.js';

export interface ClientOptions {
  baseUrl: string;
  accessToken: string;
  limiter: RateLimiter;
  restorePerSecond: number;
  timeoutMs?: number;
  retry: RetryPolicy;
}

export interface CallStats {
  calls: number;
  throttled: number;
  retries: number;
}

export type GraphqlClient = {
  /** Runs a document; `cost` is its calculated cost (documents.ts). Returns `data`. */
  call(query: string, variables: Record<string, unknown>, cost: number): Promise<Json>;
  stats(): CallStats;
};

/** When the bucket will hold `needed` points again, from what Shopify says it holds now. */
export function throttleWaitMs(needed: number, available: number, restorePerSecond: number): number {
  const deficit = Math.max(0, needed - available);
  return Math.max(50, Math.ceil((deficit / Math.max(restorePerSecond, 0.001)) * 1000));
}

export function createGraphqlClient(o: ClientOptions): GraphqlClient {
  const url = `${o.baseUrl.replace(/\/+$/, '')}/admin/api/${API_VERSION}/graphql.json`;
  const stats: CallStats = { calls: 0, throttled: 0, retries: 0 };
  let restoreRate = o.restorePerSecond;
  let lastAvailable: number | undefined;

  async function once(query: string, variables: Record<string, unknown>, cost: number): Promise<Json> {
    await o.limiter.acquire(cost);
    stats.calls++;
    let text: string;
    try {
      const res = await httpRequest({
        method: 'POST',
        url,
        headers: { 'X-Shopify-Access-Token': o.accessToken },
        body: JSON.stringify({ query, variables }),
        ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
      });
      text = res.text;
    } catch (e) {
      if (e instanceof ConnectorError && e.connectorCode === 'RATE_LIMITED') {
        // a 429 carries no cost data: Retry-After, else the deficit we last knew of
        const wait = e.info.retryAfterMs ?? throttleWaitMs(cost, lastAvailable ?? 0, restoreRate);
        stats.throttled++;
        o.limiter.pause(wait);
        throw new ConnectorError('RATE_LIMITED', e.message, { ...e.info, retryAfterMs: wait });
      }
      throw e;
    }
    return interpret(text, cost);
  }

  function interpret(text: string, cost: number): Json {
    const r = reader('Shopify GraphQL answer');
    let body: Json;
    try {
      body = r.obj(parseJsonExact(text), 'body');
    } catch (e) {
      if (e instanceof ConnectorError) throw e;
      throw new ConnectorError('PARSE', `Shopify GraphQL answer is not JSON: ${text.slice(0, 200)}`);
    }
    const cost_ = readCost(body);
    if (cost_) {
      restoreRate = cost_.restoreRate ?? restoreRate;
      lastAvailable = cost_.available;
      o.limiter.observe?.(cost_.available);
    }
    const errors = body['errors'];
    if (errors !== undefined) {
      const list = Array.isArray(errors) ? errors : [errors];
      const codes = list.map((e) => String((e as { extensions?: { code?: unknown } } | null)?.extensions?.code ?? ''));
      const messages = list.map((e) => (typeof e === 'string' ? e : String((e as { message?: unknown } | null)?.message ?? JSON.stringify(e))));
      if (codes.includes('THROTTLED')) {
        stats.throttled++;
        const wait = throttleWaitMs(cost_?.requested ?? cost, cost_?.available ?? 0, restoreRate);
        o.limiter.pause(wait);
        throw new ConnectorError('RATE_LIMITED', `Shopify throttled a ${cost}-point query: retry in ${wait} ms`, { retryAfterMs: wait, platformCode: 'THROTTLED' });
      }
      const code = codes.find((c) => c !== '') ?? '';
      const kind = code === 'ACCESS_DENIED' ? 'AUTH' : code === 'INTERNAL_SERVER_ERROR' ? 'SERVER' : 'REJECTED';
      throw new ConnectorError(kind, `Shopify GraphQL error ${code || '(no code)'}: ${messages.join('; ').slice(0, 500)}`, { ...(code && { platformCode: code }) });
    }
    return r.obj(body['data'], 'data');
  }

  return {
    call: (query, variables, cost) =>
      withRetry(() => once(query, variables, cost), o.retry, () => void stats.retries++),
    stats: () => ({ ...stats }),
  };
}

/** extensions.cost, when present and well-formed (it is advisory: never fail on it). */
function readCost(body: Json): { requested?: number; available: number; restoreRate?: number } | undefined {
  const cost = (body['extensions'] as { cost?: Json } | undefined)?.cost;
  const status = cost?.['throttleStatus'] as Json | undefined;
  const available = status?.['currentlyAvailable'];
  if (typeof available !== 'number' || !Number.isFinite(available)) return undefined;
  const requested = cost?.['requestedQueryCost'];
  const restore = status?.['restoreRate'];
  return {
    available,
    ...(typeof requested === 'number' && { requested }),
    ...(typeof restore === 'number' && restore > 0 && { restoreRate: restore }),
  };
}
