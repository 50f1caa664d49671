// The catalogue sync writes the location layout (order, external) and each channel's
// sources (docs/locations.md); a channel without sources keeps no rows (default sources).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { twoLocationCatalog } from '../helpers/locations.js';
import { syncCatalog } from '../../src/engine/catalog.js';
import { channelSources, locationsInOrder } from '../../src/store/locations.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

async function sourcesByChannel(): Promise<Record<string, string[][]>> {
  const names = new Map((await locationsInOrder(t.db)).map((l) => [l.id, `${l.warehouse}/${l.code}`]));
  const out: Record<string, string[][]> = {};
  for (const [c, outlets] of await channelSources(t.db)) out[c] = outlets.map((o) => o.sources.map((id) => names.get(id)!));
  return out;
}

describe('catalogue sync of locations and sources', () => {
  it('stores each channel its sources in order, replaces them, and drops them when the config does', async () => {
    await syncCatalog(t.db, twoLocationCatalog());
    expect(await sourcesByChannel()).toEqual({ chA: [['east/main']], chB: [['east/main', 'west/main']] });

    await syncCatalog(t.db, twoLocationCatalog({ sourcesB: ['west/main', 'east/main'] }));
    expect(await sourcesByChannel()).toEqual({ chA: [['east/main']], chB: [['west/main', 'east/main']] });

    await syncCatalog(t.db, twoLocationCatalog({ sourcesA: undefined, sourcesB: undefined }));
    expect(await sourcesByChannel()).toEqual({});
  });

  it('forgets the sources of a channel removed from the config', async () => {
    await syncCatalog(t.db, twoLocationCatalog());
    const catalog = twoLocationCatalog();
    catalog.connections = catalog.connections.filter((c) => c.id !== 'chB');
    for (const s of catalog.skus) delete s.listings!['chB'];
    await syncCatalog(t.db, catalog);
    expect(await sourcesByChannel()).toEqual({ chA: [['east/main']] });
  });

  it('writes location positions and the external flag', async () => {
    const catalog = twoLocationCatalog();
    catalog.connections[1]!.locations = [
      { code: 'fba', sellable: true, external: true },
      { code: 'main', sellable: true },
    ];
    await syncCatalog(t.db, catalog);
    const west = (await locationsInOrder(t.db)).filter((l) => l.warehouse === 'west');
    expect(west.map((l) => [l.code, l.position, l.external])).toEqual([
      ['fba', 0, true],
      ['main', 1, false],
    ]);
  });

  it('refuses a source naming a location no warehouse has, and writes nothing', async () => {
    await expect(syncCatalog(t.db, twoLocationCatalog({ sourcesA: ['north/main'] }))).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect((await sourcesByChannel()).chA).toEqual([['east/main']]);
  });
});
