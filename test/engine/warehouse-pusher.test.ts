// The warehouse order pusher against a scripted 3PL whose token was rotated: the orders
// wait, the connection is paused, and the first push that gets through resumes it
// (issue 14, defect 1, on the warehouse side of the push path).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import type { WarehouseConnector, WarehouseOrder } from '../../src/connectors/types.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { recordOrder } from '../../src/engine/record-orders.js';
import { pushOrdersOnce } from '../../src/engine/workers/warehouse-pusher.js';
import { channelId, loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 1, skus: [{ sku: 'A' }] });
  await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'A', kind: 'absolute', available: 10, observedAt: new Date() });
});
afterAll(async () => t.drop());

const log = pino({ level: 'silent' });

describe('warehouse pusher with refused credentials', () => {
  it('keeps the orders queued and pauses the warehouse connection; a probe that gets through sends them all', async () => {
    let tokenWorks = false;
    const pushed: WarehouseOrder[] = [];
    const connector = {
      kind: 'warehouse',
      platform: 'scripted',
      async pushOrder(order: WarehouseOrder) {
        if (!tokenWorks) return { status: 'failed', error: new ConnectorError('AUTH', 'invalid bearer token', { status: 401 }) };
        pushed.push(order);
        return { status: 'accepted', warehouseOrderId: `W-${pushed.length}`, at: new Date() };
      },
    } as unknown as WarehouseConnector;
    for (const id of ['o1', 'o2', 'o3']) await recordOrder(t.db, { connectionId: channelId(0), externalId: id, lines: [{ sku: 'A', quantity: 1 }] });
    const d = { db: t.db, log, connectionId: 'wh', connector };
    const state = async () =>
      (
        await t.db.query(
          `SELECT count(*) FILTER (WHERE warehouse_error IS NOT NULL)::int AS refused, count(*) FILTER (WHERE warehouse_ack_at IS NULL)::int AS waiting,
                  (SELECT paused_reason FROM connection_pauses WHERE connection_id = 'wh') AS paused
             FROM orders`,
        )
      ).rows[0];

    expect(await pushOrdersOnce(d)).toBe(false);
    expect(await state()).toEqual({ refused: 0, waiting: 3, paused: 'auth' });
    expect(await pushOrdersOnce(d)).toBe(false); // paused: nothing is tried before the retry is due

    tokenWorks = true;
    await t.db.query(`UPDATE connection_pauses SET next_retry_at = now() - interval '1 ms'`);
    expect(await pushOrdersOnce(d)).toBe(true); // the probe: one order, through
    expect(pushed).toHaveLength(1);
    expect(await pushOrdersOnce(d)).toBe(false);
    expect(pushed.map((o) => o.referenceId)).toHaveLength(3);
    expect(await state()).toEqual({ refused: 0, waiting: 0, paused: null });
  });
});
