import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferFor, listings, loadConfig, parseConfig, summarize } from '../../src/config/index.js';
import { StocksyncError } from '../../src/errors.js';
import { ENV, baseDoc, issuesAfter, issuesOf, load } from './helpers.js';

describe('a valid config', () => {
  it('loads with defaults applied and secrets resolved', () => {
    const c = load(baseDoc());
    expect(c.source).toBe('test.yaml');
    expect(c.demo).toBe(false);
    expect(c.server).toEqual({ host: '127.0.0.1', port: 8080 }); // loopback unless configured (issue 14, defect 10)
    expect(c.database.url).toBeUndefined();
    expect(c.database.dataDir).toBe(path.resolve('.stocksync'));
    expect(c.database.embeddedPort).toBe(54329);
    expect(c.secretKey).toBe(ENV.STOCKSYNC_SECRET_KEY);
    const [shop, amazon, wh] = c.connections;
    expect(shop).toMatchObject({
      id: 'shop-main',
      kind: 'channel',
      baseUrl: 'http://127.0.0.1:8700/shopify/demo-shop', // trailing slash dropped
      credentials: { accessToken: ENV.SHOPIFY_TOKEN, webhookSecret: ENV.SHOPIFY_SECRET },
      pollInterval: 300_000, // default 5m, in ms
      reconcile: '0 3 * * *',
      options: {},
    });
    expect(amazon).toMatchObject({ pollInterval: 30_000, reconcile: '30 4 * * *', fulfilledBy: 'wh-main' }); // only warehouse
    expect(wh).toMatchObject({ kind: 'warehouse', locations: [{ id: 'main', sellable: true }] });
    expect(summarize(c)).toEqual({ connections: 3, channels: 2, warehouses: 1, skus: 3, bundles: 1, listings: 4 });
  });

  it('gives listings their implied ids and channels their per-SKU buffers', () => {
    const c = load(baseDoc());
    expect(listings(c)).toContainEqual({ sku: 'SKU-1', connectionId: 'amazon-eu', platform: 'amazon', ids: { sellerSku: 'SKU-1' } });
    const shop = c.connections[0];
    if (shop?.kind !== 'channel') throw new Error('expected a channel');
    expect(bufferFor(shop, 'SKU-1')).toEqual({ holdBackPercent: 10, holdBackUnits: 2, zeroBelow: 3, maxCap: 5 });
    expect(bufferFor(shop, 'SKU-2')).toEqual({ holdBackPercent: 10, holdBackUnits: 2, zeroBelow: 3, maxCap: 500 });
  });

  it('parses durations to milliseconds', () => {
    for (const [text, ms] of [
      ['30s', 30_000],
      ['1h30m', 5_400_000],
      ['1d', 86_400_000],
      ['1500ms', 1_500],
    ] as const) {
      const doc = baseDoc();
      doc.connections[0].pollInterval = text;
      expect(load(doc).connections[0]?.pollInterval).toBe(ms);
    }
  });

  it('accepts numeric ids that are exact and turns them into strings', () => {
    const doc = baseDoc();
    doc.connections.push({
      id: 'woo',
      kind: 'channel',
      platform: 'woocommerce',
      baseUrl: 'http://x',
      credentials: { consumerKey: { env: 'WH_TOKEN' }, consumerSecret: { env: 'WH_TOKEN' } },
    });
    doc.skus[0].listings.woo = { productId: 42, variationId: 43 };
    expect(load(doc).skus[0]?.listings.woo).toEqual({ productId: '42', variationId: '43' });
  });
});

