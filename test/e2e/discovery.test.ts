// End to end: an engine started with `catalog: { discover: true }` and no `skus:` at all
// discovers the catalogue at start, pushes the warehouse's stock to every matched listing,
// and never touches the two Shopify variants that share one SKU (ambiguous).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/server.js';
import { parseConfig } from '../../src/config/index.js';
import { startEngine, type RunningEngine } from '../../src/runtime/engine-process.js';
import { amazonSellerId } from '../../src/harness/discovery-stack.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { catalogueSandbox } from '../helpers/discovery.js';
import { eventually } from './helpers.js';

let sandbox: RunningSandbox;
let t: TestDatabase;
let engine: RunningEngine;

beforeAll(async () => {
  sandbox = await catalogueSandbox();
  const shop = sandbox.instances.get('shopify/shop')!.control;
  // the shop's counts are off; the engine's pushes bring the matched ones to the 3PL's
  for (const sku of ['A-1', 'B-2', 'B-2 ', ' C-3', 'X-9']) shop.setStock(sku, 99);
  t = await createTestDatabase({ migrate: false });
  const u = sandbox.url;
  const config = parseConfig(
    `
demo: true
database: { url: { env: E2E_DB, default: "${t.url}" } }
catalog: { discover: true }
connections:
  - { id: wh, kind: warehouse, platform: warehouse, baseUrl: "${u}/warehouse/wh", options: { channelId: "100001", location: main },
      locations: [{ id: main, sellable: true }], credentials: { apiToken: { env: T1, default: sandbox-token-wh } } }
  - { id: shop, kind: channel, platform: shopify, baseUrl: "${u}/shopify/shop", buffer: { mode: shared },
      credentials: { accessToken: { env: T2, default: shpat_x } } }
  - { id: amz, kind: channel, platform: amazon, baseUrl: "${u}/amazon/amz", buffer: { mode: shared },
      options: { sellerId: ${amazonSellerId('amz')}, marketplaceId: ATVPDKIKX0DER }, credentials: { accessToken: { env: T5, default: "Atza|amz" } } }
`,
    {},
  );
  engine = await startEngine(config, { logger: pino({ level: 'silent' }), port: 0 });
});
afterAll(async () => {
  await engine?.stop();
  await t?.drop();
  await sandbox?.close();
});

describe('an engine that discovers its catalogue', () => {
  it('pushes the stock of matched listings and never an ambiguous one', async () => {
    const shop = sandbox.instances.get('shopify/shop')!.control;
    await eventually('matched Shopify listings pushed', async () => shop.getStock('A-1') === 10 && shop.getStock(' C-3') === 7);
    const { rows } = await t.db.query(`SELECT trigger, status FROM discovery_runs ORDER BY id LIMIT 1`);
    expect(rows).toEqual([{ trigger: 'start', status: 'succeeded' }]);
    // let the dispatchers drain whatever else they would push
    await eventually('no dirty listing left', async () => (await t.db.query(`SELECT count(*)::int AS n FROM listings WHERE dirty`)).rows[0].n === 0);
    expect(shop.getStock('B-2')).toBe(99);
    expect(shop.getStock('B-2 ')).toBe(99);
    expect(shop.getStock('X-9')).toBe(99); // unmatched: not the 3PL's product
  });
});
