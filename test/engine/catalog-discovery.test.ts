// Catalogue discovery against the sandboxes (Shopify, WooCommerce, Amazon, the 3PL) and a
// real PostgreSQL: matched, unmatched on each side, ambiguous (stored, never a listing),
// barcode matches, changes since the last run, retirement of vanished listings, an
// idempotent re-run, and two runs at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { syncCatalog } from '../../src/engine/catalog.js';
import { runDiscovery, type DiscoveryOutcome } from '../../src/engine/catalog-discovery/run.js';
import type { DiscoveryReport } from '../../src/engine/catalog-discovery/report.js';
import { discoveryCatalog, discoveryConnectors } from '../../src/harness/discovery-stack.js';
import { catalogueSandbox, CONNECTIONS, quietSandbox } from '../helpers/discovery.js';
import type { Connector } from '../../src/connectors/types.js';

let sandbox: RunningSandbox;
let t: TestDatabase;
let connectors: Map<string, Connector>;

beforeAll(async () => {
  sandbox = await catalogueSandbox();
  t = await createTestDatabase();
  await syncCatalog(t.db, discoveryCatalog(sandbox.url, CONNECTIONS));
  connectors = await discoveryConnectors(sandbox.url, CONNECTIONS);
});
afterAll(async () => {
  await t.drop();
  await sandbox.close();
});

async function discover(caseFold = false): Promise<DiscoveryReport> {
  const outcome: DiscoveryOutcome = await runDiscovery({ db: t.db, connectors, configSkus: [], caseFold, trigger: 'test' });
  if (outcome.status !== 'ran') throw new Error('discovery was busy');
  return outcome.report;
}

async function listings(): Promise<string[]> {
  const { rows } = await t.db.query(`SELECT connection_id AS c, sku, source FROM listings ORDER BY connection_id, sku`);
  return rows.map((r) => `${r.c}/${r.sku}`);
}

