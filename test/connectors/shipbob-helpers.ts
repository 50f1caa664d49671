// Shared setup for the ShipBob connector tests: the sandbox's ShipBob on loopback, connectors
// pointed at it, and a webhook receiver that keeps raw bodies.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { create, type ShipBobConnector } from '../../src/connectors/shipbob/index.js';
import type { Page, WebhookInput } from '../../src/connectors/types.js';
import type { RunningSandbox } from '../../sandbox/server.js';

export const SECRET = `whsec_${Buffer.from('a 32 byte signing key for tests!').toString('base64')}`;
export const TOKEN = 'tok';

export function connector(sb: RunningSandbox, name: string, options: Record<string, unknown> = {}, credentials: Record<string, string> = {}): ShipBobConnector {
  return create({
    connectionId: `test-${name}`,
    baseUrl: `${sb.url}/warehouse/${name}`,
    credentials: { accessToken: TOKEN, webhookSecret: SECRET, ...credentials },
    options: { channelId: '100001', ...options },
  });
}

/** Every page of a listing, in order. */
export async function drain<T>(next: (cursor: string | null) => Promise<Page<T>>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page<T> = await next(cursor);
    items.push(...page.items);
    cursor = page.next;
    pages++;
  } while (cursor !== null && pages < 1000);
  return { items, pages };
}

export interface Delivery {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

export function asInput(d: Delivery, rawBody: Buffer = d.rawBody): WebhookInput {
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(d.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return { headers, query: {}, rawBody };
}

export async function startReceiver() {
  const received: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, rawBody: Buffer.concat(chunks) });
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export async function control(sb: RunningSandbox, name: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sb.url}/_sandbox/warehouse/${name}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
}
