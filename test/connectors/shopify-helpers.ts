// A sandbox with one Shopify shop and a connector pointed at it, over loopback.
import type { FaultProfile, FaultProfileName } from '../../sandbox/core/faults.js';
import type { SkuQuantity } from '../../sandbox/core/instance.js';
import { startSandbox } from '../../sandbox/server.js';
import { create } from '../../src/connectors/shopify/index.js';
import type { ListingRef } from '../../src/connectors/types.js';

export const FAST_RETRY = { attempts: 6, baseMs: 5, maxMs: 200 };

export async function shopWithConnector(
  o: {
    skus?: SkuQuantity[];
    shopOptions?: Record<string, unknown>;
    connectorOptions?: Record<string, unknown>;
    faults?: FaultProfileName | FaultProfile;
    timeScale?: number;
    timeoutMs?: number;
  } = {},
) {
  const sandbox = await startSandbox({
    port: 0,
    seed: 11,
    faults: o.faults ?? 'none',
    timeScale: o.timeScale ?? 0.00001,
    instances: [{ platform: 'shopify', name: 'shop', skus: o.skus ?? [{ sku: 'A', quantity: 10 }], options: { appSecret: 'test-secret', ...o.shopOptions } }],
  });
  const shop = sandbox.instances.get('shopify/shop')!;
  const connector = create({
    connectionId: 'shopify-test',
    baseUrl: `${sandbox.url}/shopify/shop`,
    credentials: { accessToken: 'shpat_test', webhookSecret: 'test-secret' },
    options: { retry: FAST_RETRY, ...o.connectorOptions },
    ...(o.timeoutMs !== undefined && { timeoutMs: o.timeoutMs }),
  });
  const truth = () =>
    shop.control.truth() as {
      locations: { id: string }[];
      items: { sku: string; inventoryItemId: string; levels: { locationId: string; quantities: Record<string, number> }[] }[];
      orders: { id: string }[];
    };
  const itemId = (sku: string) => truth().items.find((i) => i.sku === sku)!.inventoryItemId;
  const available = (sku: string) => shop.control.getStock(sku);
  /** A listing carrying its platform ids, as the engine stores it after resolution. */
  const listing = (listingId: number, sku: string): ListingRef => ({
    listingId,
    sku,
    platformIds: { inventoryItemId: itemId(sku), locationId: truth().locations[0]!.id },
  });
  return { sandbox, shop, connector, truth, itemId, available, listing, close: () => sandbox.close() };
}

export const skus = (n: number, quantity = 10, prefix = 'SKU-') =>
  Array.from({ length: n }, (_, i) => ({ sku: `${prefix}${String(i + 1).padStart(4, '0')}`, quantity }));
