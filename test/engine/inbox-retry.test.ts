// Issue 14, defect 10: an inbox event whose processing fails for a passing reason is
// retried with exponential backoff and jitter, the time of its next try stored
// (inbox.next_attempt_at), not 10 times in a row within 1.5 s and then quarantined.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import type { Connector } from '../../src/connectors/types.js';
import { createOrderBatcher } from '../../src/engine/order-batcher.js';
import { processInboxOnce, type InboxDeps } from '../../src/engine/workers/inbox-processor.js';
import { insertInboxEvents } from '../../src/store/inbox.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

/** A connector whose webhook parsing fails as a platform outage would, until `healed`. */
function flakyConnector(state: { healed: boolean }): Connector {
  return {
    kind: 'channel',
    parseWebhook: () => {
      if (!state.healed) throw new ConnectorError('SERVER', 'platform answered 503');
      return { eventId: 'e', topic: 't', events: [{ kind: 'ignored', reason: 'test' }] };
    },
  } as unknown as Connector;
}

async function inboxRow(eventId: string) {
  const { rows } = await t.db.query(
    `SELECT status, attempts, reason, (extract(epoch FROM next_attempt_at - now()) * 1000)::float8 AS "waitMs" FROM inbox WHERE event_id = $1`,
    [eventId],
  );
  return rows[0] as { status: string; attempts: number; reason: string | null; waitMs: number | null };
}

async function store(eventId: string): Promise<void> {
  await insertInboxEvents(t.db, [{ connectionId: 'flaky', eventId, topic: 't', headers: {}, body: Buffer.from('{}') }]);
}

describe('inbox retries', () => {
  it('a failing event is not tried again before its stored retry time', async () => {
    const state = { healed: false };
    const deps: InboxDeps = {
      db: t.db,
      log: pino({ level: 'silent' }),
      connectors: new Map([['flaky', flakyConnector(state)]]),
      orders: createOrderBatcher(t.db),
    };
    await store('soon');
    const started = Date.now();
    for (let i = 0; i < 10; i++) await processInboxOnce(deps);
    expect(Date.now() - started).toBeLessThan(500); // the ten rounds fit in the first wait
    const row = await inboxRow('soon');
    expect(row).toMatchObject({ status: 'pending', attempts: 1, reason: 'platform answered 503' });
    expect(row.waitMs).toBeGreaterThan(400); // 1 s base, half of it at least, less the time spent
    expect(row.waitMs).toBeLessThanOrEqual(1_000);
    // Once due and healed, it is processed.
    state.healed = true;
    await t.db.query(`UPDATE inbox SET next_attempt_at = now() WHERE event_id = 'soon'`);
    await processInboxOnce(deps);
    expect(await inboxRow('soon')).toMatchObject({ status: 'processed', attempts: 2 });
  });

  it('waits grow exponentially with jitter up to the cap, and the event is quarantined after the last try', async () => {
    const deps: InboxDeps = {
      db: t.db,
      log: pino({ level: 'silent' }),
      connectors: new Map([['flaky', flakyConnector({ healed: false })]]),
      orders: createOrderBatcher(t.db),
      retryBaseMs: 1_000,
      retryMaxMs: 16_000,
      maxAttempts: 8,
    };
    await store('later');
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 7; attempt++) {
      await processInboxOnce(deps);
      const row = await inboxRow('later');
      expect(row).toMatchObject({ status: 'pending', attempts: attempt });
      waits.push(row.waitMs!);
      const ceiling = Math.min(16_000, 1_000 * 2 ** (attempt - 1));
      expect(row.waitMs!).toBeGreaterThan(ceiling / 2 - 100);
      expect(row.waitMs!).toBeLessThanOrEqual(ceiling);
      await processInboxOnce(deps); // not due: nothing happens
      expect((await inboxRow('later')).attempts).toBe(attempt);
      await t.db.query(`UPDATE inbox SET next_attempt_at = now() WHERE event_id = 'later'`); // time passes
    }
    expect(waits[4]!).toBeGreaterThan(waits[0]! * 4); // 8 s band against 1 s band
    await processInboxOnce(deps);
    expect(await inboxRow('later')).toMatchObject({ status: 'quarantined', attempts: 8, reason: 'platform answered 503' });
  });
});
