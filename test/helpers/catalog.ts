// A small catalogue for engine tests: one warehouse with a sellable and an unsellable
// location, channels fulfilled by it, and SKUs listed on every channel.
import type { BufferPolicy, BundleComponent } from '../../src/domain/types.js';
import type { Db } from '../../src/store/db.js';
import { syncCatalog, type CatalogInput } from '../../src/engine/catalog.js';

export interface FixtureOptions {
  channels?: number;
  skus?: { sku: string; components?: BundleComponent[] }[];
  /** Default: shared mode and no buffer (tests of other things assert whole-ATS targets). */
  policy?: (channelIndex: number) => BufferPolicy;
}

export function channelId(i: number): string {
  return `ch${i + 1}`;
}

export function fixtureCatalog(opts: FixtureOptions = {}): CatalogInput {
  const channels = opts.channels ?? 3;
  const skus = opts.skus ?? [{ sku: 'A' }];
  const base = { credentialsEncrypted: null, pollIntervalMs: 300_000, reconcileCron: '0 3 * * *', options: {} };
  return {
    connections: [
      {
        ...base,
        id: 'wh',
        kind: 'warehouse',
        platform: 'warehouse',
        baseUrl: 'http://127.0.0.1:1/warehouse/main',
        bufferPolicy: {},
        fulfilledBy: null,
        locations: [
          { code: 'main', sellable: true },
          { code: 'damaged', sellable: false },
        ],
      },
      ...Array.from({ length: channels }, (_, i) => ({
        ...base,
        id: channelId(i),
        kind: 'channel' as const,
        platform: 'shopify',
        baseUrl: `http://127.0.0.1:1/shopify/shop${i}`,
        bufferPolicy: opts.policy?.(i) ?? { mode: 'shared' },
        fulfilledBy: 'wh',
      })),
    ],
    skus: skus.map((s) => ({
      ...s,
      listings: Object.fromEntries(
        Array.from({ length: channels }, (_, i) => [channelId(i), { inventoryItemId: `gid://shopify/InventoryItem/${s.sku}-${i}` }]),
      ),
    })),
  };
}

export async function loadFixture(db: Db, opts: FixtureOptions = {}): Promise<CatalogInput> {
  const catalog = fixtureCatalog(opts);
  await syncCatalog(db, catalog);
  return catalog;
}
