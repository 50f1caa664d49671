// Retention on real PostgreSQL: what has aged out goes, in batches, and nothing else does:
// pending webhooks, recent rows, orders and the ledger stay whatever their age.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { loadFixture } from '../helpers/catalog.js';
import { pruneExpired } from '../../src/engine/prune.js';
import { DEFAULT_RETENTION, storageBytes } from '../../src/store/retention.js';
import { recordOrder } from '../../src/engine/record-orders.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db);
});
afterAll(async () => t.drop());

const NOW = new Date('2026-12-04T12:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
let eventNo = 0;

async function webhook(status: 'pending' | 'processed' | 'quarantined', ageDays: number) {
  const { rows } = await t.db.query(
    `INSERT INTO inbox (connection_id, event_id, topic, headers, body, received_at, status, processed_at)
     VALUES ('ch1', $1, 'orders/create', '{"x-shopify-topic":"orders/create"}', $2, $3, $4, CASE WHEN $4 = 'pending' THEN NULL ELSE $3::timestamptz END)
     RETURNING id`,
    [`e${++eventNo}`, Buffer.alloc(1500, 'x'), daysAgo(ageDays), status],
  );
  return rows[0].id as number;
}

async function inboxRow(id: number) {
  const { rows } = await t.db.query(`SELECT octet_length(body) AS bytes, headers FROM inbox WHERE id = $1`, [id]);
  return rows[0] as { bytes: number; headers: Record<string, string> } | undefined;
}

describe('retention', () => {
  it('empties old webhook bodies, then deletes old rows; pending and recent events stay', async () => {
    const pendingOld = await webhook('pending', 40);
    const recent = await webhook('processed', 1);
    const bodyAged = await webhook('processed', 5);
    const rowAged = await webhook('processed', 20);
    const refusedRecent = await webhook('quarantined', 20);
    const refusedOld = await webhook('quarantined', 40);

    const pruned = await pruneExpired(t.db, DEFAULT_RETENTION, { now: NOW });

    expect((await inboxRow(pendingOld))?.bytes).toBe(1500);
    expect((await inboxRow(recent))?.bytes).toBe(1500);
    expect(await inboxRow(bodyAged)).toEqual({ bytes: 0, headers: {} }); // kept for deduplication
    expect(await inboxRow(rowAged)).toBeUndefined();
    expect((await inboxRow(refusedRecent))?.bytes).toBe(1500); // a person may still look at it
    expect(await inboxRow(refusedOld)).toBeUndefined();
    expect(pruned).toMatchObject({ inboxBodies: 1, inbox: 1, quarantinedEvents: 1 });
  });

  it('deletes refused input and drift rows past their age, keeps the reconciliation totals', async () => {
    await t.db.query(`INSERT INTO quarantine (source, reason, created_at) VALUES ('webhook', 'old', $1), ('webhook', 'new', $2)`, [daysAgo(31), daysAgo(29)]);
    const { rows } = await t.db.query(
      `INSERT INTO reconciliations (connection_id, trigger, started_at, finished_at, status, checked, drifted, drift_units)
       VALUES ('ch1', 'manual', $1, $1, 'done', 2, 2, 5), ('ch1', 'manual', $2, $2, 'done', 1, 1, 1), ('ch1', 'manual', $1, NULL, 'running', 0, 0, 0)
       RETURNING id`,
      [daysAgo(100), daysAgo(10)],
    );
    const [old, recent, running] = rows.map((r) => r.id as number);
    for (const id of [old, old, recent, running]) {
      await t.db.query(`INSERT INTO drift (reconciliation_id, connection_id, sku, believed, actual, units, action) VALUES ($1, 'ch1', 'A', 1, 2, 1, 'none')`, [
        id,
      ]);
    }

    const pruned = await pruneExpired(t.db, DEFAULT_RETENTION, { now: NOW });

    const reasons = (await t.db.query(`SELECT reason FROM quarantine ORDER BY id`)).rows.map((r) => r.reason);
    expect(reasons).toEqual(['new']);
    const drift = (await t.db.query(`SELECT reconciliation_id AS id FROM drift ORDER BY id`)).rows.map((r) => r.id);
    expect(drift).toEqual([recent, running]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM reconciliations`)).rows[0].n).toBe(3);
    expect(pruned).toMatchObject({ quarantine: 1, drift: 2 });
  });

  it('deletes hourly webhook counts past their age', async () => {
    await t.db.query(
      `INSERT INTO webhook_counts (connection_id, outcome, hour, requests) VALUES ('ch1', 'bad_signature', $1, 5), ('ch1', 'bad_signature', $2, 7)`,
      [daysAgo(91), daysAgo(89)],
    );
    const pruned = await pruneExpired(t.db, DEFAULT_RETENTION, { now: NOW });
    expect((await t.db.query(`SELECT requests FROM webhook_counts`)).rows).toEqual([{ requests: 7 }]);
    expect(pruned.webhookCounts).toBe(1);
  });

  it('drops old orders’ raw payloads and keeps the orders, their lines and the ledger', async () => {
    await t.db
      .query(`INSERT INTO stock_levels (sku, location_id, on_hand, observed_at) SELECT 'A', id, 100, now() FROM locations WHERE code = 'main'`)
      .catch(() => {});
    await recordOrder(t.db, { connectionId: 'ch1', externalId: 'old', lines: [{ sku: 'A', quantity: 1 }], raw: { id: 'old', note: 'x'.repeat(500) } });
    await recordOrder(t.db, { connectionId: 'ch1', externalId: 'new', lines: [{ sku: 'A', quantity: 1 }], raw: { id: 'new' } });
    await t.db.query(`UPDATE orders SET updated_at = $1 WHERE external_id = 'old'`, [daysAgo(91)]);
    const ledgerBefore = (await t.db.query(`SELECT count(*)::int AS n FROM ledger`)).rows[0].n;

    const pruned = await pruneExpired(t.db, DEFAULT_RETENTION, { now: NOW });

    const orders = (await t.db.query(`SELECT o.external_id AS id, o.raw IS NULL AS stripped FROM orders o ORDER BY o.id`)).rows;
    expect(orders).toEqual([
      { id: 'old', stripped: true },
      { id: 'new', stripped: false },
    ]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM order_lines`)).rows[0].n).toBe(2);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM ledger`)).rows[0].n).toBe(ledgerBefore);
    expect(pruned.orderPayloads).toBe(1);
  });

  it('works through more rows than one batch, and measures what the tables weigh', async () => {
    await t.db.query(`TRUNCATE inbox`);
    for (let i = 0; i < 25; i++) await webhook('processed', 20);
    const rounds: number[] = [];
    const pruned = await pruneExpired(t.db, DEFAULT_RETENTION, { now: NOW, batch: 10, onProgress: (tot) => rounds.push(tot.inbox) });
    expect(pruned.inbox).toBe(25);
    expect(rounds).toEqual([10, 20, 25]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM inbox`)).rows[0].n).toBe(0);
    const storage = await storageBytes(t.db);
    expect(storage.database).toBeGreaterThan(0);
    expect(Object.keys(storage.tables)).toEqual(expect.arrayContaining(['inbox', 'ledger', 'orders', 'quarantine', 'drift']));
  });
});
