// A discovered item as a staged row: its identity (the listing key its ids give), its SKU
// and barcode keys (domain/sku-keys.ts), and a fingerprint of what the platform said about
// it, which tells a later run whether the item changed.
import { createHash } from 'node:crypto';
import type { DiscoveredListing, DiscoveredProduct } from '../../connectors/types.js';
import type { StagedItem } from '../../store/discovery-runs.js';
import { externalKey } from '../catalog.js';
import { barcodeOf, skuKey, trimmedSku, type SkuKeyOptions } from '../../domain/sku-keys.js';

export type NormaliseOptions = SkuKeyOptions;

function sortedIds(ids: Record<string, string>): [string, string][] {
  return Object.keys(ids)
    .sort()
    .map((k) => [k, ids[k]!]);
}

export function stagedListing(l: DiscoveredListing, opts: NormaliseOptions): StagedItem {
  const barcode = barcodeOf(l.barcode);
  const name = l.name ?? null;
  return {
    // the same key a listing with these ids gets in the listings table
    itemKey: externalKey(l.platformIds, trimmedSku(l.sku) ?? ''),
    side: 'channel',
    rawSku: l.sku,
    skuTrimmed: trimmedSku(l.sku),
    skuKey: skuKey(l.sku, opts),
    barcode,
    name,
    platformIds: l.platformIds,
    components: null,
    fingerprint: fingerprint([l.sku, barcode, name, sortedIds(l.platformIds)]),
  };
}

export function stagedProduct(p: DiscoveredProduct, opts: NormaliseOptions): StagedItem {
  const barcode = barcodeOf(p.barcode);
  const name = p.name ?? null;
  const components = p.components && p.components.length > 0 ? p.components.map((c) => ({ ...c, key: skuKey(c.sku, opts) ?? c.sku })) : null;
  return {
    itemKey: Object.keys(p.platformIds).length > 0 ? externalKey(p.platformIds, p.sku) : `sku:${p.sku}`,
    side: 'warehouse',
    rawSku: p.sku,
    skuTrimmed: trimmedSku(p.sku),
    skuKey: skuKey(p.sku, opts),
    barcode,
    name,
    platformIds: p.platformIds,
    components,
    fingerprint: fingerprint([p.sku, barcode, name, sortedIds(p.platformIds), components]),
  };
}

function fingerprint(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22);
}

/** One row per item key (a platform that repeats an item within a page lists it once). */
export function uniqueByKey(items: StagedItem[]): StagedItem[] {
  const seen = new Map<string, StagedItem>();
  for (const i of items) seen.set(i.itemKey, i);
  return seen.size === items.length ? items : [...seen.values()];
}
