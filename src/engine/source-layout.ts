// Which locations each channel sells from, as the target planner reads it
// (docs/locations.md). It changes only with a catalogue sync, so the order path keeps one
// copy per catalogue version; other paths read it in their transaction.
import { defaultSources, locationKey, type LocationInfo, type LocationKey } from '../domain/locations.js';
import type { Db, Queryable } from '../store/db.js';
import { sourceLayoutRows } from '../store/locations.js';

export interface SourceLayout {
  /** Channels with their own `sources` (in routing order); the others sell from the default. */
  configured: ReadonlyMap<string, readonly LocationKey[]>;
  locations: readonly LocationInfo[];
  fulfilledBy: ReadonlyMap<string, string | null>;
  /** `warehouse/code` -> the location's id (claims carry it). */
  ids: ReadonlyMap<LocationKey, number>;
  /** Location id -> its warehouse. */
  warehouseOf: ReadonlyMap<number, string>;
}

export async function loadSourceLayout(q: Queryable): Promise<SourceLayout> {
  const rows = await sourceLayoutRows(q);
  return {
    configured: new Map(rows.configured.map((c) => [c.connectionId, c.sources])),
    locations: rows.locations,
    fulfilledBy: new Map(Object.entries(rows.fulfilledBy)),
    ids: new Map(rows.locations.map((l) => [locationKey(l.warehouse, l.code), Number(l.id)])),
    warehouseOf: new Map(rows.locations.map((l) => [Number(l.id), l.warehouse])),
  };
}

/** A channel's sources in routing order: its own, or the default (every sellable location, its warehouse's first). */
export function sourcesOf(layout: SourceLayout, connectionId: string): readonly LocationKey[] {
  return layout.configured.get(connectionId) ?? defaultSources(layout.locations, layout.fulfilledBy.get(connectionId) ?? null);
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
