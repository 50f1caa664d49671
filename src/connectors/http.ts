// One HTTP call to a platform: timeout, JSON in and out, and every failure turned into a
// classified ConnectorError (see errors.ts). Retrying is the caller's choice (retry.ts).
import { ConnectorError, errorFromStatus } from './errors.js';
import { parseRetryAfter } from './retry.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: unknown; // JSON-encoded when not a string
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = unknown>(): T;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let res: Response;
  let text: string;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: { accept: 'application/json', ...(req.body !== undefined && { 'content-type': 'application/json' }), ...req.headers },
      body: req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body),
      signal: controller.signal,
    });
    text = await res.text();
  } catch (e) {
    if (controller.signal.aborted) throw new ConnectorError('TIMEOUT', `${req.method} ${redact(req.url)} timed out after ${timeoutMs} ms`);
    throw new ConnectorError('NETWORK', `${req.method} ${redact(req.url)} failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  const response: HttpResponse = {
    status: res.status,
    headers: res.headers,
    text,
    json<T>() {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ConnectorError('PARSE', `${req.method} ${redact(req.url)}: response is not JSON (status ${res.status})`);
      }
    },
  };
  if (res.status >= 400) {
    throw errorFromStatus(
      res.status,
      `${req.method} ${redact(req.url)} answered ${res.status}: ${text.slice(0, 300)}`,
      parseRetryAfter(res.headers.get('retry-after')),
    );
  }
  return response;
}

/** Query strings may carry tokens on some platforms: never log them. */
function redact(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : `${url.slice(0, q)}?…`;
}
