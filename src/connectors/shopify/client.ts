// One Admin GraphQL call: paced by the cost bucket, throttling and transient failures
// retried, every answer's throttleStatus fed back into the limiter, every other failure
// classified once as a ConnectorError.
import { ConnectorError } from '../errors.js';
import { httpRequest } from '../http.js';
import { createRateLimiter, type Lane, type RateLimiter } from '../rate-limit.js';
import { withRetry, type RetryPolicy } from '../retry.js';
import { API_VERSION } from './documents.js';
import { parseJsonExact } from './json.js';
import { reader, type Json } from './shapes.js';

export interface ClientOptions {
  baseUrl: string;
  accessToken: string;
  /** What the connection is configured with; Shopify's throttleStatus corrects it. */
  restorePerSecond: number;
  bucketSize: number;
  timeoutMs?: number;
  retry: RetryPolicy;
  onThrottled?: () => void;
}

export interface CallStats {
  calls: number;
  throttled: number;
  retries: number;
}

export type GraphqlClient = {
  /**
   * Runs a document; `cost` is its calculated cost (documents.ts). Returns `data`. A
   * `background` call (polls, full reads) waits while pushes need the bucket.
   */
  call(query: string, variables: Record<string, unknown>, cost: number, lane?: Lane): Promise<Json>;
  stats(): CallStats;
  /** The bucket as last reported by Shopify (the configured one until then). */
  bucket(): { restorePerSecond: number; bucketSize: number };
};

/** When the bucket will hold `needed` points again, from what Shopify says it holds now. */
export function throttleWaitMs(needed: number, available: number, restorePerSecond: number): number {
  const deficit = Math.max(0, needed - available);
  return Math.max(50, Math.ceil((deficit / Math.max(restorePerSecond, 0.001)) * 1000));
}

export function createGraphqlClient(o: ClientOptions): GraphqlClient {
  const url = `${o.baseUrl.replace(/\/+$/, '')}/admin/api/${API_VERSION}/graphql.json`;
  const stats: CallStats = { calls: 0, throttled: 0, retries: 0 };
  // the bucket as Shopify reports it: a plan change (or a wrong config) is picked up from
  // the first answer instead of being learned from THROTTLED over and over
  let restoreRate = o.restorePerSecond;
  let bucketSize = o.bucketSize;
  let limiter: RateLimiter = createRateLimiter({ kind: 'cost-bucket', restorePerSecond: restoreRate, bucketSize });
  let lastAvailable: number | undefined;
  // cost of requests sent and not yet answered: Shopify has not charged them in the
  // throttleStatus another answer reports, but will
  let inFlight = 0;

  async function once(query: string, variables: Record<string, unknown>, cost: number, lane: Lane): Promise<Json> {
    await limiter.acquire(cost, lane);
    stats.calls++;
    inFlight += cost;
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
        o.onThrottled?.();
        limiter.pause(wait);
        throw new ConnectorError('RATE_LIMITED', e.message, { ...e.info, retryAfterMs: wait });
      }
      throw e;
    } finally {
      inFlight -= cost;
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
      const restore = cost_.restoreRate ?? restoreRate;
      const size = cost_.maximum ?? bucketSize;
      if (restore !== restoreRate || size !== bucketSize) {
        restoreRate = restore;
        bucketSize = size;
        limiter = createRateLimiter({ kind: 'cost-bucket', restorePerSecond: restore, bucketSize: size });
      }
      lastAvailable = cost_.available;
      limiter.observe?.(cost_.available - inFlight);
    }
    const errors = body['errors'];
    if (errors !== undefined) {
      const list = Array.isArray(errors) ? errors : [errors];
      const codes = list.map((e) => String((e as { extensions?: { code?: unknown } } | null)?.extensions?.code ?? ''));
      const messages = list.map((e) => (typeof e === 'string' ? e : String((e as { message?: unknown } | null)?.message ?? JSON.stringify(e))));
      if (codes.includes('THROTTLED')) {
        stats.throttled++;
        o.onThrottled?.();
        const wait = throttleWaitMs(cost_?.requested ?? cost, cost_?.available ?? 0, restoreRate);
        limiter.pause(wait);
        throw new ConnectorError('RATE_LIMITED', `Shopify throttled a ${cost}-point query: retry in ${wait} ms`, {
          retryAfterMs: wait,
          platformCode: 'THROTTLED',
        });
      }
      const code = codes.find((c) => c !== '') ?? '';
      const kind = code === 'ACCESS_DENIED' ? 'AUTH' : code === 'INTERNAL_SERVER_ERROR' ? 'SERVER' : 'REJECTED';
      throw new ConnectorError(kind, `Shopify GraphQL error ${code || '(no code)'}: ${messages.join('; ').slice(0, 500)}`, {
        ...(code && { platformCode: code }),
      });
    }
    return r.obj(body['data'], 'data');
  }

  return {
    call: (query, variables, cost, lane = 'normal') =>
      withRetry(
        () => once(query, variables, cost, lane),
        o.retry,
        () => void stats.retries++,
      ),
    stats: () => ({ ...stats }),
    bucket: () => ({ restorePerSecond: restoreRate, bucketSize }),
  };
}

/**
 * extensions.cost, when present and plausible. It is advisory: a garbled one is ignored
 * rather than allowed to stall the limiter (a restore rate of 1e-300 would wait forever).
 */
function readCost(body: Json): { requested?: number; available: number; restoreRate?: number; maximum?: number } | undefined {
  const cost = (body['extensions'] as { cost?: Json } | undefined)?.cost;
  const status = cost?.['throttleStatus'] as Json | undefined;
  const available = status?.['currentlyAvailable'];
  if (!plausible(available, 0)) return undefined;
  const requested = cost?.['requestedQueryCost'];
  const restore = status?.['restoreRate'];
  const maximum = status?.['maximumAvailable'];
  const goodRestore = plausible(restore, 1) ? restore : undefined;
  const goodMaximum = plausible(maximum, Math.max(1, goodRestore ?? 1)) ? maximum : undefined;
  return {
    available: Math.min(available, goodMaximum ?? available),
    ...(plausible(requested, 0) && { requested }),
    ...(goodRestore !== undefined && { restoreRate: goodRestore }),
    ...(goodMaximum !== undefined && { maximum: goodMaximum }),
  };
}

const plausible = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= 10_000_000;