describe('environment references', () => {
  it('names the path and the variable when a variable is unset', () => {
    const { SHOPIFY_TOKEN: _, ...env } = ENV;
    expect(issuesOf(baseDoc(), env)).toEqual(['connections[0].credentials.accessToken: environment variable SHOPIFY_TOKEN is not set']);
  });

  it('treats an empty variable as missing', () => {
    expect(issuesOf(baseDoc(), { ...ENV, WH_TOKEN: '' })).toEqual(['connections[2].credentials.apiToken: environment variable WH_TOKEN is empty']);
  });

  it('refuses a literal secret without echoing it', () => {
    const issues = issuesAfter((d) => (d.connections[0].credentials.accessToken = 'shpat_literal_123'));
    expect(issues).toEqual([
      'connections[0].credentials.accessToken: literal secrets are not allowed in the config file; use an environment reference such as { env: MY_SECRET }',
    ]);
    expect(issues.join()).not.toContain('shpat_literal_123');
  });

  it('refuses a bad variable name', () => {
    expect(issuesAfter((d) => (d.secretKey = { env: 'not a name' }))).toEqual(['secretKey.env: must be an environment variable name such as SHOPIFY_TOKEN']);
  });

  it('allows default values only in demo mode', () => {
    const change = (d: ReturnType<typeof baseDoc>) => (d.connections[2].credentials.apiToken = { env: 'WH_TOKEN', default: 'demo-token' });
    expect(issuesAfter(change)).toEqual([
      'connections[2].credentials.apiToken.default: default values are only allowed when the config sets demo: true (top level); set the environment variable instead',
    ]);
    const doc = baseDoc();
    change(doc);
    doc.demo = true;
    const { WH_TOKEN: _, ...env } = ENV;
    expect(load(doc, env).connections[2]?.credentials.apiToken).toBe('demo-token');
    expect(load(doc, ENV).connections[2]?.credentials.apiToken).toBe(ENV.WH_TOKEN); // the variable wins
  });

  it('lets database.url be optional, and nothing else', () => {
    const doc = baseDoc();
    doc.database = { url: { env: 'DATABASE_URL', optional: true } };
    expect(load(doc).database.url).toBeUndefined();
    expect(load(doc, { ...ENV, DATABASE_URL: 'postgres://u:p@h/db' }).database.url).toBe('postgres://u:p@h/db');
    expect(issuesAfter((d) => (d.connections[2].credentials.apiToken = { env: 'WH_TOKEN', optional: true }))).toEqual([
      'connections[2].credentials.apiToken.optional: unknown field',
    ]);
  });

  it('requires a long enough secretKey unless demo', () => {
    expect(issuesAfter((d) => delete d.secretKey)).toEqual([
      'secretKey: required unless demo: true (it encrypts stored credentials); e.g. secretKey: { env: STOCKSYNC_SECRET_KEY }',
    ]);
    expect(issuesOf(baseDoc(), { ...ENV, STOCKSYNC_SECRET_KEY: 'short' })).toEqual([
      'secretKey: environment variable STOCKSYNC_SECRET_KEY must hold at least 16 characters',
    ]);
    const doc = baseDoc();
    delete doc.secretKey;
    doc.demo = true;
    expect(load(doc).secretKey).toBeUndefined();
  });

  it('checks credential names against the platform', () => {
    expect(
      issuesAfter((d) => {
        d.connections[0].credentials = { acessToken: { env: 'SHOPIFY_TOKEN' } };
      }),
    ).toEqual([
      'connections[0].credentials.accessToken: required for shopify',
      'connections[0].credentials.acessToken: unknown credential for shopify (allowed: accessToken, webhookSecret)',
    ]);
  });
});

describe('platform credentials', () => {
  it('accept either complete set where a platform has two', () => {
    expect(issuesAfter((d) => (d.connections[1].credentials = { clientId: { env: 'AMAZON_ID' } }))).toEqual([
      'connections[1].credentials: amazon needs clientId + clientSecret + refreshToken, or accessToken',
    ]);
    const doc = baseDoc();
    doc.connections[1].credentials = { accessToken: { env: 'AMAZON_ID' } };
    expect(load(doc).connections[1]?.credentials).toEqual({ accessToken: ENV.AMAZON_ID });
  });
});

