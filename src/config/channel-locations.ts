// A Shopify connection's `locations`: the shop's locations it shows a count at, each with
// its own sources (docs/locations-wiring.md, "Per-location counts"). Checked on the raw
// YAML like sources.ts; `configuredOutlets` resolves a loaded config's for the catalogue sync.
import { resolveSources, type LocationInfo, type LocationKey } from '../domain/locations.js';
import type { PathSegment } from './issues.js';
import type { LoadedConfig } from './schema.js';

type Obj = Record<string, unknown>;
type Add = (path: PathSegment[], message: string) => void;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);

export const SHOPIFY_LOCATION_GID = /^gid:\/\/shopify\/Location\/[1-9][0-9]*$/;

/**
 * Checks one channel's `locations` and returns each valid location's resolved sources (an
 * entry with a problem is left out). Rules: Shopify only; keys are Location GIDs; each value
 * is a source list as `sources` takes; not beside `sources` (each location has its own);
 * `options.locationId`, when set, is one of them (it only picks where SKUs are looked up).
 */
export function checkChannelLocations(c: Obj, index: number, locations: readonly LocationInfo[], add: Add): LocationKey[][] {
  if (c.locations === undefined || !isObj(c.locations)) return []; // absent, or the schema says why
  const at = (...rest: PathSegment[]) => ['connections', index, ...rest];
  if (c.platform !== 'shopify') {
    add(at('locations'), `only a Shopify connection shows a count per location (this one is ${String(c.platform)}); use sources`);
    return [];
  }
  const gids = Object.keys(c.locations);
  if (gids.length === 0) add(at('locations'), 'must map at least one Shopify location to its sources');
  if (c.sources !== undefined) add(at('sources'), 'a connection with locations sells from each location’s own sources; remove sources');
  const pushAt = isObj(c.options) ? c.options.locationId : undefined;
  if (pushAt !== undefined && !gids.includes(String(pushAt))) {
    add(
      at('options', 'locationId'),
      `${String(pushAt)} is not one of this connection's locations (${gids.join(', ')}): with locations, each is pushed at its own`,
    );
  }
  const sets: LocationKey[][] = [];
  for (const gid of gids) {
    if (!SHOPIFY_LOCATION_GID.test(gid)) {
      add(at('locations', gid), 'must be keyed by a Shopify Location GID (gid://shopify/Location/<id>)');
      continue;
    }
    const refs = (c.locations as Obj)[gid];
    if (!Array.isArray(refs) || refs.some((r) => typeof r !== 'string')) continue; // the schema says why
    const { sources, problems } = resolveSources(refs as string[], locations);
    for (const p of problems) {
      const item = /^sources\[(\d+)\]: (.*)$/.exec(p);
      if (item) add(at('locations', gid, Number(item[1])), item[2]!);
      else add(at('locations', gid), p.replace(/^sources: /, ''));
    }
    if (problems.length === 0) sets.push(sources);
  }
  return sets;
}

/** A listing of a connection with `locations` carries no locationId of its own: it is pushed at every location. */
export function checkOutletListings(root: Obj, add: Add): void {
  const withLocations = new Set(
    (Array.isArray(root.connections) ? root.connections : []).flatMap((c) => (isObj(c) && isObj(c.locations) && typeof c.id === 'string' ? [c.id] : [])),
  );
  if (withLocations.size === 0 || !Array.isArray(root.skus)) return;
  root.skus.forEach((s, index) => {
    if (!isObj(s) || !isObj(s.listings)) return;
    for (const [connectionId, ids] of Object.entries(s.listings)) {
      if (withLocations.has(connectionId) && isObj(ids) && ids.locationId !== undefined) {
        add(['skus', index, 'listings', connectionId, 'locationId'], `${connectionId} has locations: the listing is pushed at each of them; remove locationId`);
      }
    }
  });
}

/** One selling point of a channel: a Shopify location and its sources (`warehouse/code`, in routing order). */
export interface ConfiguredOutlet {
  externalId: string;
  sources: LocationKey[];
}

/** Channel id -> its locations with their resolved sources, in configuration order (channels without `locations` are absent). */
export function configuredOutlets(config: LoadedConfig): Map<string, ConfiguredOutlet[]> {
  const locations: LocationInfo[] = config.connections.flatMap((c) =>
    c.kind === 'warehouse' ? c.locations.map((l) => ({ warehouse: c.id, code: l.id, sellable: l.sellable, external: l.external })) : [],
  );
  const result = new Map<string, ConfiguredOutlet[]>();
  for (const c of config.connections) {
    if (c.kind !== 'channel' || c.locations === undefined) continue;
    result.set(
      c.id,
      Object.entries(c.locations).map(([externalId, refs]) => ({ externalId, sources: resolveSources(refs, locations).sources })),
    );
  }
  return result;
}
