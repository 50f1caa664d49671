// Migration 026 on a database from before it: orders keep their push state to their own
// warehouse, an open order already split across warehouses gets a part at each other
// warehouse its open claims are at, so that warehouse is sent its units, and a cancelled
// one's claims at a warehouse that never had it are released through the ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { migrate } from '../../src/store/migrate.js';
import { ordersToPush, partsOfOrder } from '../../src/store/warehouse-orders.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  await migrate(t.db, { upTo: 25 });
});
afterAll(async () => t.drop());

const BEFORE = `
INSERT INTO connections (id, kind, platform, base_url) VALUES ('east', 'warehouse', 'shipbob', 'http://e'), ('west', 'warehouse', 'shipbob', 'http://w');
INSERT INTO connections (id, kind, platform, base_url, fulfilled_by) VALUES ('shop', 'channel', 'shopify', 'http://shop', 'east');
INSERT INTO locations (connection_id, code, sellable) VALUES ('east', 'main', true), ('west', 'main', true);
INSERT INTO skus (sku) VALUES ('MUG');
INSERT INTO orders (connection_id, external_id, placed_at, warehouse_connection_id, warehouse_ref, warehouse_ack_at) VALUES
  ('shop', 'split', '2026-12-01T11:00:00Z', 'east', 'SB-1', '2026-12-01T11:00:01Z'),
  ('shop', 'whole', '2026-12-01T11:01:00Z', 'east', NULL, NULL),
  ('shop', 'closed', '2026-12-01T09:00:00Z', 'east', 'SB-0', '2026-12-01T09:00:01Z');
INSERT INTO orders (connection_id, external_id, placed_at, status, warehouse_connection_id, warehouse_ref, warehouse_ack_at, warehouse_cancel) VALUES
  ('shop', 'cancelled', '2026-12-01T11:02:00Z', 'cancelled', 'east', 'SB-2', '2026-12-01T11:02:01Z', 'pending');
INSERT INTO order_lines (order_id, line_no, sku, quantity, known) VALUES
  (1, 0, 'MUG', 3, true), (2, 0, 'MUG', 1, true), (3, 0, 'MUG', 2, true), (4, 0, 'MUG', 3, true);
INSERT INTO claims (order_id, line_no, sku, quantity, state, location_id, closed_at) VALUES
  (1, 0, 'MUG', 2, 'open', 1, NULL), (1, 0, 'MUG', 1, 'open', 2, NULL), (2, 0, 'MUG', 1, 'open', 1, NULL),
  (3, 0, 'MUG', 1, 'settled', 1, '2026-12-01T10:00:00Z'), (3, 0, 'MUG', 1, 'settled', 2, '2026-12-01T10:00:00Z'),
  (4, 0, 'MUG', 1, 'open', 1, NULL), (4, 0, 'MUG', 2, 'open', 2, NULL);
INSERT INTO sku_stock (sku, available, claimed) VALUES ('MUG', 20, 7);
`;

describe('migration 026 on a database from before it', () => {
  it("keeps each order's push state and gives an open order split before it a part at the other warehouse; a cancelled one's claims there end", async () => {
    await t.db.query(BEFORE);
    const orders = (await t.db.query(`SELECT * FROM orders ORDER BY id`)).rows;
    await migrate(t.db);
    expect((await t.db.query(`SELECT * FROM orders ORDER BY id`)).rows).toEqual(orders);
    const parts = await partsOfOrder(t.db, 1);
    expect(parts.map((p) => [p.warehouseConnectionId, p.main, p.warehouseRef, p.ackAt !== null])).toEqual([
      ['east', true, 'SB-1', true],
      ['west', false, null, false],
    ]);
    expect((await partsOfOrder(t.db, 3)).map((p) => p.warehouseConnectionId)).toEqual(['east']); // closed claims: nothing left to send
    expect(await ordersToPush(t.db, 'west', 10)).toEqual([
      { orderId: 1, warehouseConnectionId: 'west', main: false, connectionId: 'shop', externalId: 'split', lines: [{ sku: 'MUG', quantity: 1 }] },
    ]);
    expect((await ordersToPush(t.db, 'east', 10)).map((o) => [o.externalId, o.lines])).toEqual([['whole', [{ sku: 'MUG', quantity: 1 }]]]);

    // The cancelled order: east has it (its cancellation pending) and keeps its unit claimed;
    // west never had it: its 2 units are released, with a ledger entry, and the total follows.
    expect((await partsOfOrder(t.db, 4)).map((p) => p.warehouseConnectionId)).toEqual(['east']);
    const claims = await t.db.query(`SELECT location_id, state FROM claims WHERE order_id = 4 ORDER BY location_id`);
    expect(claims.rows).toEqual([
      { location_id: 1, state: 'open' },
      { location_id: 2, state: 'released' },
    ]);
    const ledger = await t.db.query(`SELECT kind, claimed_delta, location_id, order_id FROM ledger`);
    expect(ledger.rows).toEqual([{ kind: 'release', claimed_delta: -2, location_id: 2, order_id: 4 }]);
    expect((await t.db.query(`SELECT claimed FROM sku_stock`)).rows).toEqual([{ claimed: 5 }]);

    const { rows } = await t.db.query(`SELECT location, sources FROM drift LIMIT 0`);
    expect(rows).toEqual([]); // the drift report's new columns exist
  });
});