describe('references between connections and SKUs', () => {
  it('a listing on an undefined connection', () => {
    expect(issuesAfter((d) => (d.skus[1].listings['shop-typo'] = {}))).toEqual(['skus[1].listings.shop-typo: no connection shop-typo is defined']);
  });

  it('a listing on a warehouse connection', () => {
    expect(issuesAfter((d) => (d.skus[1].listings['wh-main'] = {}))).toEqual([
      'skus[1].listings.wh-main: wh-main is a warehouse connection; listings belong to channel connections',
    ]);
  });

  it('a listing mapped twice (same platform ids on one connection)', () => {
    expect(
      issuesAfter((d) => (d.skus[1].listings['shop-main'] = { inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: 'gid://shopify/Location/1' })),
    ).toEqual(['skus[1].listings.shop-main: same shopify ids as SKU SKU-1 (skus[0].listings.shop-main); a listing maps to one SKU only']);
    // Amazon's seller SKU defaults to the SKU: pinning another SKU's is the same listing.
    expect(issuesAfter((d) => (d.skus[1].listings['amazon-eu'] = { sellerSku: 'SKU-1' }))).toEqual([
      'skus[1].listings.amazon-eu: same amazon ids as SKU SKU-1 (skus[0].listings.amazon-eu); a listing maps to one SKU only',
    ]);
  });

  it('the same item at another location is another listing', () => {
    const doc = baseDoc();
    doc.skus[1].listings['shop-main'] = { inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: 'gid://shopify/Location/2' };
    expect(() => load(doc)).not.toThrow();
  });

  it('unknown listing id fields for the platform', () => {
    expect(issuesAfter((d) => (d.skus[1].listings['shop-main'] = { productId: '1' }))).toEqual([
      'skus[1].listings.shop-main.productId: unknown field for a shopify listing (allowed: inventoryItemId, locationId)',
    ]);
  });

  it('an id number too large to be exact', () => {
    const text = `${YAMLText()}`.replace('inventoryItemId: gid://shopify/InventoryItem/2', 'inventoryItemId: 27187834659688401512');
    expect(issuesOf(text)).toEqual([
      'skus[1].listings.shop-main.inventoryItemId: must be an id; quote large numbers in YAML ("12345678901234567890"), they lose digits otherwise',
    ]);
  });

  it('fulfilledBy naming an undefined connection, or a channel', () => {
    expect(issuesAfter((d) => (d.connections[0].fulfilledBy = 'wh-typo'))).toEqual(['connections[0].fulfilledBy: no connection wh-typo is defined']);
    expect(issuesAfter((d) => (d.connections[0].fulfilledBy = 'amazon-eu'))).toEqual(['connections[0].fulfilledBy: amazon-eu is not a warehouse connection']);
  });

  it('fulfilledBy required once there are several warehouses', () => {
    expect(issuesAfter((d) => d.connections.push({ ...d.connections[2], id: 'wh-two' }))).toEqual([
      'connections[1].fulfilledBy: required when several warehouses are defined (wh-main, wh-two)',
    ]);
  });

  it('duplicate connection ids and SKUs', () => {
    expect(issuesAfter((d) => d.connections.push({ ...d.connections[2] }))).toEqual([
      'connections[3].id: duplicate connection id wh-main (also connections[2])',
    ]);
    expect(issuesAfter((d) => d.skus.push({ sku: 'SKU-2' }))).toEqual(['skus[3].sku: duplicate SKU SKU-2 (also skus[1])']);
  });

  it('buffer overrides for unknown SKUs', () => {
    expect(issuesAfter((d) => (d.connections[0].bufferOverrides['SKU-9'] = { maxCap: 1 }))).toEqual([
      'connections[0].bufferOverrides.SKU-9: unknown SKU SKU-9',
    ]);
  });

  it('duplicate warehouse locations', () => {
    expect(issuesAfter((d) => d.connections[2].locations.push({ id: 'main' }))).toEqual([
      'connections[2].locations[1].id: duplicate location id main (also locations[0])',
    ]);
  });
});

describe('bundles', () => {
  const bundle = (d: ReturnType<typeof baseDoc>) => d.skus[2].components;
  it('unknown component', () => {
    expect(issuesAfter((d) => bundle(d).push({ sku: 'SKU-9', quantity: 1 }))).toEqual(['skus[2].components[2].sku: unknown SKU SKU-9']);
  });
  it('nested bundle', () => {
    expect(issuesAfter((d) => d.skus.push({ sku: 'MEGA-SET', components: [{ sku: 'GIFT-SET', quantity: 1 }] }))).toEqual([
      'skus[3].components[0].sku: GIFT-SET is itself a bundle; bundles cannot be nested',
    ]);
  });
  it('self-reference', () => {
    expect(issuesAfter((d) => bundle(d).push({ sku: 'GIFT-SET', quantity: 1 }))).toEqual(['skus[2].components[2].sku: a bundle cannot contain itself']);
  });
  it('non-positive or fractional quantity', () => {
    for (const q of [0, -1, 1.5]) {
      expect(issuesAfter((d) => (bundle(d)[0].quantity = q))).toEqual(['skus[2].components[0].quantity: must be a whole number of at least 1']);
    }
  });
  it('a component listed twice', () => {
    expect(issuesAfter((d) => bundle(d).push({ sku: 'SKU-1', quantity: 1 }))).toEqual([
      'skus[2].components[2].sku: SKU-1 appears twice in this bundle; give it once with the total quantity',
    ]);
  });
  it('an empty component list', () => {
    expect(issuesAfter((d) => (d.skus[2].components = []))).toEqual(['skus[2].components: a bundle needs at least one component']);
  });
});

