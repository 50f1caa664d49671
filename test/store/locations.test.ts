// The locations aggregate on real PostgreSQL: location layout, each channel's selling points
// and sources, stock by location with the claims routed there, and split claims.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { withTx } from '../../src/store/db.js';
import { channelSources, locationsInOrder, replaceChannelSources, splitClaims, stockByLocation, upsertLocationLayout } from '../../src/store/locations.js';

let t: TestDatabase;
const id: Record<string, number> = {};
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.query(`INSERT INTO connections (id, kind, platform, base_url) VALUES
    ('east', 'warehouse', 'shiphero', 'http://e'), ('west', 'warehouse', 'shipbob', 'http://w'),
    ('amazon-fba', 'warehouse', 'amazon-fba', 'http://fba'), ('shop', 'channel', 'shopify', 'http://s')`);
  await upsertLocationLayout(t.db, [
    { warehouse: 'east', code: 'main', sellable: true, external: false, position: 0 },
    { warehouse: 'east', code: 'returns', sellable: false, external: false, position: 1 },
    { warehouse: 'west', code: 'main', sellable: true, external: false, position: 0 },
    { warehouse: 'amazon-fba', code: 'fba', sellable: true, external: true, position: 0 },
  ]);
  for (const l of await locationsInOrder(t.db)) id[`${l.warehouse}/${l.code}`] = l.id;
  await t.db.query(`INSERT INTO skus (sku) VALUES ('MUG')`);
});
afterAll(async () => t.drop());

describe('locations', () => {
  it('keeps each warehouse in configuration order; a later sync reorders and reflags', async () => {
    await upsertLocationLayout(t.db, [
      { warehouse: 'east', code: 'returns', sellable: false, external: false, position: 0 },
      { warehouse: 'east', code: 'main', sellable: true, external: false, position: 1 },
    ]);
    const rows = await locationsInOrder(t.db);
    expect(rows.map((l) => `${l.warehouse}/${l.code}:${l.position}${l.external ? ':external' : ''}`)).toEqual([
      'amazon-fba/fba:0:external',
      'east/returns:0',
      'east/main:1',
      'west/main:0',
    ]);
  });
});

describe('channel sources', () => {
  it('stores selling points and their sources in order, replaced whole', async () => {
    await withTx(t.db, (tx) =>
      replaceChannelSources(tx, 'shop', [
        { externalId: 'gid://shopify/Location/1', sources: [id['east/main']!] },
        { externalId: 'gid://shopify/Location/2', sources: [id['west/main']!, id['east/main']!] },
      ]),
    );
    expect((await channelSources(t.db)).get('shop')).toEqual([
      { externalId: 'gid://shopify/Location/1', sources: [id['east/main']] },
      { externalId: 'gid://shopify/Location/2', sources: [id['west/main'], id['east/main']] },
    ]);
    await withTx(t.db, (tx) => replaceChannelSources(tx, 'shop', [{ externalId: 'gid://shopify/Location/2', sources: [id['east/main']!] }]));
    expect((await channelSources(t.db)).get('shop')).toEqual([{ externalId: 'gid://shopify/Location/2', sources: [id['east/main']] }]);
    await withTx(t.db, (tx) => replaceChannelSources(tx, 'shop', []));
    expect((await channelSources(t.db)).has('shop')).toBe(false); // the default again
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM channel_sources`);
    expect(rows[0].n).toBe(0);
  });

  it('two replaces at once: one waits for the other, and one of them is what stays', async () => {
    const a = [{ externalId: '', sources: [id['east/main']!, id['west/main']!] }];
    const b = [
      { externalId: 'gid://shopify/Location/1', sources: [id['west/main']!] },
      { externalId: 'gid://shopify/Location/2', sources: [id['east/main']!] },
    ];
    for (let round = 0; round < 10; round++) {
      await Promise.all([withTx(t.db, (tx) => replaceChannelSources(tx, 'shop', a)), withTx(t.db, (tx) => replaceChannelSources(tx, 'shop', b))]);
      const stored = (await channelSources(t.db)).get('shop')!;
      const sorted = (x: typeof a) => [...x].sort((p, q) => p.externalId.localeCompare(q.externalId));
      expect([sorted(a), sorted(b)]).toContainEqual(sorted(stored));
    }
  });
});

describe('stock by location', () => {
  it('per location: levels, the open claims routed there, ATS; unlocated claims apart', async () => {
    await t.db.query(
      `INSERT INTO stock_levels (location_id, sku, on_hand, allocated, available, observed_at) VALUES
        ($1, 'MUG', 10, 0, 10, '2026-12-01T10:00:00Z'), ($2, 'MUG', 3, 0, 3, '2026-12-01T10:00:00Z'), ($3, 'MUG', 40, 0, 40, '2026-12-01T10:00:00Z')`,
      [id['east/main'], id['east/returns'], id['amazon-fba/fba']],
    );
    const { rows } = await t.db.query(
      `INSERT INTO orders (connection_id, external_id, placed_at) VALUES ('shop', 'o1', now()), ('shop', 'o2', now()) RETURNING id`,
    );
    const [o1, o2] = rows.map((r) => r.id as number);
    // o1's line split: 4 at east, 2 at west (no level there yet); o2 unlocated; a released claim counts nowhere
    await t.db.query(
      `INSERT INTO claims (order_id, line_no, sku, quantity, location_id, state) VALUES
        ($1, 0, 'MUG', 4, $3, 'open'), ($1, 0, 'MUG', 2, $4, 'open'), ($2, 0, 'MUG', 1, NULL, 'open'), ($2, 1, 'MUG', 7, $3, 'released')`,
      [o1, o2, id['east/main'], id['west/main']],
    );
    const mug = (await stockByLocation(t.db, ['MUG', 'NONE'])).get('MUG')!;
    expect(mug.unlocated).toBe(1);
    expect(
      mug.levels.map((l) => ({ at: `${l.warehouse}/${l.code}`, available: l.available, claimed: l.claimed, ats: l.ats, observed: l.observedAt !== null })),
    ).toEqual([
      { at: 'amazon-fba/fba', available: 40, claimed: 0, ats: 40, observed: true },
      { at: 'east/returns', available: 3, claimed: 0, ats: 3, observed: true },
      { at: 'east/main', available: 10, claimed: 4, ats: 6, observed: true },
      { at: 'west/main', available: 0, claimed: 2, ats: -2, observed: false },
    ]);
    expect(mug.levels.find((l) => l.code === 'fba')).toMatchObject({ external: true });
    expect(mug.levels.find((l) => l.code === 'returns')).toMatchObject({ sellable: false });

    expect(await splitClaims(t.db, [o1!, o2!])).toEqual([
      {
        orderId: o1,
        lineNo: 0,
        sku: 'MUG',
        parts: [
          { locationId: id['east/main'], quantity: 4 },
          { locationId: id['west/main'], quantity: 2 },
        ],
      },
    ]);
  });
});
