// Stock by location and a channel's sources (docs/locations.md).
//
// A location is named `warehouse/code`. Per SKU and location, ATS = available - claimed
// (the open claims routed there). A channel sells from its sources, an ordered list of
// locations; by default every sellable, non-external location, those of the warehouse that
// fulfils its orders first: today's single pool.
import type { ConnectionId } from './types.js';

/** `warehouse/code`: a location of a warehouse connection. */
export type LocationKey = string;

export function locationKey(warehouse: ConnectionId, code: string): LocationKey {
  return `${warehouse}/${code}`;
}

/** A location as configured. */
export interface LocationInfo {
  warehouse: ConnectionId;
  code: string;
  /** Counts towards what channels may sell (false: returns, damaged, quarantine). */
  sellable: boolean;
  /** Stock a platform holds and reports, read only (Amazon FBA): never a source, never claimed. */
  external: boolean;
}

/** One SKU's stock as the planner and the router see it. */
export interface LocationStock {
  /** ATS at each location (available - claimed there); an absent location has 0. */
  atsAt: ReadonlyMap<LocationKey, number>;
  /** Open claims without a location (recorded before locations): counted against every location. */
  unlocated: number;
}

/** A location's level for one SKU, as the store reads it. */
export interface LocationLevel {
  location: LocationKey;
  available: number;
  claimed: number;
}

/** ATS per location from the levels and the claims there. */
export function atsByLocation(levels: readonly LocationLevel[]): Map<LocationKey, number> {
  const ats = new Map<LocationKey, number>();
  for (const l of levels) ats.set(l.location, (ats.get(l.location) ?? 0) + l.available - l.claimed);
  return ats;
}

/** One SKU's stock for the planner and the router: the ATS at every location a channel may sell from. */
export function locationStock(levels: readonly (LocationLevel & Pick<LocationInfo, 'sellable' | 'external'>)[], unlocated: number): LocationStock {
  return { atsAt: atsByLocation(levels.filter(canBeSource)), unlocated };
}

/**
 * A channel's ATS over its sources: the sum of the ATS at each source, less the unlocated
 * claims. Negative after an oversell, like the single-pool ATS.
 */
export function atsOverSources(sources: readonly LocationKey[], stock: LocationStock): number {
  let units = -stock.unlocated;
  for (const l of new Set(sources)) units += stock.atsAt.get(l) ?? 0;
  return units;
}

/** Whether a channel may sell from this location. */
export function canBeSource(l: Pick<LocationInfo, 'sellable' | 'external'>): boolean {
  return l.sellable && !l.external;
}

/**
 * The default sources of a channel: every location that can be a source, those of the
 * warehouse that fulfils its orders first, each warehouse's in configuration order
 * (`locations` is in that order). With one warehouse, every sellable location: today's pool.
 */
export function defaultSources(locations: readonly LocationInfo[], fulfilledBy: ConnectionId | null): LocationKey[] {
  const usable = locations.filter(canBeSource);
  const first = usable.filter((l) => l.warehouse === fulfilledBy);
  const rest = usable.filter((l) => l.warehouse !== fulfilledBy);
  return [...first, ...rest].map((l) => locationKey(l.warehouse, l.code));
}

/**
 * A channel's configured `sources` resolved to locations, in order: `warehouse` stands for
 * that warehouse's sellable, non-external locations in configuration order,
 * `warehouse/code` for one location. A location named twice keeps its first place.
 * Problems (unknown names, unsellable or external locations, an empty list) are returned as
 * readable sentences naming the entry, for the config check to report.
 */
export function resolveSources(refs: readonly string[], locations: readonly LocationInfo[]): { sources: LocationKey[]; problems: string[] } {
  const problems: string[] = [];
  const sources: LocationKey[] = [];
  const add = (k: LocationKey) => {
    if (!sources.includes(k)) sources.push(k);
  };
  refs.forEach((ref, i) => {
    const where = `sources[${i}]`;
    const slash = ref.indexOf('/');
    const warehouse = slash < 0 ? ref : ref.slice(0, slash);
    const ofWarehouse = locations.filter((l) => l.warehouse === warehouse);
    if (ofWarehouse.length === 0) {
      problems.push(`${where}: no warehouse ${warehouse} is defined`);
      return;
    }
    if (slash < 0) {
      const usable = ofWarehouse.filter(canBeSource);
      if (usable.length === 0) problems.push(`${where}: ${warehouse} has no sellable location a channel may sell from`);
      usable.forEach((l) => add(locationKey(l.warehouse, l.code)));
      return;
    }
    const code = ref.slice(slash + 1);
    const l = ofWarehouse.find((x) => x.code === code);
    if (!l) problems.push(`${where}: ${warehouse} has no location ${code} (it has ${ofWarehouse.map((x) => x.code).join(', ')})`);
    else if (l.external) problems.push(`${where}: ${ref} is held by a platform (external, read only); no channel sells from it`);
    else if (!l.sellable) problems.push(`${where}: ${ref} is not sellable`);
    else add(locationKey(l.warehouse, l.code));
  });
  if (refs.length === 0) problems.push('sources: must name at least one location');
  return { sources, problems };
}

/**
 * The planning key of one selling point: the connection itself (`channelLocation` empty,
 * one count per connection), or one of its locations (a Shopify location that shows its
 * own count from its own sources).
 */
export function outletKey(connectionId: ConnectionId, channelLocation = ''): string {
  return channelLocation === '' ? connectionId : `${connectionId}@${channelLocation}`;
}