describe('field values', () => {
  it('buffer values out of range', () => {
    expect(
      issuesAfter((d) => {
        d.connections[0].buffer = { reserve: -1, holdBackPercent: 101, holdBackUnits: 2.5, zeroBelow: 'three', maxCap: -5 };
        d.connections[0].bufferOverrides['SKU-1'] = { holdBackPercent: -1 };
      }),
    ).toEqual([
      'connections[0].buffer.holdBackPercent: must be from 0 to 100',
      'connections[0].buffer.holdBackUnits: must be a whole number',
      'connections[0].buffer.maxCap: must not be negative',
      'connections[0].buffer.reserve: must not be negative',
      'connections[0].buffer.zeroBelow: must be a whole number',
      'connections[0].bufferOverrides.SKU-1.holdBackPercent: must be from 0 to 100',
    ]);
  });

  it('buffer modes and adaptive settings', () => {
    expect(
      issuesAfter((d) => {
        d.connections[0].buffer = { mode: 'scarce' };
        d.connections[0].bufferOverrides['SKU-1'] = { mode: 'partitioned' };
        d.adaptive = { velocityWindow: 'ten minutes', orderUnits: -1, exitRatio: 0.5, floorShare: 2 };
      }),
    ).toEqual([
      'adaptive.exitRatio: must be at least 1',
      'adaptive.floorShare: must be from 0 to 1',
      'adaptive.orderUnits: must not be negative',
      'adaptive.velocityWindow: must be a duration such as 30s, 5m or 1h',
      'connections[0].buffer.mode: must be adaptive, shared or partitioned',
    ]);
  });

  it('retention settings: durations with a floor, defaults when absent', () => {
    expect(
      issuesAfter((d) => {
        d.retention = { inbox: '30m', drift: 90, quarantine: 'a month' };
      }),
    ).toEqual([
      'retention.drift: must be a duration such as 30s, 5m or 1h',
      'retention.inbox: must be at least 3600s',
      'retention.quarantine: must be a duration such as 30s, 5m or 1h',
    ]);
  });

  it('bad cron and bad durations', () => {
    expect(
      issuesAfter((d) => {
        d.connections[0].reconcile = '0 25 * * *';
        d.connections[1].pollInterval = '5 minutes';
        d.connections[2].pollInterval = 300;
      }),
    ).toEqual([
      'connections[0].reconcile: not a valid cron expression (CronPattern: Invalid value for hour: 25)',
      'connections[1].pollInterval: must be a duration such as 30s, 5m or 1h',
      'connections[2].pollInterval: must be a duration such as 30s, 5m or 1h',
    ]);
    expect(issuesAfter((d) => (d.connections[1].pollInterval = '500ms'))).toEqual(['connections[1].pollInterval: must be at least 1s']);
  });

  it('connection id, kind, platform, URL, unknown and missing fields', () => {
    expect(
      issuesAfter((d) => {
        d.connections[0].id = 'Shop_Main';
        d.connections[0].colour = 'blue';
        d.connections[1].platform = 'warehouse';
        d.connections[2].platform = 'ebay';
        delete d.connections[2].baseUrl;
        d.connections.push({ id: 'x', kind: 'marketplace' });
        d.server.port = 70000;
      }),
    ).toEqual([
      'connections[0].colour: unknown field',
      "connections[0].id: must use only a-z, 0-9 and '-' (1 to 63 characters, no '-' at either end)",
      'connections[1].platform: warehouse is not a channel platform; a channel connection uses one of: shopify, woocommerce, amazon, manual',
      'connections[2].baseUrl: required',
      'connections[2].platform: must be one of: shipbob, warehouse, amazon-fba, csv-feed',
      'connections[3].kind: must be channel or warehouse',
      'server.port: must be from 1 to 65535',
      // the renamed connection is gone, so what referred to it is reported too
      'skus[0].listings.shop-main: no connection shop-main is defined',
      'skus[1].listings.shop-main: no connection shop-main is defined',
    ]);
    expect(issuesAfter((d) => (d.connections[0].baseUrl = 'ftp://host'))).toEqual(['connections[0].baseUrl: must be an http:// or https:// URL']);
  });

  it('reports every mistake at once, in path order', () => {
    const { SHOPIFY_TOKEN: _, ...env } = ENV;
    const issues = issuesAfter((d) => {
      d.connections[0].fulfilledBy = 'nowhere';
      d.connections[1].pollInterval = 'soon';
      d.skus[0].listings.ghost = {};
      d.skus[2].components[0].quantity = 0;
      d.skus.push({ sku: 'SKU-1' });
      d.extra = true;
    }, env);
    expect(issues).toEqual([
      'connections[0].credentials.accessToken: environment variable SHOPIFY_TOKEN is not set',
      'connections[0].fulfilledBy: no connection nowhere is defined',
      'connections[1].pollInterval: must be a duration such as 30s, 5m or 1h',
      'extra: unknown field',
      'skus[0].listings.ghost: no connection ghost is defined',
      'skus[2].components[0].quantity: must be a whole number of at least 1',
      'skus[3].sku: duplicate SKU SKU-1 (also skus[0])',
    ]);
  });
});

