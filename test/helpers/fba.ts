// A merchant with a 3PL `tpl` (location main) and Amazon FBA `fba` (one external location
// `fba`), selling A1 on Amazon (`amz`, MFN fulfilled by tpl) and Shopify (`shop`).
import type { CatalogInput } from '../../src/engine/catalog.js';

const base = { credentialsEncrypted: null, pollIntervalMs: 300_000, reconcileCron: '0 3 * * *', options: {}, bufferPolicy: {} };

/** `shopSources`: the Shopify channel's own sources (the sourced planner), or none (the single pool). */
export function fbaCatalog(shopSources?: string[]): CatalogInput {
  const channel = (id: string, platform: string) => ({
    ...base,
    id,
    kind: 'channel' as const,
    platform,
    baseUrl: `http://127.0.0.1:1/${id}`,
    bufferPolicy: { mode: 'shared' as const },
    fulfilledBy: 'tpl',
  });
  return {
    connections: [
      {
        ...base,
        id: 'tpl',
        kind: 'warehouse',
        platform: 'shipbob',
        baseUrl: 'http://127.0.0.1:1/tpl',
        fulfilledBy: null,
        locations: [{ code: 'main', sellable: true }],
      },
      // Marked sellable on purpose: external alone keeps it out of every ATS.
      {
        ...base,
        id: 'fba',
        kind: 'warehouse',
        platform: 'amazon-fba',
        baseUrl: 'http://127.0.0.1:1/fba',
        fulfilledBy: null,
        locations: [{ code: 'fba', sellable: true, external: true }],
      },
      { ...channel('amz', 'amazon'), listingIdentity: 'sellerSku' },
      { ...channel('shop', 'shopify'), ...(shopSources && { sources: shopSources }) },
    ],
    skus: [{ sku: 'A1', listings: { amz: { sellerSku: 'A1' }, shop: { inventoryItemId: 'gid://shopify/InventoryItem/1' } } }],
  };
}
