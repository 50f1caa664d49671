// GET /api/v1/activity, the series of the dashboard's first page: orders per minute over
// every minute of the window, push rates from sampled counters, lowering latency per minute.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { buildServer } from '../../src/server/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { loadFixture } from '../helpers/catalog.js';

const TOKEN = 'activity-token-0123456789';

describe('admin API: /activity', () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.statusCode, body: res.json() };
  };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    await loadFixture(testDb.db, { channels: 2, skus: [{ sku: 'A' }, { sku: 'B' }] });
    const db = testDb.db;
    // Three orders two minutes ago, one now; two lowerings on ch1 a minute ago.
    await db.query(
      `INSERT INTO orders (connection_id, external_id, placed_at, created_at)
       SELECT 'ch1', 'o' || n, now(), now() - interval '2 minutes' FROM generate_series(1, 3) n
       UNION ALL SELECT 'ch2', 'o4', now(), now()`,
    );
    await db.query(
      `INSERT INTO lowering_latencies (connection_id, recorded_at, ms) VALUES ('ch1', now() - interval '1 minute', 300), ('ch1', now() - interval '1 minute', 900)`,
    );
    await db.query(`INSERT INTO connection_activity (connection_id, push_calls, pushed_listings) VALUES ('ch1', 10, 40)`);
    app = await buildServer({ db, logger: createLogger({ level: 'silent' }), adminToken: TOKEN });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.drop();
  });

  it('needs the token', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/activity' })).statusCode).toBe(401);
  });

  it('gives every minute of the window, the last 60 s, and latencies', async () => {
    const r = await get('/api/v1/activity?minutes=5');
    expect(r.status).toBe(200);
    expect(r.body.windowMinutes).toBe(5);
    expect(r.body.ordersLastMinute).toBe(1);
    expect(r.body.ordersPerMinute).toHaveLength(5);
    const counts = r.body.ordersPerMinute.map((m: { count: number }) => m.count);
    expect(counts.reduce((a: number, b: number) => a + b, 0)).toBe(4);
    expect(counts[counts.length - 1]).toBe(1);
    expect(counts).toContain(3);
    expect(r.body.loweringLatencyMs).toEqual([expect.objectContaining({ connectionId: 'ch1', count: 2, p50: 300, max: 900 })]);
    // One sample so far: no rate yet.
    expect(r.body.pushesPerMinute).toEqual([]);
  });

  it('turns sampled push counters into rates per minute', async () => {
    // The sampler's interval is 10 s; drive it through the route by waiting for a second sample.
    await testDb.db.query(`UPDATE connection_activity SET push_calls = push_calls + 5, pushed_listings = pushed_listings + 20 WHERE connection_id = 'ch1'`);
    await new Promise((r) => setTimeout(r, 10_500));
    const r = await get('/api/v1/activity?minutes=5');
    const ch1 = r.body.pushesPerMinute.find((p: { connectionId: string }) => p.connectionId === 'ch1');
    expect(ch1.calls).toBeGreaterThan(25); // 5 calls in ~10 s = ~30 a minute
    expect(ch1.calls).toBeLessThan(31);
    expect(ch1.listings).toBeGreaterThan(100);
  }, 20_000);

  it('refuses a window it does not keep', async () => {
    const r = await get('/api/v1/activity?minutes=61');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].field).toBe('query.minutes');
  });
});
