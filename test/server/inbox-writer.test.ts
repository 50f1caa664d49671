// The inbox's group commit (src/store/inbox-writer.ts) on real PostgreSQL: duplicates in
// one batch and across batches give one row, a failing batch fails every event in it
// and stores none, one row's bad data fails that row alone, nothing is lost or
// reordered under parallel load.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreError } from '../../src/store/errors.js';
import type { InboxEventIn } from '../../src/store/inbox.js';
import { createInboxWriter } from '../../src/store/inbox-writer.js';
import { loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 2 });
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.query(`TRUNCATE inbox`);
  vi.restoreAllMocks();
});

function ev(eventId: string, connectionId = 'ch1', body = `{"id":"${eventId}"}`): InboxEventIn {
  return { connectionId, eventId, topic: 'orders/create', headers: { 'x-shopify-event-id': eventId, 'x-quote': 'a "b" \\ c' }, body: Buffer.from(body) };
}

async function inboxRows(): Promise<{ id: number; connection_id: string; event_id: string; headers: Record<string, string>; body: Buffer }[]> {
  const { rows } = await t.db.query(`SELECT id, connection_id, event_id, headers, body FROM inbox ORDER BY id`);
  return rows;
}

/** Counts the batch inserts the writer sends. */
function countInserts(): { readonly n: number } {
  const counter = { n: 0 };
  const query = t.db.query.bind(t.db) as (...a: unknown[]) => unknown;
  vi.spyOn(t.db, 'query').mockImplementation(((...args: unknown[]) => {
    if ((args[0] as { name?: string }).name === 'inbox_insert_batch') counter.n++;
    return query(...args);
  }) as typeof t.db.query);
  return counter;
}

