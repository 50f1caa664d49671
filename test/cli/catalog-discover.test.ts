// `stocksync catalog discover` as a child process against the sandboxes and a real
// PostgreSQL, with the config's `skus:` as overrides: a pinned listing resolves an
// ambiguity (the other variant is overridden, never a listing), a config name wins over
// the warehouse's, a config bundle stays a bundle, and applying the config again (every
// start does) neither retires what discovery found nor lets discovery retire the config's.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../sandbox/server.js';
import { amazonSellerId } from '../../src/harness/discovery-stack.js';
import type { DiscoveryReport } from '../../src/engine/catalog-discovery/report.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { catalogueSandbox } from '../helpers/discovery.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-discover-'));
const configFile = path.join(dir, 'stocksync.yaml');
let sandbox: RunningSandbox;
let t: TestDatabase;
let pinned: string;

beforeAll(async () => {
  sandbox = await catalogueSandbox();
  t = await createTestDatabase();
  const truth = sandbox.instances.get('shopify/shop')!.control.truth() as { items: { sku: string; inventoryItemId: string }[] };
  pinned = truth.items.find((i) => i.sku === 'B-2')!.inventoryItemId;
  const u = sandbox.url;
  writeFileSync(
    configFile,
    `
demo: true
database: { url: { env: DISCOVER_DATABASE_URL } }
catalog: { caseFold: false }
connections:
  - { id: wh, kind: warehouse, platform: warehouse, baseUrl: "${u}/warehouse/wh", options: { channelId: "100001" },
      credentials: { apiToken: { env: T1, default: sandbox-token-wh } } }
  - { id: shop, kind: channel, platform: shopify, baseUrl: "${u}/shopify/shop", credentials: { accessToken: { env: T2, default: shpat_x } } }
  - { id: woo, kind: channel, platform: woocommerce, baseUrl: "${u}/woocommerce/woo",
      credentials: { consumerKey: { env: T3, default: ck_woo }, consumerSecret: { env: T4, default: cs_woo } } }
  - { id: amz, kind: channel, platform: amazon, baseUrl: "${u}/amazon/amz",
      options: { sellerId: ${amazonSellerId('amz')}, marketplaceId: ATVPDKIKX0DER }, credentials: { accessToken: { env: T5, default: "Atza|amz" } } }
skus:
  - { sku: A-1, name: Config mug }
  - { sku: KIT, name: Two mugs, components: [{ sku: A-1, quantity: 2 }] }
  - { sku: B-2, listings: { shop: { inventoryItemId: "${pinned}" } } }
`,
  );
});
afterAll(async () => {
  await t?.drop();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', STOCKSYNC_LOG_FORMAT: 'json', DISCOVER_DATABASE_URL: t.url };
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, '--config', configFile, ...args], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

async function listings(): Promise<string[]> {
  const { rows } = await t.db.query(
    `SELECT connection_id AS c, sku, source, platform_ids->>'inventoryItemId' AS item FROM listings ORDER BY connection_id, sku`,
  );
  return rows.map((r) => `${r.c}/${r.sku}:${r.source}${r.c === 'shop' && r.sku === 'B-2' ? `:${r.item === pinned ? 'pinned' : r.item}` : ''}`);
}

describe('stocksync catalog discover', () => {
  it('prints the report as JSON; the config overrides what the platforms say', async () => {
    const r = await cli(['catalog', 'discover', '--json']);
    expect(r.stderr).not.toContain('error');
    expect(r.stderr).toContain('shop: 5 items read'); // progress, one line per connection off a terminal
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as DiscoveryReport;
    expect(report.status).toBe('succeeded');
    expect(report.totals).toMatchObject({ ambiguous: 0, overridden: 1, matched: 6, byBarcode: 1 });
    expect(report.overridden.map((o) => [o.sku, o.reason])).toEqual([['B-2 ', 'the config pins SKU B-2 on shop to other ids']]);
    expect(await listings()).toEqual([
      'amz/A-1:discovery',
      'shop/A-1:discovery',
      'shop/B-2:config:pinned',
      'shop/C-3:discovery',
      'woo/A-1:discovery',
      'woo/E-5:discovery',
    ]);
    const { rows } = await t.db.query(`SELECT sku, name, is_bundle AS bundle FROM skus WHERE sku IN ('A-1', 'KIT', 'B-2') ORDER BY sku`);
    expect(rows).toEqual([
      { sku: 'A-1', name: 'Config mug', bundle: false }, // the config's name, not the warehouse's "Mug"
      { sku: 'B-2', name: 'Bowl', bundle: false }, // no name in the config: the warehouse's
      { sku: 'KIT', name: 'Two mugs', bundle: true },
    ]);
  });

  it('runs again as a table: nothing changed, nothing retired', async () => {
    const r = await cli(['catalog', 'discover']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/discovery run \d+: succeeded/);
    expect(r.stdout).toMatch(/CONNECTION\s+SIDE\s+READ\s+MATCHED/);
    expect(r.stdout).toMatch(/listings created 0, retired 0/);
    expect(r.stdout).toContain('overridden by the config');
    expect(r.stdout).not.toContain('changed since the last run');
    expect(await listings()).toHaveLength(6);
  });
});
