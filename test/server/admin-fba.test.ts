// Amazon FBA in the admin API's SKU resource, `stocksync sku` and `stocksync status`: the
// FBA location's stock is shown (external), never in a channel's ATS over its sources, and
// an AFN order is listed as an external order (it holds no claim).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { buildServer } from '../../src/server/app.js';
import { API_PREFIX } from '../../src/server/admin/index.js';
import { formatSku } from '../../src/cli/commands/sku.js';
import { formatLocations, locationsReport } from '../../src/cli/locations-report.js';
import { syncCatalog } from '../../src/engine/catalog.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { recordOrder } from '../../src/engine/record-orders.js';
import { skuLocations } from '../../src/engine/sku-locations.js';
import { listingsOfSku } from '../../src/store/listings.js';
import { latestLedgerEntries } from '../../src/store/ledger.js';
import { externalOrdersOfSku } from '../../src/store/sku-views.js';
import { skuDetail } from '../../src/store/status.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { fbaCatalog } from '../helpers/fba.js';

const TOKEN = 'admin-token-0123456789-secret';
let t: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  t = await createTestDatabase();
  await syncCatalog(t.db, fbaCatalog());
  const observe = (connectionId: string, location: string, available: number) =>
    recordObservation(t.db, { connectionId, location, sku: 'A1', kind: 'absolute', available, observedAt: new Date(), read: true });
  await observe('tpl', 'main', 4);
  await observe('fba', 'fba', 20);
  await recordOrder(t.db, { connectionId: 'amz', externalId: 'AFN-1', fulfilment: 'external', lines: [{ sku: 'A1', quantity: 2 }] });
  await recordOrder(t.db, { connectionId: 'amz', externalId: 'MFN-1', lines: [{ sku: 'A1', quantity: 1 }] });
  app = await buildServer({ db: t.db, logger: createLogger({ level: 'silent' }), adminToken: TOKEN });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
});

describe('FBA stock and AFN orders where operators look', () => {
  it('the admin API shows the FBA location, every channel ATS without it, and the AFN order as external', async () => {
    const res = await app.inject({ method: 'GET', url: `${API_PREFIX}/skus/A1`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ats).toBe(3);
    expect(body.locations.map((l: Record<string, unknown>) => [l.warehouse, l.location, l.external, l.available, l.claimed])).toEqual([
      ['fba', 'fba', true, 20, 0],
      ['tpl', 'main', false, 4, expect.any(Number)],
    ]);
    for (const s of body.sources) expect(s).toMatchObject({ sources: ['tpl/main'], ats: 3 });
    expect(body.externalOrders).toEqual([expect.objectContaining({ connectionId: 'amz', externalId: 'AFN-1', quantity: 2, status: 'open' })]);
    expect(body.claims.map((c: { externalId: string }) => c.externalId)).toEqual(['MFN-1']);
  });

  it('`stocksync sku` and `stocksync status` print them', async () => {
    const detail = (await skuDetail(t.db, 'A1'))!;
    const listings = await listingsOfSku(t.db, 'A1');
    const where = await skuLocations(
      t.db,
      'A1',
      [],
      listings.map((l) => l.connectionId),
    );
    const text = formatSku(detail, listings, await latestLedgerEntries(t.db, 'A1', 5), where, await externalOrdersOfSku(t.db, 'A1', 10));
    expect(text).toMatch(/^ATS 3 /m);
    expect(text).toMatch(/fba\s+fba\s+external\s+20\s+0\s+20\s+0\s+20/);
    expect(text).toMatch(/external: no claim\)\n.*\n\s*amz\s+AFN-1\s+2\s+open/);
    const status = formatLocations(await locationsReport(t.db));
    expect(status).toMatch(/fba\s+fba\s+external\s+1\s+20\s+0/);
  });
});
