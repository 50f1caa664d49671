// POST /webhooks/:connectionId through the engine's real server (buildServer) on real
// PostgreSQL: a 2xx only for an event committed to the inbox, concurrent duplicate
// deliveries stored once, a database failure answered 503 for every request of the
// batch with nothing stored, refusals quarantined with their reason.
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnector } from '../../src/connectors/index.js';
import { buildServer } from '../../src/server/app.js';
import type { Db } from '../../src/store/db.js';
import { loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const SECRET = 'route-test-secret';
let t: TestDatabase;
let app: FastifyInstance;
let woken = 0;

async function serverOn(db: Db): Promise<FastifyInstance> {
  const shop = await createConnector('shopify', {
    connectionId: 'ch1',
    baseUrl: 'http://127.0.0.1:1',
    credentials: { accessToken: 'shpat_test', webhookSecret: SECRET },
    options: {},
  });
  return buildServer({ db, logger: pino({ level: 'silent' }), connectors: new Map([['ch1', shop]]), onWebhookStored: () => woken++, bodyLimit: 10_000 });
}

beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 1 });
  app = await serverOn(t.db);
});
afterAll(async () => {
  await app?.close();
  await t.drop();
});
beforeEach(async () => {
  await t.db.query(`TRUNCATE inbox, quarantine`);
  woken = 0;
});

function order(n: number): string {
  return JSON.stringify({ id: n + 1, line_items: [{ sku: 'A', quantity: 1 }], created_at: '2026-11-28T10:00:00Z', updated_at: '2026-11-28T10:00:00Z' });
}

function post(server: FastifyInstance, body: string, eventId: string, opts: { signature?: string } = {}) {
  return server.inject({
    method: 'POST',
    url: '/webhooks/ch1',
    headers: {
      'content-type': 'application/json',
      'x-shopify-topic': 'orders/create',
      'x-shopify-event-id': eventId,
      'x-shopify-hmac-sha256': opts.signature ?? createHmac('sha256', SECRET).update(body).digest('base64'),
    },
    payload: body,
  });
}

async function count(table: 'inbox' | 'quarantine'): Promise<number> {
  const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

describe('webhook route', () => {
  it('answers 200 only once the event is in the inbox, with its raw body and headers', async () => {
    const body = order(1);
    const res = await post(app, body, 'ev-1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, duplicate: false });
    const { rows } = await t.db.query(`SELECT event_id, topic, body, headers->>'x-shopify-event-id' AS header FROM inbox`);
    expect(rows).toEqual([{ event_id: 'ev-1', topic: 'orders/create', body: Buffer.from(body), header: 'ev-1' }]);
    expect(woken).toBe(1);
  });

  it('50 concurrent deliveries of the same event: one row, exactly one answered as new', async () => {
    const body = order(2);
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(app, body, 'ev-dup')));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(50).fill(200));
    expect(answers.filter((a) => a.json().duplicate === false)).toHaveLength(1);
    expect(await count('inbox')).toBe(1);
  });

  it('400 concurrent distinct events with redeliveries: every 2xx is a row, none lost', async () => {
    const n = 400;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => post(app, order(i % 300), `ev-${i % 300}`)));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(answers.filter((a) => a.json().duplicate === false)).toHaveLength(300);
    expect(await count('inbox')).toBe(300);
  });

  it('a database failure answers 503 to every request of the batch and stores nothing', async () => {
    const pool = new pg.Pool({ connectionString: t.url, max: 4, options: '-c statement_timeout=300' });
    const failing = await serverOn(pool);
    const locker = await t.db.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE');
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(failing, order(i), `down-${i}`)));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(503));
      expect(answers[0]!.headers['retry-after']).toBe('1');
      await locker.query('COMMIT');
      expect(await count('inbox')).toBe(0);
      expect(await count('quarantine')).toBe(0); // our failure, not bad input: the platform redelivers
      // the redeliveries are stored
      const again = await Promise.all(Array.from({ length: 20 }, (_, i) => post(failing, order(i), `down-${i}`)));
      expect(again.map((a) => a.json())).toEqual(Array(20).fill({ ok: true, duplicate: false }));
      expect(await count('inbox')).toBe(20);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      locker.release();
      await failing.close();
      await pool.end();
    }
  });

  it('a bad signature, a malformed body and an oversized body are refused and quarantined with their reason', async () => {
    const bad = await post(app, order(3), 'ev-3', { signature: 'AAAA' });
    expect(bad.statusCode).toBe(401);
    const malformed = await post(app, '{"id":', 'ev-4');
    expect(malformed.statusCode).toBe(400);
    const big = await post(app, `{"pad":"${'x'.repeat(20_000)}"}`, 'ev-5');
    expect(big.statusCode).toBe(413);
    const { rows } = await t.db.query(`SELECT reason, body IS NOT NULL AS has_body FROM quarantine ORDER BY id`);
    expect(rows).toEqual([
      { reason: 'signature missing or invalid', has_body: true },
      { reason: expect.stringContaining('body is not JSON'), has_body: true },
      { reason: 'body larger than the limit', has_body: false },
    ]);
    expect(await count('inbox')).toBe(0);
  });
});
