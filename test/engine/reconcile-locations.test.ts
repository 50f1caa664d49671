// Drift per location (docs/locations-wiring.md) on real PostgreSQL: warehouse `east` has two
// locations, `a` and `b`; a full read that differs at `b` only reports the drift at east/b,
// stored, in the JSON and in the table. Channel A sells from [east/b, west]: its drift names
// those sources; channel B sells from the default sources, and its row names none.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDriftReport } from '../../src/cli/commands/reconcile.js';
import type { ChannelConnector, Connector, WarehouseConnector } from '../../src/connectors/types.js';
import { syncCatalog } from '../../src/engine/catalog.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { runReconciliations } from '../../src/engine/run-reconciliations.js';
import { driftOf } from '../../src/store/reconciliations.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { twoLocationCatalog } from '../helpers/locations.js';

let t: TestDatabase;
const log = pino({ level: 'silent' });
const at = new Date(Date.now() - 60_000);

beforeAll(async () => {
  t = await createTestDatabase();
  const catalog = twoLocationCatalog({ sourcesA: ['east/b', 'west/main'], sourcesB: undefined });
  const east = catalog.connections.find((c) => c.id === 'east')!;
  Object.assign(east, {
    locations: [
      { code: 'a', sellable: true },
      { code: 'b', sellable: true },
    ],
  });
  await syncCatalog(t.db, catalog);
  for (const [location, available] of [
    ['a', 5],
    ['b', 3],
  ] as const) {
    await recordObservation(t.db, { connectionId: 'east', location, sku: 'A1', kind: 'absolute', available, observedAt: at });
  }
  await t.db.query(`UPDATE listings SET pushed = target`);
});
afterAll(async () => t.drop());

/** East as a full read finds it: `a` as believed, `b` with 2 units fewer (a cycle count no poll saw). */
const eastReading = {
  kind: 'warehouse',
  platform: 'scripted',
  listLevels: async () => ({
    items: [
      { sku: 'A1', location: 'a', available: 5, observedAt: new Date() },
      { sku: 'A1', location: 'b', available: 1, observedAt: new Date() },
    ],
    next: null,
  }),
} as unknown as WarehouseConnector;

/** A channel showing 9 of A1 (above any target here: lowered at once). */
const channelShowing = (sku: string, inventoryItemId: string) =>
  ({
    kind: 'channel',
    platform: 'scripted',
    listQuantities: async () => ({ items: [{ sku, platformIds: { inventoryItemId }, quantity: 9 }], next: null }),
    pollOrders: async () => ({ items: [], next: null }),
  }) as unknown as ChannelConnector;

describe('drift per location', () => {
  it('reports a two-location warehouse drifted at one location at that location, and the channels with their sources', async () => {
    const connectors = new Map<string, Connector>([
      ['east', eastReading],
      ['chA', channelShowing('A1', 'gid://shopify/InventoryItem/A1-A')],
      ['chB', channelShowing('A1', 'gid://shopify/InventoryItem/A1-B')],
    ]);
    const runs = await runReconciliations({ db: t.db, log, connectors, ids: ['east', 'chA', 'chB'] });
    expect(runs.map((r) => [r.connectionId, r.status, r.error])).toEqual([
      ['east', 'done', null],
      ['chA', 'done', null],
      ['chB', 'done', null],
    ]);

    // JSON (what `stocksync reconcile --json` prints under `runs`).
    const json = JSON.parse(JSON.stringify(runs)) as { drift: Record<string, unknown>[] }[];
    expect(json[0]!.drift).toEqual([
      expect.objectContaining({ sku: 'A1', location: 'east/b', sources: null, believed: 3, actual: 1, units: -2, direction: 'down', action: 'corrected' }),
    ]);
    expect(json[1]!.drift).toEqual([expect.objectContaining({ connectionId: 'chA', location: null, sources: ['east/b', 'west/main'], actual: 9 })]);
    expect(json[2]!.drift).toEqual([expect.objectContaining({ connectionId: 'chB', location: null, sources: null, actual: 9 })]);

    // Stored as found: the admin API and the dashboard read these.
    expect((await driftOf(t.db, runs[0]!.runId!)).map((d) => [d.location, d.sku, d.units])).toEqual([['east/b', 'A1', -2]]);
    const { rows } = await t.db.query(
      `SELECT l.code, s.available FROM stock_levels s JOIN locations l ON l.id = s.location_id WHERE l.connection_id = 'east' ORDER BY l.code`,
    );
    expect(rows).toEqual([
      { code: 'a', available: 5 },
      { code: 'b', available: 1 },
    ]);

    // The table.
    const table = formatDriftReport(runs);
    expect(table).toMatch(/CONNECTION\s+LOCATION\s+SKU\s+BELIEVED\s+ACTUAL\s+UNITS\s+DIRECTION\s+ACTION\s+LAYER/);
    expect(table).toMatch(/east\s+east\/b\s+A1\s+3\s+1\s+-2\s+down\s+corrected\s+polling/);
    expect(table).toMatch(/chA\s+from east\/b, west\/main\s+A1\s+\d+\s+9\s+\+\d+\s+up\s+lowered/);
    expect(table).toMatch(/chB\s+A1\s+\d+\s+9\s+\+\d+\s+up\s+lowered/);
    expect(table).not.toMatch(/east\/a/);
  });
});
