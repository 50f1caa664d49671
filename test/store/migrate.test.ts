import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createPool } from '../../src/store/db.js';
import { migrate, listMigrations } from '../../src/store/migrate.js';

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => t.drop());

  it('apply once when several processes start at the same time', async () => {
    const pools = [0, 1, 2, 3].map(() => createPool(t.url, 2));
    const results = await Promise.all(pools.map((p) => migrate(p)));
    await Promise.all(pools.map((p) => p.end()));
    const appliedCounts = results.map((r) => r.length).sort();
    expect(appliedCounts).toEqual([0, 0, 0, listMigrations().length]);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM stocksync_migrations');
    expect(rows[0].n).toBe(listMigrations().length);
  });

  it('is a no-op when up to date', async () => {
    expect(await migrate(t.db)).toEqual([]);
  });

  it('keeps the ledger append-only', async () => {
    await t.db.query(`INSERT INTO skus (sku) VALUES ('A')`);
    await t.db.query(`INSERT INTO ledger (idempotency_key, sku, kind) VALUES ('k1', 'A', 'claim')`);
    await expect(t.db.query(`UPDATE ledger SET available_delta = 5`)).rejects.toThrow(/append-only/);
    await expect(t.db.query(`DELETE FROM ledger`)).rejects.toThrow(/append-only/);
  });
});
