// Shared by the WooCommerce and Amazon connector tests: a loopback webhook receiver and
// the check that a parsed webhook is well formed (for the fuzz tests).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import type { InboundEvent, ParsedWebhook, WebhookInput } from '../../src/connectors/types.js';

export interface Delivery {
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  rawBody: Buffer;
}

export async function startReceiver() {
  const received: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
      received.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), headers, rawBody: Buffer.concat(chunks) });
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export const asInput = (d: Delivery): WebhookInput => ({ headers: d.headers, query: d.query, rawBody: d.rawBody });

const validDate = (d: unknown) => d instanceof Date && !Number.isNaN(d.getTime());

function checkEvent(e: InboundEvent): void {
  switch (e.kind) {
    case 'order':
      expect(typeof e.order.externalId).toBe('string');
      expect(e.order.externalId.length).toBeGreaterThan(0);
      expect(validDate(e.order.placedAt) && validDate(e.order.updatedAt)).toBe(true);
      expect(typeof e.order.cancelled).toBe('boolean');
      for (const l of e.order.lines) {
        expect(typeof l.sku).toBe('string');
        expect(Number.isSafeInteger(l.quantity)).toBe(true);
      }
      return;
    case 'order_cancelled':
      expect(typeof e.externalId).toBe('string');
      expect(validDate(e.at)).toBe(true);
      return;
    case 'channel_quantity':
      expect(typeof e.item.sku).toBe('string');
      expect(Number.isSafeInteger(e.item.quantity)).toBe(true);
      expect(validDate(e.at)).toBe(true);
      for (const v of Object.values(e.item.platformIds)) expect(typeof v).toBe('string');
      return;
    case 'ignored':
      expect(typeof e.reason).toBe('string');
      return;
    default:
      throw new Error(`unexpected event kind ${e.kind}`);
  }
}

/** parse either throws ConnectorError('PARSE') or returns a well-formed result. */
export function parsesOrRejects(parse: (i: WebhookInput) => ParsedWebhook, input: WebhookInput): ParsedWebhook | undefined {
  let parsed: ParsedWebhook;
  try {
    parsed = parse(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorError);
    expect((e as ConnectorError).connectorCode).toBe('PARSE');
    return undefined;
  }
  expect(typeof parsed.eventId).toBe('string');
  expect(parsed.eventId.length).toBeGreaterThan(0);
  expect(typeof parsed.topic).toBe('string');
  expect(Array.isArray(parsed.events)).toBe(true);
  parsed.events.forEach(checkEvent);
  return parsed;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await sleep(10);
  }
}
