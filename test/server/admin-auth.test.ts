// The admin API's door: bearer token (timing-safe, never logged), failed attempts limited per
// address, off without a token, security headers without CORS, problem details, idempotent
// writes, and an OpenAPI 3.1 document that validates and covers every route.
import { validate, compileErrors } from '@readme/openapi-parser';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
import { timingSafeEqual } from 'node:crypto';
import { createLogger } from '../../src/log.js';
import { createPool } from '../../src/store/db.js';
import { quarantineListing } from '../../src/store/dispatch.js';
import { buildServer } from '../../src/server/app.js';
import { API_PREFIX, registerAdminApi } from '../../src/server/admin/index.js';
import { UNDOCUMENTED_ROUTES } from '../../src/server/admin/openapi.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { loadFixture } from '../helpers/catalog.js';

const TOKEN = 'admin-token-0123456789-secret';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('admin API: auth, headers, errors, idempotency, OpenAPI', () => {
  let testDb: TestDatabase;
  let app: FastifyInstance;
  const logLines: string[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    await loadFixture(testDb.db, { channels: 2, skus: [{ sku: 'A' }, { sku: 'B' }] });
    const logger = createLogger({ level: 'debug', stream: { write: (l: string) => logLines.push(l) } });
    app = await buildServer({ db: testDb.db, logger, adminToken: TOKEN, adminAuth: { maxFailures: 3, windowMs: 60_000 } });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await testDb?.drop();
  });

  const get = (url: string, headers: Record<string, string> = auth, remoteAddress = '10.0.0.1') => app.inject({ method: 'GET', url, headers, remoteAddress });

  it('answers 401 without a token or with a wrong one, as a problem document', async () => {
    const none = await get(`${API_PREFIX}/connections`, {});
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED', title: 'Unauthorized' });
    const wrong = await get(`${API_PREFIX}/connections`, { authorization: 'Bearer nope' }, '10.0.0.2');
    expect(wrong.statusCode).toBe(401);
    // A token in the URL is not a token.
    const inUrl = await get(`${API_PREFIX}/connections?token=${TOKEN}&access_token=${TOKEN}`, {}, '10.0.0.3');
    expect(inUrl.statusCode).toBe(401);
    expect((await get(`${API_PREFIX}/connections`)).statusCode).toBe(200);
    // Unknown routes too (nothing is learnt about which exist), and no spelling of a public
    // route reaches another one.
    expect((await get(`${API_PREFIX}/nothing`, {}, '10.0.0.4')).statusCode).toBe(401);
    const sneaky = await get(`${API_PREFIX}/docs/..%2Fconnections`, {}, '10.0.0.5');
    expect(sneaky.statusCode).toBe(404);
    expect(sneaky.body).not.toContain('"items"');
  });

  it('compares the token with crypto.timingSafeEqual', async () => {
    vi.mocked(timingSafeEqual).mockClear();
    expect((await get(`${API_PREFIX}/connections`)).statusCode).toBe(200);
    expect(vi.mocked(timingSafeEqual)).toHaveBeenCalled();
  });

  it('answers 429 with Retry-After after repeated failures from one address, and only that address', async () => {
    const ip = '10.0.0.9';
    for (let i = 0; i < 3; i++) expect((await get(`${API_PREFIX}/skus`, { authorization: 'Bearer guess' + i }, ip)).statusCode).toBe(401);
    const blocked = await get(`${API_PREFIX}/skus`, auth, ip); // even the right token, until the window ends
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.json().code).toBe('TOO_MANY_FAILED_ATTEMPTS');
    expect((await get(`${API_PREFIX}/skus`, auth, '10.0.0.10')).statusCode).toBe(200);
  });

  it('never logs the token', async () => {
    logLines.length = 0;
    await get(`${API_PREFIX}/skus?q=A`);
    await get(`${API_PREFIX}/skus`, { authorization: `Bearer ${TOKEN}x` }, '10.0.0.20');
    const all = logLines.join('');
    expect(all).toContain('incoming request'); // requests are logged at debug...
    expect(all).not.toContain(TOKEN); // ...without the token
  });

  it('sets security headers, no CORS headers, and no-store', async () => {
    const r = await app.inject({ method: 'GET', url: `${API_PREFIX}/connections`, headers: { ...auth, origin: 'https://evil.example' } });
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: `${API_PREFIX}/connections`,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers unknown routes and bad input as problems naming each field', async () => {
    const missing = await get(`${API_PREFIX}/nothing-here`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');
    const bad = await get(`${API_PREFIX}/skus?limit=0&sort=price&low=maybe`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('INPUT_INVALID');
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['query.limit', 'query.low', 'query.sort']);
    const badCursor = await get(`${API_PREFIX}/skus?cursor=not-a-cursor`);
    expect(badCursor.json().errors[0].field).toBe('query.cursor');
  });

  it('names the bad field on every resource', async () => {
    const cases: [method: 'GET' | 'POST' | 'PUT', url: string, body: unknown, field: string][] = [
      ['POST', '/connections/ch1/pause', { reason: '' }, 'body.reason'],
      ['GET', '/connections/Not_An_Id', undefined, 'params.id'],
      ['GET', '/skus/A/ledger?limit=9999', undefined, 'query.limit'],
      ['GET', '/skus?low=true&lowThreshold=99999999999', undefined, 'query.lowThreshold'],
      ['GET', `/skus?sort=ats&cursor=${Buffer.from(JSON.stringify({ sku: 'A', ats: 1e12 })).toString('base64url')}`, undefined, 'query.cursor'],
      ['PUT', '/buffers/ch1/overrides/A', { maxCap: 'lots' }, 'body.maxCap'],
      ['POST', '/reconciliations', { connectionId: 'Bad Id' }, 'body.connectionId'],
      ['GET', '/reconciliations/abc', undefined, 'params.id'],
      ['GET', '/incidents?state=closed', undefined, 'query.state'],
      ['POST', '/incidents/1/resolve', { note: 'x'.repeat(1001) }, 'body.note'],
      ['GET', '/quarantine/records?source=email', undefined, 'query.source'],
      ['POST', '/quarantine/records/1/replay', { skipSignatureCheck: 'yes' }, 'body.skipSignatureCheck'],
      ['POST', '/quarantine/listings/-1/release', undefined, 'params.id'],
      ['POST', '/listings/1.5/push', undefined, 'params.id'],
      ['POST', '/connections/ch1/orders', { externalId: 'o-1', lines: [{ sku: 'A', quantity: 1, price: 3 }] }, 'body.lines[0]'],
      // PostgreSQL's text refuses NUL: refused at the door, with the field named.
      ['POST', '/skus/A/adjustments', { delta: 1, reason: 'a\u0000b' }, 'body.reason'],
      ['POST', '/connections/ch1/pause', { reason: '\u0000' }, 'body.reason'],
      ['POST', '/incidents/1/resolve', { note: 'ok', extra: ['x', 'y\u0000'] }, 'body.extra[1]'],
    ];
    for (const [method, url, body, field] of cases) {
      const r = await app.inject({
        method,
        url: `${API_PREFIX}${url}`,
        headers: { ...auth, 'idempotency-key': 'bad-input-key-1', ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { payload: JSON.stringify(body) }),
      });
      expect(r.statusCode, `${method} ${url}`).toBe(400);
      expect(
        r.json().errors.map((e: { field: string }) => e.field),
        `${method} ${url}`,
      ).toContain(field);
    }
  });

  it('releases quarantined listings in bulk, as `stocksync release` does', async () => {
    const { rows } = await testDb.db.query(`SELECT id FROM listings WHERE connection_id = 'ch1' ORDER BY sku`);
    for (const r of rows) await quarantineListing(testDb.db, r.id, 'PERMANENT: test');
    const post = (body: unknown) =>
      app.inject({
        method: 'POST',
        url: `${API_PREFIX}/quarantine/listings/release`,
        headers: { ...auth, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const vague = await post({});
    expect(vague.statusCode).toBe(400);
    expect(vague.json().errors[0].field).toBe('body');
    const released = await post({ connectionId: 'ch1' });
    expect(released.statusCode).toBe(200);
    expect(released.json().released.map((r: { sku: string }) => r.sku)).toEqual(['A', 'B']);
    expect((await post({ connectionId: 'ch1' })).json().released).toEqual([]);
  });

  it('refuses a body larger than the route takes (413) and a body that is not JSON (400)', async () => {
    const big = await app.inject({
      method: 'PUT',
      url: `${API_PREFIX}/buffers/ch1`,
      headers: { ...auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ reserve: 1, pad: 'x'.repeat(70_000) }),
    });
    expect(big.statusCode).toBe(413);
    const notJson = await app.inject({
      method: 'PUT',
      url: `${API_PREFIX}/buffers/ch1`,
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{nope',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().code).toBe('INPUT_INVALID');
  });

  it('replays a write with the same Idempotency-Key and refuses the key on another body (422)', async () => {
    const post = (key: string | undefined, body: unknown) =>
      app.inject({
        method: 'POST',
        url: `${API_PREFIX}/skus/A/adjustments`,
        headers: { ...auth, 'content-type': 'application/json', ...(key && { 'idempotency-key': key }) },
        payload: JSON.stringify(body),
      });
    const noKey = await post(undefined, { delta: 5, reason: 'stock take' });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json().errors[0].field).toBe('header.idempotency-key');
    const first = await post('key-adjust-0001', { delta: 5, reason: 'stock take' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({ outcome: 'applied', warehouse: 'wh', location: 'main' });
    const again = await post('key-adjust-0001', { delta: 5, reason: 'stock take' });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const { rows } = await testDb.db.query(`SELECT available, claimed FROM sku_stock WHERE sku = 'A'`);
    expect(rows[0]).toEqual({ available: 5, claimed: 0 }); // applied once
    const other = await post('key-adjust-0001', { delta: 6, reason: 'stock take' });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    const noReason = await post('key-adjust-0002', { delta: 1, reason: '  ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors[0].field).toBe('body.reason');
  });

  it('serves an OpenAPI 3.1 document that validates and covers every route', async () => {
    const r = await get(`${API_PREFIX}/openapi.json`, {}); // public: it holds no data
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc));
    if (!result.valid) throw new Error(compileErrors(result));
    const documented = new Set(
      Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)),
    );
    // Every route Fastify registered in the API's scope, read back on a server of its own.
    const bare = Fastify();
    const api = await registerAdminApi(bare, { db: testDb.db, log: createLogger({ level: 'silent' }), token: TOKEN, connectors: new Map() });
    await bare.close();
    const registered = api.registered
      .filter((x) => !UNDOCUMENTED_ROUTES.some((u) => x.url === `${API_PREFIX}${u}`))
      .map((x) => `${x.method} ${x.url.replace(/:([a-zA-Z]+)/g, '{$1}')}`);
    expect(registered.length).toBeGreaterThan(20);
    for (const route of registered) expect(documented, route).toContain(route);
    expect(documented.size).toBe(new Set(registered).size);
  });

  it('serves the docs page and its assets from this process', async () => {
    const page = await get(`${API_PREFIX}/docs`, {});
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('docs/swagger-ui-bundle.js');
    const js = await get(`${API_PREFIX}/docs/swagger-ui-bundle.js`, {});
    expect(js.statusCode).toBe(200);
    expect(js.body.length).toBeGreaterThan(100_000);
  });

  it('answers 503 with Retry-After when the database does not answer', async () => {
    const deadDb = createPool('postgres://nobody@127.0.0.1:1/none', 1);
    const down = await buildServer({ db: deadDb, logger: createLogger({ level: 'silent' }), adminToken: TOKEN });
    try {
      const r = await down.inject({ method: 'GET', url: `${API_PREFIX}/skus`, headers: auth });
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBe('5');
      expect(r.json().code).toBe('DB_UNAVAILABLE');
    } finally {
      await down.close();
      await deadDb.end();
    }
  });

  it('is off (404) without a token, and says so at start', async () => {
    const lines: string[] = [];
    const off = await buildServer({ db: testDb.db, logger: createLogger({ stream: { write: (l: string) => lines.push(l) } }) });
    try {
      expect((await off.inject({ method: 'GET', url: `${API_PREFIX}/connections`, headers: auth })).statusCode).toBe(404);
      expect(lines.join('')).toContain('admin API off');
    } finally {
      await off.close();
    }
  });
});
