// Which warehouse locations each channel sells from (channel `sources`, location
// `external`; docs/locations.md). The check reads the raw YAML like cross-checks.ts and
// skips what the schema reports; `configuredSources` resolves a loaded config's lists for
// the catalogue sync.
import { defaultSources, resolveSources, type LocationInfo, type LocationKey } from '../domain/locations.js';
import { MAX_SOURCE_SETS } from '../domain/source-sets.js';
import { checkChannelLocations, checkOutletListings } from './channel-locations.js';
import type { PathSegment } from './issues.js';
import { takesOrders } from './platforms.js';
import type { LoadedConfig } from './schema.js';

type Obj = Record<string, unknown>;
type Add = (path: PathSegment[], message: string) => void;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);

/** Every configured location in configuration order (a warehouse without `locations` has `main`). */
function rawLocations(connections: readonly unknown[]): LocationInfo[] {
  return connections.flatMap((c) => {
    if (!isObj(c) || c.kind !== 'warehouse' || str(c.id) === undefined) return [];
    const locations = c.locations === undefined ? [{ id: 'main' }] : list(c.locations);
    return locations.flatMap((l) =>
      isObj(l) && str(l.id) !== undefined
        ? [{ warehouse: String(c.id), code: String(l.id), sellable: l.sellable !== false, external: l.external === true }]
        : [],
    );
  });
}

/**
 * Each channel's `sources` names sellable, non-external locations that exist; a SKU's
 * channels use at most MAX_SOURCE_SETS distinct source sets (the planner's limit).
 */
export function checkSources(root: Obj, add: Add): void {
  const connections = list(root.connections);
  const locations = rawLocations(connections);
  const fulfilling = new Set(connections.flatMap((c) => (isObj(c) && c.kind === 'warehouse' && takesOrders(c.platform) ? [String(c.id)] : [])));
  const warehouses = [...new Set(locations.map((l) => l.warehouse))].filter((w) => fulfilling.has(w));
  const setOf = new Map<string, string[]>(); // channel id -> its source sets (one per outlet), when valid
  connections.forEach((c, index) => {
    if (!isObj(c) || c.kind !== 'channel' || str(c.id) === undefined) return;
    const fulfilledBy = str(c.fulfilledBy) ?? (warehouses.length === 1 ? warehouses[0]! : null);
    if (c.locations !== undefined) {
      setOf.set(String(c.id), checkChannelLocations(c, index, locations, add).map(setKey));
      if (c.sources === undefined) return;
    }
    if (c.sources === undefined) {
      setOf.set(String(c.id), [setKey(defaultSources(locations, fulfilledBy))]);
      return;
    }
    const refs = list(c.sources);
    if (!Array.isArray(c.sources) || refs.some((r) => typeof r !== 'string')) return; // the schema says why
    const { sources, problems } = resolveSources(refs as string[], locations);
    for (const p of problems) {
      const at = /^sources\[(\d+)\]: (.*)$/.exec(p);
      if (at) add(['connections', index, 'sources', Number(at[1])], at[2]!);
      else add(['connections', index, 'sources'], p.replace(/^sources: /, ''));
    }
    if (problems.length === 0 && c.locations === undefined) setOf.set(String(c.id), [setKey(sources)]);
  });
  checkOutletListings(root, add);
  list(root.skus).forEach((s, index) => {
    if (!isObj(s) || !isObj(s.listings)) return;
    const sets = new Set(Object.keys(s.listings).flatMap((id) => setOf.get(id) ?? []));
    if (sets.size > MAX_SOURCE_SETS) {
      add(['skus', index, 'listings'], `its channels sell from ${sets.size} different sets of sources; at most ${MAX_SOURCE_SETS} are supported per SKU`);
    }
  });
}

function setKey(sources: readonly LocationKey[]): string {
  return JSON.stringify([...sources].sort());
}

/**
 * Channel id -> its configured sources resolved to `warehouse/code` keys, in routing order.
 * Channels without `sources` are absent: they sell from the default sources.
 */
export function configuredSources(config: LoadedConfig): Map<string, LocationKey[]> {
  const locations: LocationInfo[] = config.connections.flatMap((c) =>
    c.kind === 'warehouse' ? c.locations.map((l) => ({ warehouse: c.id, code: l.id, sellable: l.sellable, external: l.external })) : [],
  );
  const result = new Map<string, LocationKey[]>();
  for (const c of config.connections) {
    if (c.kind === 'channel' && c.sources !== undefined) result.set(c.id, resolveSources(c.sources, locations).sources);
  }
  return result;
}
