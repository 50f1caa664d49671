// Stock per location in the admin API's SKU resource and in `stocksync sku`
// (docs/locations.md): levels with the claims routed to each location and the ATS there,
// the claims without a location, each channel's sources and its ATS over them.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { buildServer } from '../../src/server/app.js';
import { API_PREFIX } from '../../src/server/admin/index.js';
import { formatSku } from '../../src/cli/commands/sku.js';
import { formatLocations, locationsReport } from '../../src/cli/locations-report.js';
import { skuLocations } from '../../src/engine/sku-locations.js';
import { listingsOfSku } from '../../src/store/listings.js';
import { latestLedgerEntries } from '../../src/store/ledger.js';
import { skuDetail } from '../../src/store/status.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { twoLocationShop } from '../helpers/locations.js';

const TOKEN = 'admin-token-0123456789-secret';
let t: TestDatabase;
let app: FastifyInstance;
const shop = twoLocationShop(() => t.db);

beforeAll(async () => {
  t = await createTestDatabase();
  await shop.reset();
  await shop.observe('east', 2);
  await shop.observe('west', 2);
  await shop.sell('chB', 3); // east 2 + west 1, a split
  app = await buildServer({ db: t.db, logger: createLogger({ level: 'silent' }), adminToken: TOKEN });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

describe('stock per location', () => {
  it('the admin API shows levels, claims and ATS per location, and each channel over its sources', async () => {
    const res = await app.inject({ method: 'GET', url: `${API_PREFIX}/skus/A1`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.locations.map((l: Record<string, unknown>) => [l.warehouse, l.location, l.available, l.claimed, l.ats])).toEqual([
      ['east', 'main', 2, 2, 0],
      ['west', 'main', 2, 1, 1],
    ]);
    expect(body.unlocatedClaims).toBe(0);
    expect(body.sources).toEqual([
      { connectionId: 'chA', sources: ['east/main'], ownSources: true, ats: 0 },
      { connectionId: 'chB', sources: ['east/main', 'west/main'], ownSources: true, ats: 1 },
    ]);
    expect(body.claims.map((c: { location: string }) => c.location).sort()).toEqual(['east/main', 'west/main']);
  });

  it('`stocksync sku` prints them', async () => {
    const detail = (await skuDetail(t.db, 'A1'))!;
    const listings = await listingsOfSku(t.db, 'A1');
    const where = await skuLocations(
      t.db,
      'A1',
      [],
      listings.map((l) => l.connectionId),
    );
    const text = formatSku(detail, listings, await latestLedgerEntries(t.db, 'A1', 5), where);
    expect(text).toMatch(/CLAIMED\s+ATS/);
    expect(text).toMatch(/east\s+main\s+yes\s+2\s+0\s+2\s+2\s+0/);
    expect(text).toMatch(/west\s+main\s+yes\s+2\s+0\s+2\s+1\s+1/);
    expect(text).toMatch(/chB\s+shopify.*east\/main west\/main\s+1/);
  });

  it('`stocksync status` lists each location with the claims routed to it, and the channels with their own sources', async () => {
    const report = await locationsReport(t.db);
    expect(report.locations.map((l) => [l.warehouse, l.code, l.skus, l.available, l.claimed])).toEqual([
      ['east', 'main', 1, 2, 2],
      ['west', 'main', 1, 2, 1],
    ]);
    expect(report.unlocatedClaims).toBe(0);
    expect(report.channelSources).toEqual({ chA: ['east/main'], chB: ['east/main', 'west/main'] });
    const text = formatLocations(report);
    expect(text).toMatch(/west\s+main\s+yes\s+1\s+2\s+1/);
    expect(text).toMatch(/chB sells from east\/main, west\/main/);
  });
});
