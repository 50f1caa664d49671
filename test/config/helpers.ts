// A valid config as data, so each test changes one thing and asserts the exact issue.
import YAML from 'yaml';
import { parseConfig } from '../../src/config/index.js';
import { StocksyncError } from '../../src/errors.js';

export const ENV = {
  SHOPIFY_TOKEN: 'shpat_live_secret_value',
  SHOPIFY_SECRET: 'shopify-webhook-secret',
  AMAZON_ID: 'amzn-client',
  AMAZON_SECRET: 'amzn-secret',
  AMAZON_REFRESH: 'amzn-refresh',
  WH_TOKEN: 'wh-token',
  STOCKSYNC_SECRET_KEY: 'a-long-enough-secret-key-0123456789',
};

export type Doc = any;

export function baseDoc(): Doc {
  return {
    server: { port: 8080 },
    secretKey: { env: 'STOCKSYNC_SECRET_KEY' },
    connections: [
      {
        id: 'shop-main',
        kind: 'channel',
        platform: 'shopify',
        baseUrl: 'http://127.0.0.1:8700/shopify/demo-shop/',
        credentials: { accessToken: { env: 'SHOPIFY_TOKEN' }, webhookSecret: { env: 'SHOPIFY_SECRET' } },
        fulfilledBy: 'wh-main',
        buffer: { holdBackPercent: 10, holdBackUnits: 2, zeroBelow: 3, maxCap: 500 },
        bufferOverrides: { 'SKU-1': { maxCap: 5 } },
      },
      {
        id: 'amazon-eu',
        kind: 'channel',
        platform: 'amazon',
        baseUrl: 'http://127.0.0.1:8700/amazon/demo-seller',
        credentials: {
          clientId: { env: 'AMAZON_ID' },
          clientSecret: { env: 'AMAZON_SECRET' },
          refreshToken: { env: 'AMAZON_REFRESH' },
        },
        pollInterval: '30s',
        reconcile: '30 4 * * *',
      },
      {
        id: 'wh-main',
        kind: 'warehouse',
        platform: 'warehouse',
        baseUrl: 'http://127.0.0.1:8700/warehouse/demo-3pl',
        credentials: { apiToken: { env: 'WH_TOKEN' } },
        locations: [{ id: 'main', sellable: true }],
      },
    ],
    skus: [
      {
        sku: 'SKU-1',
        name: 'Blue mug',
        listings: { 'shop-main': { inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: 'gid://shopify/Location/1' }, 'amazon-eu': {} },
      },
      { sku: 'SKU-2', listings: { 'shop-main': { inventoryItemId: 'gid://shopify/InventoryItem/2' } } },
      {
        sku: 'GIFT-SET',
        components: [
          { sku: 'SKU-1', quantity: 2 },
          { sku: 'SKU-2', quantity: 1 },
        ],
        listings: { 'amazon-eu': {} },
      },
    ],
  };
}

export function load(doc: Doc, env: Record<string, string | undefined> = ENV) {
  return parseConfig(YAML.stringify(doc), env, 'test.yaml');
}

/** The `path: reason` lines of a config that must fail. */
export function issuesOf(docOrText: Doc, env: Record<string, string | undefined> = ENV): string[] {
  const text = typeof docOrText === 'string' ? docOrText : YAML.stringify(docOrText);
  try {
    parseConfig(text, env, 'test.yaml');
  } catch (err) {
    if (err instanceof StocksyncError && err.code === 'CONFIG_INVALID') {
      return (err.details?.issues as { path: string; message: string }[]).map((i) => `${i.path}: ${i.message}`);
    }
    throw err;
  }
  throw new Error('expected the config to be invalid');
}

/** issuesOf after applying a change to the base config. */
export function issuesAfter(change: (doc: Doc) => void, env?: Record<string, string | undefined>): string[] {
  const doc = baseDoc();
  change(doc);
  return issuesOf(doc, env);
}
