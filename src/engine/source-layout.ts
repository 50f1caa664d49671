// Which locations each channel sells from, as the target planner reads it
// (docs/locations.md). It changes only with a catalogue sync, so the order path keeps one
// copy per catalogue version; other paths read it in their transaction.
import { defaultSources, locationKey, outletKey, type LocationInfo, type LocationKey } from '../domain/locations.js';
import type { Db, Queryable } from '../store/db.js';
import { sourceLayoutRows } from '../store/locations.js';

export interface SourceLayout {
  /**
   * Selling points with their own sources (in routing order), by outletKey: a channel with
   * `sources` by its id, each location of a channel with `locations` by `id@location`. The
   * others sell from the default.
   */
  configured: ReadonlyMap<string, readonly LocationKey[]>;
  /** Channel id -> its platform locations in configuration order (channels with `locations` only). */
  outlets: ReadonlyMap<string, readonly string[]>;
  locations: readonly LocationInfo[];
  fulfilledBy: ReadonlyMap<string, string | null>;
  /** `warehouse/code` -> the location's id (claims carry it). */
  ids: ReadonlyMap<LocationKey, number>;
  /** Location id -> its warehouse. */
  warehouseOf: ReadonlyMap<number, string>;
}

export async function loadSourceLayout(q: Queryable): Promise<SourceLayout> {
  const rows = await sourceLayoutRows(q);
  const outlets = new Map<string, string[]>();
  for (const c of rows.configured) if (c.externalId !== '') outlets.set(c.connectionId, [...(outlets.get(c.connectionId) ?? []), c.externalId]);
  return {
    configured: new Map(rows.configured.map((c) => [outletKey(c.connectionId, c.externalId), c.sources])),
    outlets,
    locations: rows.locations,
    fulfilledBy: new Map(Object.entries(rows.fulfilledBy)),
    ids: new Map(rows.locations.map((l) => [locationKey(l.warehouse, l.code), Number(l.id)])),
    warehouseOf: new Map(rows.locations.map((l) => [Number(l.id), l.warehouse])),
  };
}

/**
 * A selling point's sources in routing order (`key` an outletKey): its own, or the default
 * (every sellable location, its channel's warehouse's first).
 */
export function sourcesOf(layout: SourceLayout, key: string): readonly LocationKey[] {
  const own = layout.configured.get(key);
  if (own) return own;
  const at = key.indexOf('@');
  return defaultSources(layout.locations, layout.fulfilledBy.get(at < 0 ? key : key.slice(0, at)) ?? null);
}

/**
 * Where an order's claims may be taken, in routing order (docs/locations-wiring.md): a
 * channel with locations routes an order that names one of them to that location's
 * sources first, then the other locations' sources; an order naming none (or another
 * location) over the union of its locations' sources, in location order. Any other
 * channel: its sources.
 */
export function sellerSources(layout: SourceLayout, connectionId: string, location?: string | null): readonly LocationKey[] {
  const outlets = layout.outlets.get(connectionId);
  if (!outlets) return sourcesOf(layout, connectionId);
  const ordered = location && outlets.includes(location) ? [location, ...outlets.filter((o) => o !== location)] : outlets;
  return [...new Set(ordered.flatMap((o) => sourcesOf(layout, outletKey(connectionId, o))))];
}

const cached = new WeakMap<Db, { version: number; layout: Promise<SourceLayout> }>();

/**
 * The layout for a cached catalogue at `version`. Read after that catalogue, so it is at
 * least as new; a newer one goes with a stale catalogue, whose batch the version check
 * rolls back and redoes.
 */
export function sourceLayoutAt(db: Db, version: number): Promise<SourceLayout> {
  const entry = cached.get(db);
  if (entry && entry.version === version) return entry.layout;
  const layout = loadSourceLayout(db);
  layout.catch(() => cached.delete(db));
  cached.set(db, { version, layout });
  return layout;
}
