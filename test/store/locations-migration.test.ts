// Migration 022 on a database written by the version before it (migrations up to 014):
// stock, orders, claims and ledger rows survive, the ledger still explains the totals, and
// the open claims get their location by the documented rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrate } from '../../src/store/migrate.js';
import { stockByLocation } from '../../src/store/locations.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  await migrate(t.db, { upTo: 14 });
});
afterAll(async () => t.drop());

// Two warehouses as the old version stored them: `wh` with its one default location, `multi`
// with two sellable locations and a returns one; two channels, one fulfilled by each.
const BEFORE = `
INSERT INTO connections (id, kind, platform, base_url) VALUES
  ('wh', 'warehouse', 'shiphero', 'http://wh'), ('multi', 'warehouse', 'shipstation', 'http://multi');
INSERT INTO connections (id, kind, platform, base_url, fulfilled_by) VALUES
  ('shop', 'channel', 'shopify', 'http://shop', 'wh'), ('woo', 'channel', 'woocommerce', 'http://woo', 'multi');
INSERT INTO locations (connection_id, code, sellable) VALUES
  ('wh', 'main', true), ('multi', 'a', true), ('multi', 'returns', false), ('multi', 'b', true);
INSERT INTO skus (sku) VALUES ('MUG'), ('CUP');
INSERT INTO stock_levels (location_id, sku, on_hand, allocated, available, observed_at) VALUES
  (1, 'MUG', 12, 2, 10, '2026-12-01T10:00:00Z'), (2, 'MUG', 6, 0, 6, '2026-12-01T10:00:00Z'),
  (3, 'MUG', 4, 0, 4, '2026-12-01T10:00:00Z'), (4, 'CUP', 3, 0, 3, '2026-12-01T10:00:00Z');
INSERT INTO orders (connection_id, external_id, placed_at, warehouse_connection_id, warehouse_ack_at) VALUES
  ('shop', 'o1', '2026-12-01T11:00:00Z', 'wh', NULL),
  ('woo', 'o2', '2026-12-01T11:01:00Z', 'multi', NULL),
  ('shop', 'o3', '2026-12-01T09:00:00Z', 'wh', '2026-12-01T09:00:01Z');
INSERT INTO order_lines (order_id, line_no, sku, quantity, known) VALUES
  (1, 0, 'MUG', 2, true), (2, 0, 'MUG', 1, true), (2, 1, 'CUP', 1, true), (3, 0, 'MUG', 5, true);
INSERT INTO claims (order_id, line_no, sku, quantity, state, closed_at) VALUES
  (1, 0, 'MUG', 2, 'open', NULL), (2, 0, 'MUG', 1, 'open', NULL), (2, 1, 'CUP', 1, 'open', NULL),
  (3, 0, 'MUG', 5, 'settled', '2026-12-01T10:00:00Z');
INSERT INTO ledger (idempotency_key, sku, kind, location_id, available_delta, claimed_delta, order_id, source) VALUES
  ('obs:1', 'MUG', 'observe_absolute', 1, 10, 0, NULL, 'poll'),
  ('obs:2', 'MUG', 'observe_absolute', 2, 6, 0, NULL, 'poll'),
  ('obs:3', 'MUG', 'observe_absolute', 3, 0, 0, NULL, 'poll'),
  ('obs:4', 'CUP', 'observe_absolute', 4, 3, 0, NULL, 'poll'),
  ('claim:1', 'MUG', 'claim', NULL, 0, 2, 1, 'order:shop:o1'),
  ('claim:2', 'MUG', 'claim', NULL, 0, 1, 2, 'order:woo:o2'),
  ('claim:3', 'CUP', 'claim', NULL, 0, 1, 2, 'order:woo:o2'),
  ('claim:4', 'MUG', 'claim', NULL, 0, 5, 3, 'order:shop:o3'),
  ('settle:4', 'MUG', 'settle', NULL, 0, -5, 3, 'obs:1');
-- The totals, as the ledger explains them (MUG available: the sellable locations 10 + 6).
INSERT INTO sku_stock (sku, available, claimed) VALUES ('MUG', 16, 3), ('CUP', 3, 1);
`;

