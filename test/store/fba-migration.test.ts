// Migration 025 on a database written before it (migrations up to 023): orders stay the
// merchant's (external false), and stock stored at an external location that was still
// marked sellable leaves the running totals through a ledger entry of its own, so the
// ledger still explains every total and no row is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrate } from '../../src/store/migrate.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  await migrate(t.db, { upTo: 23 });
});
afterAll(async () => t.drop());

const BEFORE = `
INSERT INTO connections (id, kind, platform, base_url) VALUES ('wh', 'warehouse', 'shipbob', 'http://wh'), ('fba', 'warehouse', 'amazon-fba', 'http://fba');
INSERT INTO connections (id, kind, platform, base_url, fulfilled_by) VALUES ('amz', 'channel', 'amazon', 'http://amz', 'wh');
INSERT INTO locations (connection_id, code, sellable, external) VALUES ('wh', 'main', true, false), ('fba', 'fba', true, true), ('fba', 'held', false, true);
INSERT INTO skus (sku) VALUES ('MUG'), ('CUP');
INSERT INTO stock_levels (location_id, sku, on_hand, allocated, available, observed_at) VALUES
  (1, 'MUG', 10, 0, 10, '2026-12-01T10:00:00Z'), (2, 'MUG', 40, 0, 40, '2026-12-01T10:00:00Z'),
  (2, 'CUP', 5, 0, 5, '2026-12-01T10:00:00Z'), (3, 'CUP', 9, 0, 9, '2026-12-01T10:00:00Z');
INSERT INTO orders (connection_id, external_id, placed_at, warehouse_connection_id) VALUES ('amz', 'o1', '2026-12-01T11:00:00Z', 'wh');
INSERT INTO order_lines (order_id, line_no, sku, quantity, known) VALUES (1, 0, 'MUG', 2, true);
INSERT INTO claims (order_id, line_no, sku, quantity, state, location_id) VALUES (1, 0, 'MUG', 2, 'open', 1);
INSERT INTO ledger (idempotency_key, sku, kind, location_id, available_delta, claimed_delta, order_id, source) VALUES
  ('obs:1', 'MUG', 'observe_absolute', 1, 10, 0, NULL, 'poll'),
  ('obs:2', 'MUG', 'observe_absolute', 2, 40, 0, NULL, 'poll'),
  ('obs:3', 'CUP', 'observe_absolute', 2, 5, 0, NULL, 'poll'),
  ('obs:4', 'CUP', 'observe_absolute', 3, 0, 0, NULL, 'poll'),
  ('claim:1', 'MUG', 'claim', 1, 0, 2, 1, 'order:amz:o1');
-- As counted before 025: the external location marked sellable was in the totals.
INSERT INTO sku_stock (sku, available, claimed) VALUES ('MUG', 50, 2), ('CUP', 5, 0);
`;

const rows = async (sql: string) => (await t.db.query(sql)).rows;
const LEDGER = `SELECT * FROM ledger ORDER BY id`;
const TOTALS = `SELECT sku, available, claimed FROM sku_stock ORDER BY sku`;
const EXPLAINED = `SELECT sku, sum(available_delta)::int AS available, sum(claimed_delta)::int AS claimed FROM ledger GROUP BY sku ORDER BY sku`;

describe('migration 025 on a database from before it', () => {
  let ledgerBefore: unknown[];
  let levelsBefore: unknown[];

  beforeAll(async () => {
    await t.db.query(BEFORE);
    ledgerBefore = await rows(LEDGER);
    levelsBefore = await rows(`SELECT * FROM stock_levels ORDER BY location_id, sku`);
    expect(await rows(EXPLAINED)).toEqual(await rows(TOTALS));
    expect(await migrate(t.db)).toContain('025_external_orders.sql');
  });

  it('takes external stock out of the totals with one ledger entry per level, keeping every earlier row', async () => {
    expect(await rows(TOTALS)).toEqual([
      { sku: 'CUP', available: 0, claimed: 0 },
      { sku: 'MUG', available: 10, claimed: 2 },
    ]);
    const ledger = await rows(LEDGER);
    expect(ledger.slice(0, ledgerBefore.length)).toEqual(ledgerBefore);
    expect(ledger.slice(ledgerBefore.length).map((e) => [e.sku, e.kind, e.location_id, e.available_delta])).toEqual(
      expect.arrayContaining([
        ['MUG', 'reconcile', 2, -40],
        ['CUP', 'reconcile', 2, -5],
      ]),
    );
    expect(ledger).toHaveLength(ledgerBefore.length + 2); // the unsellable external level was never counted
    expect(await rows(EXPLAINED)).toEqual(await rows(TOTALS));
    expect(await rows(`SELECT * FROM stock_levels ORDER BY location_id, sku`)).toEqual(levelsBefore);
  });

  it('keeps every order, each the merchant’s to ship', async () => {
    expect(await rows(`SELECT external_id, external, warehouse_connection_id FROM orders`)).toEqual([
      { external_id: 'o1', external: false, warehouse_connection_id: 'wh' },
    ]);
  });
});