describe('catalogue discovery', () => {
  it('matches by SKU (trimmed) then barcode, stores ambiguous and unmatched items with their reason', async () => {
    const report = await discover();
    expect(report.status).toBe('succeeded');
    expect(await listings()).toEqual(['amz/A-1', 'shop/A-1', 'shop/C-3', 'woo/A-1', 'woo/E-5']);
    const { rows: skus } = await t.db.query(`SELECT sku, name FROM skus ORDER BY sku`);
    expect(skus).toEqual([
      { sku: 'A-1', name: 'Mug' },
      { sku: 'B-2', name: 'Bowl' },
      { sku: 'C-3', name: 'Plate' },
      { sku: 'D-4', name: 'Spoon' },
      { sku: 'E-5', name: 'Fork' },
    ]);
    expect(report.totals).toMatchObject({
      matched: 5,
      byBarcode: 1,
      ambiguous: 2,
      unmatchedChannel: 2,
      unmatchedWarehouse: 2,
      added: 5 + 5 + 2 + 2,
      changed: 0,
      removed: 0,
      listingsCreated: 5,
    });
    expect(report.ambiguous.map((a) => [a.connectionId, a.sku, a.reason])).toEqual([
      ['shop', 'B-2', '2 listings on shop carry SKU B-2'],
      ['shop', 'B-2 ', '2 listings on shop carry SKU B-2'],
    ]);
    expect(report.unmatched.map((u) => [u.connectionId, u.sku, u.reason])).toEqual([
      ['amz', 'c-3', 'SKU c-3 is not a warehouse product'],
      ['shop', 'X-9', 'SKU X-9 is not a warehouse product'],
      ['wh', 'B-2', 'listed on no channel'],
      ['wh', 'D-4', 'listed on no channel'],
    ]);
    const woo = report.connections.find((c) => c.connectionId === 'woo')!;
    expect(woo).toMatchObject({ complete: true, items: 2, matched: 2, byBarcode: 1 });
    // the warehouse's stock of the new SKUs was read before their listings were pushable:
    // their targets are that stock, not 0, and none is held any more
    const { rows } = await t.db.query(`SELECT connection_id AS c, sku, target, dirty, quarantined_reason AS held FROM listings ORDER BY connection_id, sku`);
    expect(rows.map((r) => `${r.c}/${r.sku}=${r.target}${r.dirty ? ' dirty' : ''}${r.held ? ' held' : ''}`)).toEqual([
      'amz/A-1=10 dirty',
      'shop/A-1=10 dirty',
      'shop/C-3=7 dirty',
      'woo/A-1=10 dirty',
      'woo/E-5=4 dirty',
    ]);
  });

  it('a second run of the same catalogue changes nothing', async () => {
    const before = await t.db.query(`SELECT id, connection_id, sku, external_key FROM listings ORDER BY id`);
    const report = await discover();
    expect(report.totals).toMatchObject({ added: 0, changed: 0, removed: 0, listingsCreated: 0, listingsRetired: 0, skusCreated: 0 });
    expect(report.changes).toEqual([]);
    expect(report.previousRun?.id).toBe(report.runId - 1);
    const after = await t.db.query(`SELECT id, connection_id, sku, external_key FROM listings ORDER BY id`);
    expect(after.rows).toEqual(before.rows);
  });

  it('retires listings that vanish from a platform and reports what changed', async () => {
    const amazon = sandbox.instances.get('amazon/amz')!;
    const shop = sandbox.instances.get('shopify/shop')!;
    expect(amazon.control.removeSku!('A-1')).toBe(1);
    expect(shop.control.removeSku!('B-2')).toBe(1); // the other B-2 variant is now alone
    const report = await discover();
    expect(await listings()).toEqual(['shop/A-1', 'shop/B-2', 'shop/C-3', 'woo/A-1', 'woo/E-5']);
    expect(report.totals).toMatchObject({ removed: 2, listingsRetired: 1, listingsCreated: 1, ambiguous: 0, changed: 2 });
    expect(report.retiredListings).toEqual([{ connectionId: 'amz', sku: 'A-1' }]);
    expect(report.removed.map((r) => `${r.connectionId}/${r.sku}`).sort()).toEqual(['amz/A-1', 'shop/B-2']);
    // B-2's remaining variant went from ambiguous to matched; the warehouse's B-2 is now sold
    expect(report.changes.map((c) => [c.connectionId, c.sku, c.status, c.change])).toEqual([
      ['shop', 'B-2 ', 'matched', 'changed'],
      ['wh', 'B-2', 'matched', 'changed'],
    ]);
  });

  it('case-folds SKUs when the config says so', async () => {
    const report = await discover(true);
    expect(await listings()).toContain('amz/C-3');
    expect(report.totals.unmatchedChannel).toBe(1); // X-9 only
  });

  it('a listing that becomes ambiguous is retired: it is never pushed again', async () => {
    expect(await listings()).toContain('woo/A-1');
    // a second WooCommerce product, without a SKU, carries A-1's barcode
    const res = await fetch(`${sandbox.url}/woocommerce/woo/wp-json/wc/v3/products`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('ck_woo:cs_woo').toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Mug again', global_unique_id: '0001', manage_stock: true, stock_quantity: 1 }),
    });
    expect(res.status).toBe(201);
    const report = await discover(true);
    expect(await listings()).not.toContain('woo/A-1');
    expect(report.retiredListings).toEqual([{ connectionId: 'woo', sku: 'A-1' }]);
    expect(report.ambiguous.map((a) => [a.connectionId, a.sku, a.matchedSku, a.reason])).toEqual([
      ['woo', null, 'A-1', '2 listings on woo carry SKU A-1'],
      ['woo', 'A-1', 'A-1', '2 listings on woo carry SKU A-1'],
    ]);
    // the dispatcher pushes what the listings table holds: nothing for woo/A-1
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM listings WHERE connection_id = 'woo' AND sku = 'A-1'`);
    expect(rows[0].n).toBe(0);
  });

  it('a connection that cannot be read keeps what is known of it; the run is partial', async () => {
    const amazon = sandbox.instances.get('amazon/amz')!;
    amazon.control.setAccessToken!('Atza|rotated'); // the seller revoked our token
    try {
      const report = await discover(true);
      expect(report.status).toBe('partial');
      expect(report.connections.find((c) => c.connectionId === 'amz')).toMatchObject({ complete: false });
      expect(report.connections.find((c) => c.connectionId === 'amz')!.error).toMatch(/401|403|auth|denied|token/i);
      expect(report.totals.listingsRetired).toBe(0);
      expect(await listings()).toContain('amz/C-3');
    } finally {
      amazon.control.setAccessToken!('Atza|amz');
    }
  });

  it('two runs at once: one runs, the other finds it busy', async () => {
    const [a, b] = await Promise.all([
      runDiscovery({ db: t.db, connectors, configSkus: [], caseFold: true, trigger: 'test' }),
      runDiscovery({ db: t.db, connectors, configSkus: [], caseFold: true, trigger: 'test' }),
    ]);
    expect([a.status, b.status].sort()).toEqual(['busy', 'ran']);
  });
});

describe('catalogue discovery without a warehouse that lists products', () => {
  it("takes the channels' SKUs as the catalogue", async () => {
    const fresh = await catalogueSandbox();
    const db = await createTestDatabase();
    try {
      const channels = CONNECTIONS.filter((c) => c.platform !== 'warehouse');
      await syncCatalog(db.db, discoveryCatalog(fresh.url, channels));
      const outcome = await runDiscovery({
        db: db.db,
        connectors: await discoveryConnectors(fresh.url, channels),
        configSkus: [],
        caseFold: false,
        trigger: 'test',
      });
      if (outcome.status !== 'ran') throw new Error('busy');
      const { rows } = await db.db.query(`SELECT connection_id AS c, sku FROM listings ORDER BY connection_id, sku`);
      expect(rows.map((r) => `${r.c}/${r.sku}`)).toEqual(['amz/A-1', 'amz/c-3', 'shop/A-1', 'shop/C-3', 'shop/X-9', 'woo/A-1']);
      expect(outcome.report.ambiguous.map((a) => a.sku)).toEqual(['B-2', 'B-2 ']);
      expect(outcome.report.unmatched.map((u) => [u.connectionId, u.reason])).toEqual([['woo', "no SKU, and barcode 0005 is no known product's"]]);
      expect((await db.db.query(`SELECT sku FROM skus`)).rows.map((r) => r.sku).sort()).toEqual(['A-1', 'C-3', 'X-9', 'c-3']);
    } finally {
      await db.drop();
      await fresh.close();
    }
  });
});

describe('bundles the warehouse defines', () => {
  it('become bundles of their components, unless the config gives the components', async () => {
    const fresh = await quietSandbox([
      {
        platform: 'warehouse',
        name: 'wh',
        skus: [
          { sku: 'A-1', quantity: 10 },
          { sku: 'B-2', quantity: 5 },
        ],
        options: {
          bundles: [
            {
              sku: 'PAIR',
              components: [
                { sku: 'A-1', quantity: 2 },
                { sku: 'B-2', quantity: 1 },
              ],
            },
            { sku: 'TRIO', components: [{ sku: 'A-1', quantity: 3 }] },
          ],
        },
      },
      {
        platform: 'shopify',
        name: 'shop',
        skus: [
          { sku: 'PAIR', quantity: 0 },
          { sku: 'TRIO', quantity: 0 },
        ],
      },
    ]);
    const db = await createTestDatabase();
    try {
      const connections = CONNECTIONS.filter((c) => c.platform === 'warehouse' || c.platform === 'shopify');
      const catalog = discoveryCatalog(fresh.url, connections);
      // the config says what TRIO is made of: two A-1 (the warehouse says three)
      catalog.skus = [{ sku: 'A-1' }, { sku: 'TRIO', components: [{ sku: 'A-1', quantity: 2 }] }];
      await syncCatalog(db.db, catalog);
      const outcome = await runDiscovery({
        db: db.db,
        connectors: await discoveryConnectors(fresh.url, connections),
        configSkus: [{ sku: 'A-1' }, { sku: 'TRIO', components: [{ sku: 'A-1', quantity: 2 }] }],
        caseFold: false,
        trigger: 'test',
      });
      if (outcome.status !== 'ran') throw new Error('busy');
      const { rows: parts } = await db.db.query(`SELECT bundle_sku AS b, component_sku AS c, quantity AS q FROM bundle_components ORDER BY 1, 2`);
      expect(parts).toEqual([
        { b: 'PAIR', c: 'A-1', q: 2 },
        { b: 'PAIR', c: 'B-2', q: 1 },
        { b: 'TRIO', c: 'A-1', q: 2 },
      ]);
      // a bundle's listing shows what its scarcest component allows
      const { rows } = await db.db.query(`SELECT sku, target FROM listings ORDER BY sku`);
      expect(rows).toEqual([
        { sku: 'PAIR', target: 5 },
        { sku: 'TRIO', target: 5 },
      ]);
    } finally {
      await db.drop();
      await fresh.close();
    }
  });
});
