// The admin API fuzzed: arbitrary JSON bodies and query strings on every route get a 2xx or
// a 4xx problem document, never a 500, and the process keeps serving.
import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { API_PREFIX, registerAdminApi, type AdminApi } from '../../src/server/admin/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { loadFixture } from '../helpers/catalog.js';

const TOKEN = 'fuzz-admin-token-0123456789';
const RUNS = 40;

describe('admin API fuzz', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let api: AdminApi;
  const serverErrors: string[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    await loadFixture(t.db, { channels: 2, skus: [{ sku: 'A' }, { sku: 'B' }] });
    app = Fastify();
    api = await registerAdminApi(app, { db: t.db, log: createLogger({ level: 'silent' }), token: TOKEN, connectors: new Map() });
    app.addHook('onResponse', async (req, reply) => {
      if (reply.statusCode >= 500) serverErrors.push(`${req.method} ${req.url} -> ${reply.statusCode}`);
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  /** A route's URL with its parameters filled from `values` (existing ids and SKUs, or junk). */
  const fill = (url: string, values: string[]) => url.replace(/:([a-zA-Z]+)/g, () => encodeURIComponent(values.shift() ?? 'x'));

  it('arbitrary bodies on every write get 2xx or a 4xx problem, never a 500', async () => {
    const writes = api.table.routes.filter((r) => r.method !== 'GET');
    expect(writes.length).toBeGreaterThan(10);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...writes),
        fc.array(fc.oneof(fc.constantFrom('ch1', 'wh', 'A', '1', '2', 'none'), fc.string({ maxLength: 20 })), { minLength: 3, maxLength: 3 }),
        fc.jsonValue({ maxDepth: 3 }),
        async (route, params, body) => {
          n++;
          const r = await app.inject({
            method: route.method,
            url: `${API_PREFIX}${fill(route.url, [...params])}`,
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': `fuzz-key-${n}` },
            payload: JSON.stringify(body),
          });
          expect(r.statusCode, `${route.method} ${route.url} ${JSON.stringify(body).slice(0, 200)}: ${r.body.slice(0, 300)}`).toBeLessThan(500);
          if (r.statusCode >= 400) expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
        },
      ),
      { numRuns: RUNS * writes.length },
    );
    expect(serverErrors).toEqual([]);
  });

  it('bodies shaped like the real ones (right field names, hostile values: NUL, huge, negative, fractional) never get a 500', async () => {
    const writes = api.table.routes.filter((r) => r.method !== 'GET');
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('A', 'B', 'main', 'wh', 'ch1', '\u0000', ' '),
      fc.string({ minLength: 1000, maxLength: 1100 }),
    );
    const num = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, 3e9, 1.5));
    const value = fc.oneof(text, num, fc.boolean(), fc.constant(null));
    const line = fc.record({ sku: fc.oneof(text, value), quantity: fc.oneof(num, value) }, { requiredKeys: [] });
    const fields = {
      reason: value,
      note: value,
      delta: value,
      available: value,
      warehouse: value,
      location: value,
      externalId: value,
      placedAt: fc.oneof(
        value,
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
      lines: fc.oneof(value, fc.array(line, { maxLength: 3 })),
      connectionId: value,
      skipSignatureCheck: value,
      mode: fc.oneof(value, fc.constantFrom('shared', 'adaptive', 'partitioned')),
      reserve: value,
      holdBackPercent: value,
      holdBackUnits: value,
      zeroBelow: value,
      maxCap: value,
    };
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...writes),
        fc.array(fc.oneof(fc.constantFrom('ch1', 'wh', 'A', '1'), text), { minLength: 3, maxLength: 3 }),
        fc.record(fields, { requiredKeys: [] }),
        async (route, params, body) => {
          n++;
          const r = await app.inject({
            method: route.method,
            url: `${API_PREFIX}${fill(route.url, [...params])}`,
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': `shaped-key-${n}` },
            payload: JSON.stringify(body),
          });
          expect(r.statusCode, `${route.method} ${route.url} ${JSON.stringify(body).slice(0, 300)}: ${r.body.slice(0, 300)}`).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS * 3 * writes.length },
    );
    expect(serverErrors).toEqual([]);
  });

  it('arbitrary query strings on every read get 2xx or a 4xx problem', async () => {
    const reads = api.table.routes.filter((r) => r.method === 'GET');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...reads),
        fc.array(
          fc.tuple(
            fc.constantFrom('limit', 'cursor', 'q', 'low', 'lowThreshold', 'sort', 'state', 'kind', 'sku', 'source', 'connectionId'),
            fc.oneof(
              fc.string({ maxLength: 30 }),
              fc.integer().map(String),
              fc.constantFrom('99999999999', '1e12', '-1', 'NaN', 'true', 'ats'),
              fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')), // cursor-like
            ),
          ),
          {
            maxLength: 4,
          },
        ),
        fc.array(fc.oneof(fc.constantFrom('ch1', 'A', '1'), fc.string({ maxLength: 20 })), { minLength: 3, maxLength: 3 }),
        async (route, query, params) => {
          const qs = query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
          const r = await app.inject({
            method: 'GET',
            url: `${API_PREFIX}${fill(route.url, [...params])}?${qs}`,
            headers: { authorization: `Bearer ${TOKEN}` },
          });
          expect(r.statusCode, `${route.url}?${qs}: ${r.body.slice(0, 300)}`).toBeLessThan(500);
        },
      ),
      { numRuns: RUNS * reads.length },
    );
    expect(serverErrors).toEqual([]);
    expect((await app.inject({ method: 'GET', url: `${API_PREFIX}/skus`, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
  });
});
