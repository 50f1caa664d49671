// Buffer policies changed at run time (the admin API): stored beside the YAML's, winning
// over them until removed, surviving a catalogue sync (what every start does), and moving
// the targets at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncCatalog } from '../../src/engine/catalog.js';
import { changeChannelPolicy, changeSkuOverride } from '../../src/engine/buffer-policies.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { channelBuffers } from '../../src/store/runtime-buffers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { fixtureCatalog } from '../helpers/catalog.js';

describe('runtime buffer policies', () => {
  let t: TestDatabase;
  const yaml = fixtureCatalog({ channels: 2, skus: [{ sku: 'A' }, { sku: 'B' }], policy: () => ({ mode: 'shared', holdBackUnits: 1 }) });
  yaml.overrides = [{ connectionId: 'ch1', sku: 'B', policy: { maxCap: 4 } }];
  const target = async (connectionId: string, sku: string) =>
    (await t.db.query(`SELECT target FROM listings WHERE connection_id = $1 AND sku = $2`, [connectionId, sku])).rows[0].target as number;

  beforeAll(async () => {
    t = await createTestDatabase();
    await syncCatalog(t.db, yaml);
    for (const sku of ['A', 'B']) {
      await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku, kind: 'absolute', available: 10, observedAt: new Date() });
    }
  });
  afterAll(async () => t?.drop());

  it('a runtime policy wins over the YAML, survives a catalogue sync, and removing it brings the YAML back', async () => {
    expect(await target('ch1', 'A')).toBe(9);
    expect((await changeChannelPolicy(t.db, 'ch1', { mode: 'shared', holdBackUnits: 4 })).listingsChanged).toBe(1); // B stays capped at 4
    expect(await target('ch1', 'A')).toBe(6);
    expect(await target('ch2', 'A')).toBe(9); // another channel keeps its own
    await syncCatalog(t.db, yaml); // a restart applies the YAML again
    expect(await target('ch1', 'A')).toBe(6);
    await changeChannelPolicy(t.db, 'ch1', null);
    expect(await target('ch1', 'A')).toBe(9);
  });

  it("a runtime SKU override replaces the YAML's override of that SKU until removed", async () => {
    expect(await target('ch1', 'B')).toBe(4); // YAML: maxCap 4
    await changeSkuOverride(t.db, 'ch1', 'B', { maxCap: 2 });
    expect(await target('ch1', 'B')).toBe(2);
    await changeSkuOverride(t.db, 'ch1', 'A', { zeroBelow: 50 });
    expect(await target('ch1', 'A')).toBe(0);
    await syncCatalog(t.db, yaml);
    expect([await target('ch1', 'B'), await target('ch1', 'A')]).toEqual([2, 0]);
    const [ch1] = await channelBuffers(t.db, 'ch1');
    expect(ch1!.overrides).toEqual([
      { sku: 'A', config: null, runtime: { zeroBelow: 50 } },
      { sku: 'B', config: { maxCap: 4 }, runtime: { maxCap: 2 } },
    ]);
    await changeSkuOverride(t.db, 'ch1', 'B', null);
    await changeSkuOverride(t.db, 'ch1', 'A', null);
    expect([await target('ch1', 'B'), await target('ch1', 'A')]).toEqual([4, 9]);
    await expect(changeSkuOverride(t.db, 'ch1', 'A', null)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(changeSkuOverride(t.db, 'ch1', 'NOPE', { maxCap: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(changeChannelPolicy(t.db, 'wh', { maxCap: 1 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
