// Layer 4 against a scripted channel: counts compared page by page on the listings as they
// are now, lowerings taken before the order sweep, raises only once the orders are in.
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConnector, ChannelOrder, ChannelQuantity, Page } from '../../src/connectors/types.js';
import { reconcileConnection } from '../../src/engine/workers/reconciler.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { channelId, loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
const ch = channelId(0);
const log = pino({ level: 'silent' });
const id = (sku: string) => ({ inventoryItemId: `gid://shopify/InventoryItem/${sku}-0` });

beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 1, skus: ['A', 'B', 'C', 'D', 'E'].map((sku) => ({ sku })) });
  // A warehouse has reported these (a dispatcher pushes only those); D's test reports its own.
  for (const sku of ['A', 'B', 'C', 'E']) {
    await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku, kind: 'absolute', available: 5, observedAt: new Date(Date.now() - 3_600_000) });
  }
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.query(`UPDATE listings SET target = 5, pushed = 5, quarantined_reason = NULL WHERE connection_id = $1`, [ch]);
  await t.db.query(`DELETE FROM connection_pauses`);
  await t.db.query(`DELETE FROM poll_cursors WHERE connection_id = $1`, [ch]);
});

const pushedOf = async (sku: string) =>
  (await t.db.query<{ pushed: number }>(`SELECT pushed FROM listings WHERE connection_id = $1 AND sku = $2`, [ch, sku])).rows[0]!.pushed;

/** The channel's counts in pages of two; `onPage(n)` runs as page n is fetched, `sweep` when orders are polled. */
function channel(counts: ChannelQuantity[], hooks: { onPage?: (n: number) => Promise<void>; sweep: () => Promise<Page<ChannelOrder>> }): ChannelConnector {
  return {
    kind: 'channel',
    platform: 'scripted',
    capabilities: {
      maxBatch: 1,
      compareAndSet: false,
      relativeAdjust: false,
      webhookVerification: 'hmac-sha256-base64',
      asyncApply: false,
      rateLimit: { kind: 'none' },
    },
    async listQuantities(cursor) {
      const start = cursor === null ? 0 : Number(cursor);
      await hooks.onPage?.(start / 2);
      return { items: counts.slice(start, start + 2), next: start + 2 < counts.length ? String(start + 2) : null };
    },
    pollOrders: () => hooks.sweep(),
    push: async () => [],
    readQuantities: async () => new Map(),
    resolveListings: async () => new Map(),
    verifyWebhook: () => false,
    parseWebhook: () => {
      throw new Error('no');
    },
  };
}

const counts: ChannelQuantity[] = [
  { sku: 'A', platformIds: id('A'), quantity: 7 }, // above the target: lowered at once
  { sku: 'B', platformIds: id('B'), quantity: 3 }, // below it: a raise
  { sku: 'C', platformIds: id('C'), quantity: 5 }, // as believed: no drift
  { sku: 'E', platformIds: {}, quantity: 2 }, // found by SKU alone
];

describe('channel reconciliation', () => {
  it('takes lowerings before the order sweep and raises after it', async () => {
    let pushedAtSweep: number | undefined;
    const c = channel(counts, {
      sweep: async () => {
        pushedAtSweep = await pushedOf('A');
        return { items: [], next: null };
      },
    });
    const r = await reconcileConnection({ db: t.db, log, connectionId: ch, connector: c, trigger: 'manual' });
    expect(pushedAtSweep).toBe(7);
    expect(r.checked).toBe(4);
    expect(r.drift.map((x) => [x.sku, x.believed, x.actual, x.action]).sort()).toEqual([
      ['A', 5, 7, 'lowered'],
      ['B', 5, 3, 'raised'],
      ['E', 5, 2, 'raised'],
    ]);
    expect([await pushedOf('A'), await pushedOf('B'), await pushedOf('C'), await pushedOf('E')]).toEqual([7, 3, 5, 2]);
  });

  it('defers raises when the orders cannot be swept, and compares with the target as it is at the end', async () => {
    const c = channel(counts, {
      // While page 2 is read, an order lowers B's target to 2: its count of 3 is now above it.
      onPage: async (n) => {
        if (n === 1) await t.db.query(`UPDATE listings SET target = 2 WHERE connection_id = $1 AND sku = 'B'`, [ch]);
      },
      sweep: async () => {
        throw new Error('orders endpoint down');
      },
    });
    const r = await reconcileConnection({ db: t.db, log, connectionId: ch, connector: c, trigger: 'manual' });
    expect(r.drift.map((x) => [x.sku, x.action]).sort()).toEqual([
      ['A', 'lowered'],
      ['B', 'lowered'],
      ['E', 'raise_deferred'],
    ]);
    expect([await pushedOf('A'), await pushedOf('B'), await pushedOf('E')]).toEqual([7, 3, 5]);
  });
});

