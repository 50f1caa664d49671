// One SKU's stock per location and what each channel may sell of it from its sources
// (docs/locations.md), for `stocksync sku` and the admin API's SKU resource.
import { atsOverSources, outletKey } from '../domain/locations.js';
import type { BundleComponent } from '../domain/types.js';
import type { Queryable } from '../store/db.js';
import { stockByLocation, type LocationLevelRow } from '../store/locations.js';
import { locationStocks } from './location-stock.js';
import { loadSourceLayout, sourcesOf } from './source-layout.js';

export interface SkuLocations {
  /** A plain SKU's levels with the open claims at each location and the ATS there (none for a bundle). */
  locations: (Omit<LocationLevelRow, 'locationId' | 'code'> & { location: string })[];
  /** Units of open claims without a location (taken while no channel had its own sources): counted against each. */
  unlocatedClaims: number;
  /**
   * Each listing channel's sources in routing order and its ATS over them (a bundle: whole
   * bundles); a channel with a count per location has one entry per location (`shop@<location id>`).
   */
  channels: { connectionId: string; sources: string[]; ownSources: boolean; ats: number }[];
}

export async function skuLocations(q: Queryable, sku: string, components: readonly BundleComponent[], channelIds: readonly string[]): Promise<SkuLocations> {
  const bundles = new Map(components.length > 0 ? [[sku, components]] : []);
  const [layout, byLocation, stock] = [await loadSourceLayout(q), await stockByLocation(q, [sku]), await locationStocks(q, [sku], bundles)];
  const own = byLocation.get(sku);
  const skuStock = stock.get(sku)!;
  return {
    locations: components.length > 0 ? [] : (own?.levels ?? []).map(({ locationId: _id, code, ...level }) => ({ ...level, location: code })),
    unlocatedClaims: skuStock.unlocated,
    channels: [...new Set(channelIds)]
      .flatMap((id) => layout.outlets.get(id)?.map((o) => outletKey(id, o)) ?? [id])
      .map((connectionId) => {
        const sources = [...sourcesOf(layout, connectionId)];
        return { connectionId, sources, ownSources: layout.configured.has(connectionId), ats: atsOverSources(sources, skuStock) };
      }),
  };
}
