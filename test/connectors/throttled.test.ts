// Every rate-limit answer a platform still gives us reaches ConnectorConfig.onThrottled
// (the engine counts it per connection as stocksync_throttled_calls_total), retried or not.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnector } from '../../src/connectors/index.js';
import type { ChannelConnector } from '../../src/connectors/types.js';

let url = '';
const statuses: number[] = [];
const server = createServer((req, res) => {
  const status = statuses.shift() ?? 200;
  res.writeHead(status, { 'content-type': 'application/json', 'x-wp-totalpages': '1', ...(status === 429 && { 'retry-after': '0' }) });
  res.end(status === 200 ? '[]' : '{"code":"too_many_requests"}');
});
beforeAll(() => new Promise<void>((r) => server.listen(0, '127.0.0.1', () => ((url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`), r()))));
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('throttled calls', () => {
  it('woocommerce: each 429 is reported, including those a retry got past', async () => {
    let throttled = 0;
    const woo = (await createConnector('woocommerce', {
      connectionId: 'woo',
      baseUrl: url,
      credentials: { consumerKey: 'ck', consumerSecret: 'cs' },
      options: { retry: { attempts: 3, baseMs: 1, maxMs: 1 } },
      onThrottled: () => throttled++,
    })) as ChannelConnector;
    statuses.push(429, 429);
    await expect(woo.pollOrders(new Date(0), null)).resolves.toMatchObject({ items: [] });
    expect(throttled).toBe(2);
    statuses.push(429, 429, 429);
    await expect(woo.pollOrders(new Date(0), null)).rejects.toMatchObject({ connectorCode: 'RATE_LIMITED' });
    expect(throttled).toBe(5);
  });
});
