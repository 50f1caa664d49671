// Shared setup for the ShipBob connector tests: the sandbox's ShipBob on loopback, connectors
// pointed at it, and the shared webhook receiver.
import type { Delivery } from './woocommerce-helpers.js';
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

// The loopback receiver the WooCommerce and Amazon tests use (headers lower-cased, bodies raw).
export { startReceiver, type Delivery } from './woocommerce-helpers.js';

/** A delivery as the connector gets it, optionally with another body (a tampered one). */
export function asInput(d: Delivery, rawBody: Buffer = d.rawBody): WebhookInput {
  return { headers: d.headers, query: {}, rawBody };
}

export async function control(sb: RunningSandbox, name: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sb.url}/_sandbox/warehouse/${name}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
}