const snapshot = async (sql: string) => (await t.db.query(sql)).rows;
const LEDGER = `SELECT * FROM ledger ORDER BY id`;
const TOTALS = `SELECT sku, available, claimed FROM sku_stock ORDER BY sku`;
const EXPLAINED = `SELECT sku, sum(available_delta)::int AS available, sum(claimed_delta)::int AS claimed FROM ledger GROUP BY sku ORDER BY sku`;

describe('migration 022 on a database from before it', () => {
  let ledgerBefore: unknown[];
  let totalsBefore: unknown[];
  let claimsBefore: unknown[];
  let levelsBefore: unknown[];

  beforeAll(async () => {
    await t.db.query(BEFORE);
    ledgerBefore = await snapshot(LEDGER);
    totalsBefore = await snapshot(TOTALS);
    claimsBefore = await snapshot(`SELECT id, order_id, line_no, sku, quantity, state FROM claims ORDER BY id`);
    levelsBefore = await snapshot(`SELECT * FROM stock_levels ORDER BY location_id, sku`);
    expect(await snapshot(EXPLAINED)).toEqual(totalsBefore);
    expect(await migrate(t.db)).toContain('022_locations.sql');
  });

  it('keeps every ledger row as it was, still append-only, still explaining the totals', async () => {
    expect(await snapshot(LEDGER)).toEqual(ledgerBefore);
    expect(await snapshot(TOTALS)).toEqual(totalsBefore);
    expect(await snapshot(EXPLAINED)).toEqual(totalsBefore);
    await expect(t.db.query(`UPDATE ledger SET available_delta = 0`)).rejects.toThrow(/append-only/);
  });

  it('keeps stock levels and claims, and gives open claims their location where the warehouse has one', async () => {
    expect(await snapshot(`SELECT * FROM stock_levels ORDER BY location_id, sku`)).toEqual(levelsBefore);
    expect(await snapshot(`SELECT id, order_id, line_no, sku, quantity, state FROM claims ORDER BY id`)).toEqual(claimsBefore);
    // o1's warehouse has one sellable location: there; o2's has two: unlocated; o3's claim is closed: untouched
    expect(await snapshot(`SELECT id, location_id FROM claims ORDER BY id`)).toEqual([
      { id: 1, location_id: 1 },
      { id: 2, location_id: null },
      { id: 3, location_id: null },
      { id: 4, location_id: null },
    ]);
  });

  it('numbers existing locations in their creation order, none external', async () => {
    expect(await snapshot(`SELECT connection_id, code, position, external FROM locations ORDER BY id`)).toEqual([
      { connection_id: 'wh', code: 'main', position: 0, external: false },
      { connection_id: 'multi', code: 'a', position: 0, external: false },
      { connection_id: 'multi', code: 'returns', position: 1, external: false },
      { connection_id: 'multi', code: 'b', position: 2, external: false },
    ]);
  });

  it('reads the migrated stock by location: claims where they are, the others unlocated', async () => {
    const stock = await stockByLocation(t.db, ['MUG', 'CUP']);
    const mug = stock.get('MUG')!;
    expect(mug.unlocated).toBe(1);
    expect(mug.levels.map((l) => [`${l.warehouse}/${l.code}`, l.available, l.claimed, l.ats])).toEqual([
      ['multi/a', 6, 0, 6],
      ['multi/returns', 4, 0, 4],
      ['wh/main', 10, 2, 8],
    ]);
    // the single-pool ATS is unchanged: sellable available less every open claim
    const sellable = mug.levels.filter((l) => l.sellable).reduce((s, l) => s + l.ats, 0);
    expect(sellable - mug.unlocated).toBe(16 - 3);
    expect(stock.get('CUP')).toMatchObject({ unlocated: 1, levels: [{ code: 'b', available: 3, claimed: 0 }] });
  });

  it('lets a line be split over locations, never claimed twice at one', async () => {
    await t.db.query(`INSERT INTO claims (order_id, line_no, sku, quantity, location_id) VALUES (2, 0, 'MUG', 1, 2)`);
    await expect(t.db.query(`INSERT INTO claims (order_id, line_no, sku, quantity, location_id) VALUES (2, 0, 'MUG', 1, 2)`)).rejects.toThrow(
      /claims_line_location/,
    );
    await expect(t.db.query(`INSERT INTO claims (order_id, line_no, sku, quantity) VALUES (2, 0, 'MUG', 1)`)).rejects.toThrow(/claims_line_location/);
  });
});
