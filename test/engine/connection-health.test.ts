// A connector's calls watched for connection health: an auth refusal or an outage (after
// the connector's retries) starts a failing streak in the database, the next answered
// call ends it; refusals of one input, 429s and local calls say nothing about it.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import type { ChannelConnector, PushItem } from '../../src/connectors/types.js';
import { failureOf, watchConnectionHealth } from '../../src/engine/connection-health.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { loadFixture } from '../helpers/catalog.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 1 });
});
afterAll(async () => t.drop());

const health = async () =>
  (await t.db.query(`SELECT failure, failing_since IS NOT NULL AS failing, last_error FROM connection_health WHERE connection_id = 'ch1'`)).rows[0];

describe('connection health', () => {
  it('classifies failures: auth, unreachable (network, timeout, 5xx), or nothing', () => {
    expect(failureOf(new ConnectorError('AUTH', 'x'))).toBe('auth');
    for (const code of ['NETWORK', 'TIMEOUT', 'SERVER'] as const) expect(failureOf(new ConnectorError(code, 'x'))).toBe('unreachable');
    for (const code of ['RATE_LIMITED', 'REJECTED', 'NOT_FOUND', 'PARSE'] as const) expect(failureOf(new ConnectorError(code, 'x'))).toBeUndefined();
    expect(failureOf(new Error('a bug'))).toBeUndefined();
  });

  it('records a failing streak from thrown errors and per-item failures, and its end on the next answer', async () => {
    let next: () => Promise<unknown> = async () => [];
    const fake = {
      kind: 'channel',
      platform: 'shopify',
      verifyWebhook: () => true,
      push: (items: PushItem[]) => next().then((r) => r ?? items.map((i) => ({ status: 'applied', listingId: i.listing.listingId, quantity: i.quantity }))),
      pollOrders: () => next(),
    } as unknown as ChannelConnector;
    const c = watchConnectionHealth(fake, { db: t.db, log: pino({ level: 'silent' }), connectionId: 'ch1' });
    expect(c.verifyWebhook({ headers: {}, query: {}, rawBody: Buffer.alloc(0) })).toBe(true);
    const item: PushItem = { listing: { listingId: 1, sku: 'A', platformIds: {} }, quantity: 1, expected: 0 };

    next = () => Promise.reject(new ConnectorError('AUTH', 'answered 401'));
    await expect(c.pollOrders(new Date(), null)).rejects.toThrow('answered 401');
    await vi.waitFor(async () => expect(await health()).toMatchObject({ failure: 'auth', failing: true, last_error: 'answered 401' }));

    // A push whose every listing failed (Amazon answers per listing) counts like a thrown error.
    next = async () => [{ status: 'failed', listingId: 1, error: new ConnectorError('SERVER', 'answered 503') }];
    await c.push([item]);
    await vi.waitFor(async () => expect(await health()).toMatchObject({ failure: 'unreachable', failing: true }));

    // A rate limit says nothing about reachability: the streak goes on.
    next = () => Promise.reject(new ConnectorError('RATE_LIMITED', '429'));
    await expect(c.pollOrders(new Date(), null)).rejects.toThrow('429');
    expect(await health()).toMatchObject({ failure: 'unreachable', failing: true });

    next = async () => undefined;
    await c.push([item]);
    await vi.waitFor(async () => expect(await health()).toMatchObject({ failure: null, failing: false }));
  });
});
