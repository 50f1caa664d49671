// The catalogue sync's part for locations (docs/locations.md): every warehouse's locations
// with their order and flags, and each channel's sources. A channel without configured
// sources gets no rows: it sells from the default sources, as before locations.
import { invalidInput } from '../errors.js';
import { locationKey } from '../domain/locations.js';
import type { Queryable } from '../store/db.js';
import { dropChannelSourcesNotIn, locationsInOrder, replaceChannelSources, upsertLocationLayout } from '../store/locations.js';

export interface LocatedConnection {
  id: string;
  kind: 'channel' | 'warehouse';
  /** A warehouse's locations in configuration order. */
  locations?: { code: string; sellable: boolean; external?: boolean }[];
  /** A channel's sources as `warehouse/code`, in routing order; absent: the default sources. */
  sources?: string[];
  /**
   * A channel showing one count per platform location (Shopify `locations`): each location
   * id with its sources. Its listings are one per location (syncCatalog).
   */
  outlets?: { externalId: string; sources: string[] }[];
}

/** In the catalogue sync's transaction, after the connections are written. */
export async function syncLocationsAndSources(tx: Queryable, connections: readonly LocatedConnection[]): Promise<void> {
  await upsertLocationLayout(
    tx,
    connections.flatMap((c) =>
      (c.locations ?? []).map((l, position) => ({ warehouse: c.id, code: l.code, sellable: l.sellable, external: l.external ?? false, position })),
    ),
  );
  const channels = connections.filter((c) => c.kind === 'channel');
  await dropChannelSourcesNotIn(
    tx,
    channels.map((c) => c.id),
  );
  if (channels.length === 0) return;
  const idOf = new Map((await locationsInOrder(tx)).map((l) => [locationKey(l.warehouse, l.code), l.id]));
  const ids = (keys: readonly string[], where: string) =>
    keys.map((key, i) => {
      const id = idOf.get(key);
      if (id === undefined) throw invalidInput(`${where}[${i}]`, `no location ${key} is defined`);
      return id;
    });
  for (const c of channels) {
    const outlets = c.outlets
      ? c.outlets.map((o) => ({ externalId: o.externalId, sources: ids(o.sources, `connections.${c.id}.locations.${o.externalId}`) }))
      : c.sources === undefined
        ? []
        : [{ externalId: '', sources: ids(c.sources, `connections.${c.id}.sources`) }];
    await replaceChannelSources(tx, c.id, outlets);
  }
}
