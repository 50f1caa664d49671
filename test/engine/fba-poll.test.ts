// The FBA path end to end against the Amazon simulator, on real PostgreSQL: the poller
// reads FBA stock (getInventorySummaries, then only what changed after its cursor) into the
// external location; a shopper's AFN order, polled from getOrders by the Amazon channel, is
// recorded external with no claim; FBA stock never reaches a target.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create as createFba } from '../../src/connectors/amazon/fba.js';
import { create as createChannel } from '../../src/connectors/amazon/index.js';
import { syncCatalog } from '../../src/engine/catalog.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { pollOnce } from '../../src/engine/workers/poller.js';
import { createOrderBatcher } from '../../src/engine/order-batcher.js';
import { processInboxOnce } from '../../src/engine/workers/inbox-processor.js';
import { insertInboxEvents } from '../../src/store/inbox.js';
import { startReceiver } from '../connectors/woocommerce-helpers.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { fbaCatalog } from '../helpers/fba.js';

const SELLER = 'ASELLER1';
const MARKET = 'ATVPDKIKX0DER';
const TOKEN = 'Atza|test';
const log = pino({ level: 'silent' });

let t: TestDatabase;
let sb: RunningSandbox;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  receiver = await startReceiver();
  t = await createTestDatabase();
  await syncCatalog(t.db, fbaCatalog());
  sb = await startSandbox({
    seed: 3,
    timeScale: 0.05,
    faults: { default: 'none' },
    instances: [
      {
        platform: 'amazon',
        name: 'seller',
        skus: [{ sku: 'A1', quantity: 4 }],
        options: { sellerId: SELLER, accessToken: TOKEN, rateScale: 1000, fba: { skus: { A1: 30 }, afnShare: 0 } },
      },
    ],
  });
});
afterAll(async () => {
  await sb.close();
  await receiver.close();
  await t.drop();
});

const options = { sellerId: SELLER, marketplaceId: MARKET, rateScale: 1000, retry: { attempts: 6, baseMs: 5, maxMs: 50 } };
const amazon = () => sb.instances.get('amazon/seller')!.control;
const level = async () =>
  (
    await t.db.query(`SELECT sl.available, sl.on_hand AS "onHand" FROM stock_levels sl JOIN locations lo ON lo.id = sl.location_id
                       WHERE lo.connection_id = 'fba' AND lo.code = 'fba' AND sl.sku = 'A1'`)
  ).rows[0];
const targets = async () =>
  Object.fromEntries((await t.db.query(`SELECT connection_id AS c, target FROM listings ORDER BY connection_id`)).rows.map((r) => [r.c, r.target]));

describe('FBA through the poller', () => {
  it('reads FBA stock into the external location, AFN orders into external orders, and keeps both out of every target', async () => {
    const fba = createFba({ connectionId: 'fba', baseUrl: `${sb.url}/amazon/seller`, credentials: { accessToken: TOKEN }, options, locations: ['fba'] });
    const channel = createChannel({ connectionId: 'amz', baseUrl: `${sb.url}/amazon/seller`, credentials: { accessToken: TOKEN }, options });
    await recordObservation(t.db, { connectionId: 'tpl', location: 'main', sku: 'A1', kind: 'absolute', available: 6, observedAt: new Date(), read: true });

    const first = await pollOnce({ db: t.db, log, connectionId: 'fba', connector: fba });
    expect(first).toMatchObject({ stream: 'inventory', items: 1 });
    expect(await level()).toEqual({ available: 30, onHand: 30 });
    expect(await targets()).toEqual({ amz: 6, shop: 6 });

    expect(amazon().afnOrder!([{ sku: 'A1', quantity: 5 }]).ok).toBe(true);
    await pollOnce({ db: t.db, log, connectionId: 'amz', connector: channel });
    const { rows: orders } = await t.db.query(`SELECT external, warehouse_connection_id AS w FROM orders`);
    expect(orders).toEqual([{ external: true, w: null }]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM claims`)).rows[0].n).toBe(0);

    // The next poll asks only for changes since its cursor (less the overlap) and sees the sale.
    await pollOnce({ db: t.db, log, connectionId: 'fba', connector: fba });
    expect(await level()).toEqual({ available: 25, onHand: 30 });
    expect(await targets()).toEqual({ amz: 6, shop: 6 });
    expect((await t.db.query(`SELECT available, claimed FROM sku_stock WHERE sku = 'A1'`)).rows[0]).toEqual({ available: 6, claimed: 0 });
  });
});

describe('FBA through the notification inbox', () => {
  it('an ORDER_CHANGE of an AFN order is recorded external, with no claim', async () => {
    amazon().subscribe('ORDER_CHANGE', `${receiver.url}/n`);
    const placed = amazon().afnOrder!([{ sku: 'A1', quantity: 2 }]);
    expect(placed.ok).toBe(true);
    await sb.flushWebhooks();
    const body = receiver.received.find((d) => d.path === '/n')!.rawBody;
    await insertInboxEvents(t.db, [{ connectionId: 'amz', eventId: 'n-afn', topic: 'ORDER_CHANGE', headers: {}, body }]);
    const channel = createChannel({ connectionId: 'amz', baseUrl: `${sb.url}/amazon/seller`, credentials: { accessToken: TOKEN }, options });
    const orders = createOrderBatcher(t.db);
    await processInboxOnce({ db: t.db, log, connectors: new Map([['amz', channel]]), orders });
    await orders.drain();
    const id = placed.ok ? placed.orderId : '';
    const { rows } = await t.db.query(
      `SELECT o.external, (SELECT count(*)::int FROM claims c WHERE c.order_id = o.id) AS claims FROM orders o WHERE o.external_id = $1`,
      [id],
    );
    expect(rows).toEqual([{ external: true, claims: 0 }]);
  });
});
