// The per-process catalogue cache on the order path (SKUs, bundles, connections, listings
// and their buffer policies): a copy made stale by another process's catalogue sync must
// be detected by the batch's commit check and never used for a target.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { channelId, fixtureCatalog, loadFixture } from '../helpers/catalog.js';
import { createPool, type Db } from '../../src/store/db.js';
import { syncCatalog } from '../../src/engine/catalog.js';
import { catalogSnapshot, isStaleCatalogError, staleCatalog } from '../../src/engine/catalog-cache.js';
import { StocksyncError } from '../../src/errors.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { recordOrder } from '../../src/engine/record-orders.js';
import { expectCatalogVersion } from '../../src/store/catalog-version.js';

let t: TestDatabase;
let other: Db; // another process: its own pool, so its syncs do not forget this pool's cache
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 8 });
  other = createPool(t.url, 4);
});
afterAll(async () => {
  await other.end();
  await t.drop();
});
beforeEach(async () => {
  await t.db.query(`TRUNCATE ledger, incidents, claims, order_lines, orders, stock_levels, listings, buffer_overrides,
                    bundle_components, sku_stock, skus, locations, connections RESTART IDENTITY CASCADE`);
  await loadFixture(t.db, { channels: 2, skus: [{ sku: 'A' }] });
  await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'A', kind: 'absolute', available: 20, observedAt: new Date() });
});

const holdBack = (units: number) => fixtureCatalog({ channels: 2, skus: [{ sku: 'A' }], policy: () => ({ holdBackUnits: units }) });

async function targets(): Promise<Record<string, number>> {
  const { rows } = await t.db.query<{ c: string; target: number }>(`SELECT connection_id AS c, target FROM listings WHERE sku = 'A'`);
  return Object.fromEntries(rows.map((r) => [r.c, r.target]));
}

describe('catalogue cache on the order path', () => {
  it('the commit check refuses a copy older than the catalogue, with SQLSTATE SS409', async () => {
    const { version } = await catalogSnapshot(t.db);
    await expect(expectCatalogVersion(t.db, version)).resolves.toBeUndefined();
    const error = await expectCatalogVersion(t.db, version - 1).catch((e: unknown) => e);
    expect(isStaleCatalogError(error)).toBe(true);
  });

  it('a copy that stays torn between its two reads is a typed CATALOG_STALE error', () => {
    const error = staleCatalog();
    expect(error).toBeInstanceOf(StocksyncError);
    expect(error.code).toBe('CATALOG_STALE');
    expect(isStaleCatalogError(error)).toBe(true);
    expect(isStaleCatalogError(new StocksyncError('TIMED_OUT', 'other'))).toBe(false);
    expect(isStaleCatalogError(new Error('catalogue changed during the batch'))).toBe(false);
  });

  it('a policy changed by another process is used by the next order, not the cached one', async () => {
    await recordOrder(t.db, { connectionId: channelId(0), externalId: 'o1', lines: [{ sku: 'A', quantity: 1 }] });
    expect(await targets()).toEqual({ [channelId(0)]: 19, [channelId(1)]: 19 });
    const cached = await catalogSnapshot(t.db);

    await syncCatalog(other, holdBack(5)); // this pool's copy is now stale
    expect((await catalogSnapshot(t.db)).version).toBe(cached.version);
    const r = await recordOrder(t.db, { connectionId: channelId(1), externalId: 'o2', lines: [{ sku: 'A', quantity: 1 }] });

    expect(r.outcome).toBe('recorded');
    expect(await targets()).toEqual({ [channelId(0)]: 13, [channelId(1)]: 13 }); // 18 - 5
    expect((await catalogSnapshot(t.db)).version).toBeGreaterThan(cached.version);
    const { rows } = await t.db.query(`SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM claims) AS claims,
                                              (SELECT claimed FROM sku_stock WHERE sku = 'A') AS claimed`);
    expect(rows[0]).toEqual({ orders: 2, claims: 2, claimed: 2 }); // the refused attempt left nothing behind
  });

  it('a sync committed while the batch waited, before it locked the stock, is caught after the lock', async () => {
    await recordOrder(t.db, { connectionId: channelId(0), externalId: 'warm', lines: [{ sku: 'A', quantity: 1 }] });
    // Another delivery of o1 holds its key uncommitted: the batch's insert waits for it,
    // with its statement snapshot taken before the sync below commits.
    const blocker = await other.connect();
    await blocker.query('BEGIN');
    await blocker.query(`INSERT INTO orders (connection_id, external_id, placed_at) VALUES ($1, 'o1', now())`, [channelId(0)]);
    const recording = recordOrder(t.db, { connectionId: channelId(0), externalId: 'o1', lines: [{ sku: 'A', quantity: 1 }] });
    await waitForLockWait();
    // The sync and its re-targeting run to completion meanwhile (the stock is not locked yet).
    await syncCatalog(other, holdBack(5));
    expect(await targets()).toEqual({ [channelId(0)]: 14, [channelId(1)]: 14 }); // 19 - 5
    await blocker.query('ROLLBACK');
    blocker.release();

    const r = await recording;
    expect(r.outcome).toBe('recorded');
    // From the cached copy (no hold-back) the targets would be 18: the check refused it.
    expect(await targets()).toEqual({ [channelId(0)]: 13, [channelId(1)]: 13 });
  });
});

async function waitForLockWait(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await other.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (rows[0].n > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the order batch never waited for the uncommitted delivery');
}
