// Orders split across warehouses (docs/locations-wiring.md), on real PostgreSQL against two
// ShipBob sandboxes on loopback, `east` and `west`: each warehouse gets the units routed to
// its locations as its own order with its own reference, each part settles on its own
// warehouse's snapshot, a retried push creates nothing new, a round that dies between the
// two pushes sends the second on the next round, a cancellation cancels every part, and a
// file-feed warehouse takes its part as a hand-off.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseConnector } from '../../src/connectors/types.js';
import { cancelOrder } from '../../src/engine/cancel-order.js';
import { levelObservation, recordObservation } from '../../src/engine/record-observation.js';
import { orderIdOfReference, pushOrdersOnce } from '../../src/engine/workers/warehouse-pusher.js';
import { partsOfOrder } from '../../src/store/warehouse-orders.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import type { WarehouseInstance } from '../../sandbox/warehouse/index.js';
import { connector, SECRET, TOKEN } from '../connectors/shipbob-helpers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { twoLocationShop } from '../helpers/locations.js';

let t: TestDatabase;
let sb: RunningSandbox;
const log = pino({ level: 'silent' });
const shop = twoLocationShop(() => t.db);
const WAREHOUSES = ['east', 'west'] as const;
type Warehouse = (typeof WAREHOUSES)[number];
const connectors = new Map<Warehouse, WarehouseConnector>();

beforeAll(async () => {
  t = await createTestDatabase();
  sb = await startSandbox({
    seed: 13,
    timeScale: 0.01,
    faults: { default: 'none' },
    instances: WAREHOUSES.map((name) => ({
      platform: 'warehouse',
      name,
      skus: [{ sku: 'A1', quantity: 2 }],
      options: { token: TOKEN, webhookSecret: SECRET },
    })),
  });
  for (const w of WAREHOUSES) connectors.set(w, connector(sb, w, { location: 'main' }));
});
afterAll(async () => {
  await sb?.close();
  await t?.drop();
});

const truth = (w: Warehouse) =>
  (sb.instances.get(`warehouse/${w}`) as WarehouseInstance).control.truth() as {
    inventory: { sku: string; on_hand: number; committed: number }[];
    orders: { reference_id: string; status: string; lines: { sku: string; quantity: number }[] }[];
  };
const ordersAt = (w: Warehouse, orderId: number) => truth(w).orders.filter((o) => orderIdOfReference(o.reference_id) === orderId);
const push = (w: Warehouse, c: WarehouseConnector = connectors.get(w)!) => pushOrdersOnce({ db: t.db, log, connectionId: w, connector: c });