describe('matching counts to listings', () => {
  it('never by an id every listing shares: an item that is not ours, at our location, matches nothing', async () => {
    await t.db.query(`UPDATE listings SET platform_ids = platform_ids || '{"locationId": "gid://shopify/Location/1"}' WHERE connection_id = $1`, [ch]);
    try {
      const strangers: ChannelQuantity[] = [
        { sku: 'NOT-OURS', platformIds: { inventoryItemId: 'gid://shopify/InventoryItem/999', locationId: 'gid://shopify/Location/1' }, quantity: 0 },
        { sku: '', platformIds: { inventoryItemId: 'gid://shopify/InventoryItem/998', locationId: 'gid://shopify/Location/1' }, quantity: 1 },
        // ours, but at another location: another level, not this listing's
        { sku: 'A', platformIds: { ...id('A'), locationId: 'gid://shopify/Location/2' }, quantity: 0 },
      ];
      const r = await reconcileConnection({
        db: t.db,
        log,
        connectionId: ch,
        connector: channel(strangers, { sweep: async () => ({ items: [], next: null }) }),
        trigger: 'manual',
      });
      expect(r.drift).toEqual([]);
      expect([await pushedOf('A'), await pushedOf('B')]).toEqual([5, 5]);
    } finally {
      await t.db.query(`UPDATE listings SET platform_ids = platform_ids - 'locationId' WHERE connection_id = $1`, [ch]);
    }
  });
});

describe('an honest drift report (issue 14, defect 1)', () => {
  const noOrders = { sweep: async () => ({ items: [], next: null }) };

  it('says a lowering a quarantined listing blocks was not pushed, and why', async () => {
    await t.db.query(`UPDATE listings SET quarantined_reason = 'REJECTED: listing suppressed' WHERE connection_id = $1 AND sku = 'A'`, [ch]);
    const r = await reconcileConnection({ db: t.db, log, connectionId: ch, connector: channel(counts.slice(0, 1), noOrders), trigger: 'manual' });
    expect(r.drift.map((x) => [x.sku, x.believed, x.actual, x.action, x.note])).toEqual([
      ['A', 5, 7, 'not_pushed', 'listing quarantined: REJECTED: listing suppressed'],
    ]);
  });

  it('a read that goes through resumes a connection paused for auth, so its lowering is pushed and reported as lowered', async () => {
    await t.db.query(
      `INSERT INTO connection_pauses (connection_id, paused_reason, paused_since, last_error, attempts, next_retry_at)
       VALUES ($1, 'auth', now(), 'AUTH: token revoked', 3, now() + interval '1 hour')`,
      [ch],
    );
    const r = await reconcileConnection({ db: t.db, log, connectionId: ch, connector: channel(counts.slice(0, 1), noOrders), trigger: 'manual' });
    expect(r.drift.map((x) => [x.sku, x.action])).toEqual([['A', 'lowered']]);
    const { rows } = await t.db.query(`SELECT paused_reason FROM connection_pauses WHERE connection_id = $1`, [ch]);
    expect(rows).toEqual([{ paused_reason: null }]);
  });
});

