// Stock by location of the SKUs the target planner plans over sources: plain SKUs from the
// store (levels and the open claims at each location), bundles from their components.
import { bundleLocationStock } from '../domain/bundle-locations.js';
import { locationKey, locationStock, type LocationStock } from '../domain/locations.js';
import type { BundleComponent } from '../domain/types.js';
import type { Queryable } from '../store/db.js';
import { stockByLocation, type SkuStockByLocation } from '../store/locations.js';

/**
 * `skus` may hold bundles (`bundles` gives their components). Read in the transaction that
 * holds the SKUs' stock rows locked, so the levels and claims agree with the totals.
 */
export async function locationStocks(
  q: Queryable,
  skus: Iterable<string>,
  bundles: ReadonlyMap<string, readonly BundleComponent[]>,
): Promise<Map<string, LocationStock>> {
  const wanted = [...skus];
  const plain = new Set(wanted.flatMap((s) => bundles.get(s)?.map((c) => c.sku) ?? [s]));
  const rows = plain.size === 0 ? new Map<string, SkuStockByLocation>() : await stockByLocation(q, [...plain].sort());
  const plainStock = new Map<string, LocationStock>();
  for (const sku of plain) {
    const entry = rows.get(sku);
    const levels = (entry?.levels ?? []).map((l) => ({ ...l, location: locationKey(l.warehouse, l.code) }));
    plainStock.set(sku, locationStock(levels, entry?.unlocated ?? 0));
  }
  const result = new Map<string, LocationStock>();
  for (const sku of wanted) {
    const components = bundles.get(sku);
    result.set(sku, components ? bundleLocationStock(components, (c) => plainStock.get(c)) : plainStock.get(sku)!);
  }
  return result;
}