/** The warehouse's stock as it reads it, recorded once the read is at or after `after` (its Date header is whole seconds). */
async function snapshot(w: Warehouse, after: Date): Promise<void> {
  for (;;) {
    const page = await connectors.get(w)!.listLevels(null);
    const level = page.items.find((l) => l.sku === 'A1')!;
    if (level.observedAt.getTime() >= after.getTime()) {
      await recordObservation(t.db, levelObservation(w, level, { source: 'test', read: true }));
      return;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function claimsOf(orderId: number) {
  const { rows } = await t.db.query(
    `SELECT lo.connection_id AS warehouse, c.quantity, c.state FROM claims c JOIN locations lo ON lo.id = c.location_id
      WHERE c.order_id = $1 ORDER BY lo.connection_id`,
    [orderId],
  );
  return rows as { warehouse: Warehouse; quantity: number; state: string }[];
}

/** B sells 3 with 2 at each warehouse: 2 are claimed at east (the order's own), 1 at west. */
async function splitSale(): Promise<number> {
  const r = await shop.sell('chB', 3);
  if (r.outcome !== 'recorded') throw new Error(`expected recorded, got ${r.outcome}`);
  expect(await claimsOf(r.orderId)).toEqual([
    { warehouse: 'east', quantity: 2, state: 'open' },
    { warehouse: 'west', quantity: 1, state: 'open' },
  ]);
  return r.orderId;
}

let round = 0;
/**
 * A new shop on 2 units free at each warehouse. The earlier tests' orders stay at the
 * sandboxes (committed, under their reference ids): order ids start afresh above theirs.
 */
async function freshShop(): Promise<void> {
  await shop.reset();
  await t.db.query(`ALTER SEQUENCE orders_id_seq RESTART WITH ${++round * 1000}`);
  for (const w of WAREHOUSES) {
    const instance = sb.instances.get(`warehouse/${w}`) as WarehouseInstance;
    instance.control.setStock('A1', truth(w).inventory.find((i) => i.sku === 'A1')!.committed + 2);
    await snapshot(w, new Date(0));
  }
}

describe('an order split across two warehouses', () => {
  it('creates one warehouse order at each, with the units routed there, each settling on its own snapshot', async () => {
    await freshShop();
    const orderId = await splitSale();
    expect((await partsOfOrder(t.db, orderId)).map((p) => [p.warehouseConnectionId, p.main, p.ackAt])).toEqual([
      ['east', true, null],
      ['west', false, null],
    ]);

    await push('east');
    await push('west');
    expect(ordersAt('east', orderId)).toMatchObject([{ reference_id: `stocksync-${orderId}`, lines: [{ sku: 'A1', quantity: 2 }] }]);
    expect(ordersAt('west', orderId)).toMatchObject([{ reference_id: `stocksync-${orderId}-west`, lines: [{ sku: 'A1', quantity: 1 }] }]);
    const parts = await partsOfOrder(t.db, orderId);
    expect(parts.every((p) => p.ackAt !== null && p.warehouseRef !== null)).toBe(true);

    // west's snapshot counts its part only: east's claim stays until east's snapshot.
    await snapshot('west', parts[1]!.ackAt!);
    expect((await claimsOf(orderId)).map((c) => c.state)).toEqual(['open', 'settled']);
    await snapshot('east', parts[0]!.ackAt!);
    expect((await claimsOf(orderId)).map((c) => c.state)).toEqual(['settled', 'settled']);
    const { rows } = await t.db.query(`SELECT available, claimed FROM sku_stock WHERE sku = 'A1'`);
    expect(rows[0]).toEqual({ available: 1, claimed: 0 }); // east 0 + west 1, nothing counted twice
  });

  it('a retried push (answers lost) creates no second warehouse order, and records the acknowledgements', async () => {
    await freshShop();
    const orderId = await splitSale();
    await push('east');
    await push('west');
    // The answers were lost: nothing of the acknowledgements reached the database.
    await t.db.query(`UPDATE orders SET warehouse_ack_at = NULL, warehouse_ref = NULL WHERE id = $1`, [orderId]);
    await t.db.query(`UPDATE order_warehouse_parts SET ack_at = NULL, warehouse_ref = NULL WHERE order_id = $1`, [orderId]);
    await push('east');
    await push('west');
    expect(ordersAt('east', orderId)).toHaveLength(1);
    expect(ordersAt('west', orderId)).toHaveLength(1);
    expect((await partsOfOrder(t.db, orderId)).map((p) => p.ackAt !== null)).toEqual([true, true]);
    await push('east');
    await push('west');
    expect([ordersAt('east', orderId).length, ordersAt('west', orderId).length]).toEqual([1, 1]);
  });

  it('a round that dies between the two pushes sends the second part on the next round, the first once', async () => {
    await freshShop();
    const orderId = await splitSale();
    await push('east');
    const dying = { ...connectors.get('west')!, pushOrder: () => Promise.reject(new Error('process killed')) } as WarehouseConnector;
    await expect(push('west', dying)).rejects.toThrow('process killed');
    expect(ordersAt('west', orderId)).toHaveLength(0);
    expect((await partsOfOrder(t.db, orderId)).map((p) => p.ackAt !== null)).toEqual([true, false]);

    await push('east');
    await push('west');
    expect(ordersAt('east', orderId)).toHaveLength(1);
    expect(ordersAt('west', orderId)).toMatchObject([{ reference_id: `stocksync-${orderId}-west`, lines: [{ sku: 'A1', quantity: 1 }] }]);
    expect((await partsOfOrder(t.db, orderId)).map((p) => p.ackAt !== null)).toEqual([true, true]);
  });

  it('a cancellation cancels the part at every warehouse, each releasing its own claims when confirmed', async () => {
    await freshShop();
    const orderId = await splitSale();
    await push('east');
    await push('west');
    expect(await cancelOrder(t.db, { connectionId: 'chB', externalId: shop.lastOrder() })).toMatchObject({ releasedUnits: 0, warehouseCancel: true });
    expect((await partsOfOrder(t.db, orderId)).map((p) => p.cancel)).toEqual(['pending', 'pending']);

    await push('west');
    expect(ordersAt('west', orderId).map((o) => o.status)).toEqual(['Cancelled']);
    expect((await claimsOf(orderId)).map((c) => c.state)).toEqual(['open', 'released']); // east may still ship
    await push('east');
    expect(ordersAt('east', orderId).map((o) => o.status)).toEqual(['Cancelled']);
    expect((await claimsOf(orderId)).map((c) => c.state)).toEqual(['released', 'released']);
    expect((await partsOfOrder(t.db, orderId)).map((p) => p.cancel)).toEqual(['done', 'done']);
  });

  it('a cancellation before the second part was sent releases that part at once and never sends it', async () => {
    await freshShop();
    const orderId = await splitSale();
    await push('east');
    expect(await cancelOrder(t.db, { connectionId: 'chB', externalId: shop.lastOrder() })).toMatchObject({ releasedUnits: 1, warehouseCancel: true });
    expect((await claimsOf(orderId)).map((c) => c.state)).toEqual(['open', 'released']);
    await push('west');
    expect(ordersAt('west', orderId)).toHaveLength(0);
    await push('east');
    expect((await claimsOf(orderId)).map((c) => c.state)).toEqual(['released', 'released']);
  });

  it('a file-feed warehouse (orders outside) takes its part as a hand-off, settled after its lag, and is never called', async () => {
    await freshShop();
    const orderId = await splitSale();
    const feed = {
      kind: 'warehouse',
      platform: 'csv-feed',
      capabilities: { ordersOutside: { countedAfterMs: 0 } },
      pushOrder: () => Promise.reject(new Error('a feed takes no orders')),
    } as unknown as WarehouseConnector;
    await push('west', feed);
    await push('east');
    const parts = await partsOfOrder(t.db, orderId);
    expect(parts.map((p) => [p.warehouseConnectionId, p.warehouseRef])).toEqual([
      ['east', expect.any(String)],
      ['west', `stocksync-${orderId}-west`],
    ]);
    expect(ordersAt('west', orderId)).toHaveLength(0);
    await snapshot('west', parts[1]!.ackAt!);
    expect((await claimsOf(orderId)).map((c) => c.state)).toEqual(['open', 'settled']);
  });
});