describe('inbox writer', () => {
  it('stores each event with its headers and body, and a redelivery as a duplicate', async () => {
    const w = createInboxWriter(t.db);
    expect(await w.write(ev('e1'))).toBe('stored');
    expect(await w.write(ev('e1'))).toBe('duplicate');
    expect(await w.write(ev('e1', 'ch2'))).toBe('stored'); // the key is per connection
    const rows = await inboxRows();
    expect(rows.map((r) => [r.connection_id, r.event_id])).toEqual([
      ['ch1', 'e1'],
      ['ch2', 'e1'],
    ]);
    expect(rows[0]!.headers).toEqual({ 'x-shopify-event-id': 'e1', 'x-quote': 'a "b" \\ c' });
    expect(rows[0]!.body.toString()).toBe('{"id":"e1"}');
  });

  it('concurrent deliveries of one event in the same batch: one row, one "stored", the rest duplicates', async () => {
    const inserts = countInserts();
    let woken = 0;
    const w = createInboxWriter(t.db, { maxInFlight: 1, onStored: () => woken++ });
    const first = w.write(ev('head')); // in flight: everything below queues into one batch
    const rest = [ev('x'), ev('y'), ev('x'), ev('x'), ev('y'), ev('z')].map((e) => w.write(e));
    expect(await first).toBe('stored');
    expect(await Promise.all(rest)).toEqual(['stored', 'stored', 'duplicate', 'duplicate', 'duplicate', 'stored']);
    expect(inserts.n).toBe(2);
    expect(woken).toBe(2);
    expect((await inboxRows()).map((r) => r.event_id)).toEqual(['head', 'x', 'y', 'z']);
  });

  it('the same event in two batches in flight at once: one row, exactly one "stored"', async () => {
    const inserts = countInserts();
    const w = createInboxWriter(t.db, { maxInFlight: 2, minBatchWhileBusy: 1 });
    const results = await Promise.all([w.write(ev('same')), w.write(ev('same'))]);
    expect(inserts.n).toBe(2);
    expect(results.sort()).toEqual(['duplicate', 'stored']);
    expect(await inboxRows()).toHaveLength(1);
  });

  it('a database error fails every event of the batch and stores none; the redelivery is stored', async () => {
    // A pool whose statements give up after 300 ms, and the inbox locked meanwhile.
    const pool = new pg.Pool({ connectionString: t.url, max: 4, options: '-c statement_timeout=300' });
    const locker = await t.db.connect();
    try {
      const w = createInboxWriter(pool, { maxInFlight: 1 });
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE');
      const first = w.write(ev('a'));
      const batch = [ev('b'), ev('c'), ev('b')].map((e) => w.write(e));
      const settled = await Promise.allSettled([first, ...batch]);
      for (const s of settled) {
        expect(s.status).toBe('rejected');
        const reason = (s as PromiseRejectedResult).reason as StoreError;
        expect(reason).toBeInstanceOf(StoreError);
        expect(reason.code).toBe('DB_UNAVAILABLE');
      }
      await locker.query('COMMIT');
      expect(await inboxRows()).toHaveLength(0);
      expect(await Promise.all([ev('a'), ev('b'), ev('c')].map((e) => w.write(e)))).toEqual(['stored', 'stored', 'stored']);
      expect(await inboxRows()).toHaveLength(3);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      locker.release();
      await pool.end();
    }
  });

  it('one row PostgreSQL refuses fails alone: the others of its batch are stored', async () => {
    const w = createInboxWriter(t.db, { maxInFlight: 1 });
    const first = w.write(ev('first'));
    const batch = [ev('ok1'), ev('bad\u0000nul'), ev('ok2'), ev('ok1')].map((e) =>
      w.write(e).then(
        (stored) => ({ stored }),
        (e: StoreError) => ({ code: e.code }),
      ),
    );
    expect(await first).toBe('stored');
    expect(await Promise.all(batch)).toEqual([
      { stored: 'stored' },
      { code: 'INPUT_INVALID' }, // its own data: no retry can store it
      { stored: 'stored' },
      { stored: 'duplicate' },
    ]);
    expect((await inboxRows()).map((r) => r.event_id)).toEqual(['first', 'ok1', 'ok2']);
  });

  it('an 8 KB event id (54000, index row too large) fails alone: the others of its batch are stored', async () => {
    const w = createInboxWriter(t.db, { maxInFlight: 1 });
    const first = w.write(ev('first'));
    // random, so that PostgreSQL cannot compress it under the index's limit
    const batch = [ev('g1'), ev(randomBytes(6144).toString('base64')), ev('g2')].map((e) =>
      w.write(e).then(
        (stored) => ({ stored }),
        (e: StoreError) => ({ code: e.code }),
      ),
    );
    expect(await first).toBe('stored');
    expect(await Promise.all(batch)).toEqual([{ stored: 'stored' }, { code: 'INPUT_INVALID' }, { stored: 'stored' }]);
    expect((await inboxRows()).map((r) => r.event_id)).toEqual(['first', 'g1', 'g2']);
  });

  it('other bytes under a stored event id are a conflict, the same bytes a duplicate, in one batch and across batches', async () => {
    const w = createInboxWriter(t.db, { maxInFlight: 1 });
    expect(await w.write(ev('k', 'ch1', '{"v":1}'))).toBe('stored');
    expect(await w.write(ev('k', 'ch1', '{"v":1}'))).toBe('duplicate');
    expect(await w.write(ev('k', 'ch1', '{"v":2}'))).toBe('conflict');
    const head = w.write(ev('head'));
    const batch = [ev('n', 'ch1', '{"v":1}'), ev('n', 'ch1', '{"v":1}'), ev('n', 'ch1', '{"v":2}')].map((e) => w.write(e));
    expect(await head).toBe('stored');
    expect(await Promise.all(batch)).toEqual(['stored', 'duplicate', 'conflict']);
    const rows = await inboxRows();
    expect(rows.map((r) => [r.event_id, r.body.toString()])).toEqual([
      ['k', '{"v":1}'],
      ['head', '{"id":"head"}'],
      ['n', '{"v":1}'],
    ]);
  });

  it('while a write runs, a second starts only once enough events wait', async () => {
    const inserts = countInserts();
    const w = createInboxWriter(t.db, { maxInFlight: 2, minBatchWhileBusy: 3 });
    const head = w.write(ev('head')); // nothing running: starts at once
    const a = w.write(ev('a'));
    const b = w.write(ev('b'));
    expect(inserts.n).toBe(1); // two waiting: not worth a second write yet
    const c = w.write(ev('c'));
    expect(inserts.n).toBe(2); // three: [a b c] goes beside [head]
    expect(await Promise.all([head, a, b, c])).toEqual(['stored', 'stored', 'stored', 'stored']);
    // a lone event waits at most for the running write, then goes on its own
    const d = w.write(ev('d'));
    expect(await d).toBe('stored');
    expect(inserts.n).toBe(3);
  });

  it('splits batches at the byte limit', async () => {
    const inserts = countInserts();
    const w = createInboxWriter(t.db, { maxInFlight: 1, maxBytes: 2500 });
    const big = (id: string) => ev(id, 'ch1', 'x'.repeat(1000));
    const all = [w.write(big('h')), ...['1', '2', '3', '4', '5'].map((id) => w.write(big(id)))];
    expect(await Promise.all(all)).toEqual(Array(6).fill('stored'));
    expect(inserts.n).toBe(4); // h, then [1 2], [3 4], [5]
    expect(await inboxRows()).toHaveLength(6);
  });

  it('parallel load: every distinct event stored once, one "stored" each, each client\'s events in its order', async () => {
    const inserts = countInserts();
    const w = createInboxWriter(t.db);
    const clients = 40;
    const perClient = 50;
    const outcomes = new Map<string, boolean[]>();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; i < perClient; i++) {
          // every 5th event also delivered by the next client (a platform retrying elsewhere)
          const owners = [c, ...(i % 5 === 0 ? [(c + 1) % clients] : [])];
          for (const owner of owners) {
            const id = `c${owner}-${i}`;
            const stored = (await w.write(ev(id, owner % 2 === 0 ? 'ch1' : 'ch2'))) === 'stored';
            outcomes.set(id, [...(outcomes.get(id) ?? []), stored]);
          }
        }
      }),
    );
    expect(outcomes.size).toBe(clients * perClient);
    for (const [id, o] of outcomes) expect(o.filter(Boolean), id).toHaveLength(1);
    const rows = await inboxRows();
    expect(rows).toHaveLength(clients * perClient);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(clients * perClient);
    expect(inserts.n).toBeLessThan(clients * perClient); // they were grouped
    // A client sends its next event after the last one's answer: later ids.
    const idOf = new Map(rows.map((r) => [r.event_id, r.id]));
    for (let c = 0; c < clients; c++) {
      const own = Array.from({ length: perClient }, (_, i) => idOf.get(`c${c}-${i}`)!);
      for (let i = 1; i < perClient; i++) {
        // its own event i may have been stored earlier by the neighbour that retries it
        if (i % 5 === 0) continue;
        expect(own[i]!, `client ${c} event ${i}`).toBeGreaterThan(own[i - 1]!);
      }
    }
  });
});