describe('the file itself', () => {
  it('YAML syntax errors and duplicate keys, with lines', () => {
    const [syntax] = issuesOf('connections:\n  - id: [unclosed\n');
    expect(syntax).toMatch(/^\(yaml\): .* at line \d+, column \d+$/);
    expect(issuesOf('demo: true\ndemo: false\n')[0]).toMatch(/^\(yaml\): Map keys must be unique at line 2, column 1$/);
  });

  it('an empty file or a list is not a config', () => {
    expect(issuesOf('')).toEqual(['(root): the config must be a YAML mapping']);
    expect(issuesOf('- a\n- b\n')).toEqual(['(root): the config must be a YAML mapping']);
  });

  it('issues carry their YAML line', () => {
    const text =
      'secretKey: { env: STOCKSYNC_SECRET_KEY }\nconnections:\n  - id: BAD\n    kind: warehouse\n    platform: warehouse\n    baseUrl: http://x\n    credentials: { apiToken: { env: WH_TOKEN } }\n';
    try {
      parseConfig(text, ENV, 't.yaml');
      expect.unreachable();
    } catch (err) {
      expect((err as StocksyncError).details?.issues).toEqual([{ path: 'connections[0].id', message: expect.stringContaining('must use only'), line: 3 }]);
    }
  });

  it('CONFIG_NOT_FOUND for a missing file', async () => {
    await expect(loadConfig('/nonexistent/stocksync.yaml', ENV)).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      message: 'config file /nonexistent/stocksync.yaml not found',
    });
  });

  it('CONFIG_INVALID carries the issues and a count', () => {
    try {
      issuesAfter(() => {}); // valid: throws "expected invalid"
    } catch (err) {
      expect((err as Error).message).toBe('expected the config to be invalid');
    }
    try {
      load({ skus: 'nope' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(StocksyncError);
      expect((err as StocksyncError).code).toBe('CONFIG_INVALID');
      expect((err as StocksyncError).message).toBe('test.yaml: 2 problems');
    }
  });
});

describe('examples/stocksync.yaml', () => {
  it('loads on demo defaults alone', async () => {
    const c = await loadConfig('examples/stocksync.yaml', {});
    expect(c.demo).toBe(true);
    expect(summarize(c)).toEqual({ connections: 4, channels: 3, warehouses: 1, skus: 6, bundles: 1, listings: 13 });
    expect(c.connections.map((x) => x.baseUrl)).toEqual([
      'http://127.0.0.1:8700/warehouse/demo-3pl',
      'http://127.0.0.1:8700/shopify/demo-shop',
      'http://127.0.0.1:8700/woocommerce/demo-store',
      'http://127.0.0.1:8700/amazon/demo-seller',
    ]);
    expect(c.database.url).toBeUndefined();
  });

  it('takes real values from the environment', async () => {
    const c = await loadConfig('examples/stocksync.yaml', { SHOPIFY_TOKEN: 'from-env', DATABASE_URL: 'postgres://db/x' });
    expect(c.connections[1]?.credentials.accessToken).toBe('from-env');
    expect(c.database.url).toBe('postgres://db/x');
  });
});

function YAMLText(): string {
  return `secretKey: { env: STOCKSYNC_SECRET_KEY }
connections:
  - id: shop-main
    kind: channel
    platform: shopify
    baseUrl: http://x
    credentials: { accessToken: { env: SHOPIFY_TOKEN } }
skus:
  - sku: SKU-1
    listings: { shop-main: { inventoryItemId: gid://shopify/InventoryItem/1 } }
  - sku: SKU-2
    listings:
      shop-main:
        inventoryItemId: gid://shopify/InventoryItem/2
`;
}