describe('warehouse reconciliation and future-dated levels (issue 14, defect 2)', () => {
  const warehouseReading = (items: { sku: string; available: number; observedAt: Date }[]) =>
    ({
      kind: 'warehouse',
      platform: 'scripted',
      listLevels: async () => ({ items: items.map((i) => ({ ...i, location: 'main' })), next: null }),
    }) as unknown as Parameters<typeof reconcileConnection>[0]['connector'];
  const level = async (sku: string) =>
    (
      await t.db.query(
        `SELECT s.available, s.observed_at > now() + interval '1 minute' AS future FROM stock_levels s JOIN locations l ON l.id = s.location_id
          WHERE l.connection_id = 'wh' AND l.code = 'main' AND s.sku = $1`,
        [sku],
      )
    ).rows[0];

  it('a level pinned by a future timestamp is corrected by the full read and reported', async () => {
    // Stored before such stamps were refused: 2099 outranks every observation since.
    await t.db.query(
      `UPDATE stock_levels SET available = 0, observed_at = '2099-01-01T00:00:00Z' WHERE sku = 'C' AND location_id = (SELECT id FROM locations WHERE connection_id = 'wh' AND code = 'main')`,
    );
    const r = await reconcileConnection({
      db: t.db,
      log,
      connectionId: 'wh',
      connector: warehouseReading([{ sku: 'C', available: 9, observedAt: new Date() }]),
      trigger: 'manual',
    });
    expect(r.drift.map((x) => [x.sku, x.believed, x.actual, x.action])).toEqual([['C', 0, 9, 'corrected']]);
    expect(await level('C')).toEqual({ available: 9, future: false });
  });

  it('a read that differs from a newer stored level is kept out but reported as drift', async () => {
    await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'E', kind: 'absolute', available: 4, observedAt: new Date() });
    const r = await reconcileConnection({
      db: t.db,
      log,
      connectionId: 'wh',
      connector: warehouseReading([{ sku: 'E', available: 6, observedAt: new Date(Date.now() - 60_000) }]),
      trigger: 'manual',
    });
    expect(r.drift.map((x) => [x.sku, x.believed, x.actual, x.action])).toEqual([['E', 4, 6, 'stale_kept']]);
    expect((await level('E')).available).toBe(4);
  });
});

describe('warehouse reconciliation and the warehouse clock', () => {
  it("stamps a read with the item's own time, so an order the read did not count keeps its claim (a clock 45 s behind)", async () => {
    const { recordOrder } = await import('../../src/engine/record-orders.js');
    const { acknowledgeOrder } = await import('../../src/engine/acknowledge-order.js');
    const { recordObservation } = await import('../../src/engine/record-observation.js');
    const warehouseNow = () => new Date(Date.now() - 45_000); // the warehouse's clock runs 45 s behind ours
    await recordObservation(t.db, {
      connectionId: 'wh',
      location: 'main',
      sku: 'D',
      kind: 'absolute',
      available: 6,
      observedAt: new Date(warehouseNow().getTime() - 10_000),
    });
    // the item last changed 5 s ago (warehouse clock); a 2-unit order reaches the warehouse after that
    const itemChangedAt = new Date(warehouseNow().getTime() - 5_000);
    const order = await recordOrder(t.db, { connectionId: ch, externalId: 'skewed', lines: [{ sku: 'D', quantity: 2 }] });
    await acknowledgeOrder(t.db, {
      connectionId: ch,
      externalId: 'skewed',
      warehouseConnectionId: 'wh',
      warehouseRef: `stocksync-${order.orderId}`,
      ackAt: warehouseNow(),
    });
    // the full read, taken now, shows the item as it was before that order (available 5)
    const warehouse = {
      kind: 'warehouse',
      platform: 'scripted',
      listLevels: async () => ({ items: [{ sku: 'D', location: 'main', available: 5, observedAt: itemChangedAt }], next: null }),
    } as unknown as Parameters<typeof reconcileConnection>[0]['connector'];
    await reconcileConnection({ db: t.db, log, connectionId: 'wh', connector: warehouse, trigger: 'manual' });
    const { rows } = await t.db.query(`SELECT available, claimed FROM sku_stock WHERE sku = 'D'`);
    // the read's 5 does not include the order: its 2 units stay claimed (ATS 3, not 5)
    expect(rows[0]).toEqual({ available: 5, claimed: 2 });
  });
});
