// Recomputes listing targets for the SKUs an operation touched, never the whole catalogue.
import { ats, bundleAts, bundlesContaining, decayedVelocity, mergePolicy, planSkuTargets } from '../domain/index.js';
import type { BufferPolicy, BundleComponent } from '../domain/types.js';
import type { Tx } from '../store/db.js';
import { listingsWithPolicies, updateTargets, type ListingState, type TargetChange } from '../store/listings.js';
import { PLATFORMS, type PlatformSpec } from '../config/platforms.js';
import { adaptiveSettings, type AdaptiveSettings } from './adaptive-settings.js';
import { loweringLatencies } from './lowering-latency-cache.js';
import type { SkuStockRow } from '../store/stock.js';
import type { SkuListings } from './catalog-cache.js';
import { planSourcedTargets } from '../domain/source-partitioning.js';
import { outletKey, type LocationStock } from '../domain/locations.js';
import { loadSourceLayout, sourcesOf, type SourceLayout } from './source-layout.js';
import { locationStocks } from './location-stock.js';

/**
 * `stock` holds the current (locked) totals of every plain SKU involved, including every
 * component of every bundle in `bundles`. Returns how many listings changed target or
 * planner state.
 */
export async function recomputeTargets(
  tx: Tx,
  skus: ReadonlySet<string>,
  stock: ReadonlyMap<string, SkuStockRow>,
  bundles: ReadonlyMap<string, readonly BundleComponent[]>,
): Promise<number> {
  if (skus.size === 0) return 0;
  const listings = await listingsWithPolicies(tx, [...skus]);
  const latencyOf = await loweringLatencies(tx);
  const planned = listings.map((l) => ({ ...l, policy: mergePolicy(l.policy, l.override ?? undefined) }));
  const sourced = await sourcedStock(tx, await loadSourceLayout(tx), planned, bundles);
  return updateTargets(tx, targetChanges(planned, atsOfSkus(skus, stock, bundles), latencyOf, adaptiveSettings(), sourced));
}

/** What the planner needs for the SKUs some of whose channels have their own sources. */
export interface SourcedStock {
  layout: SourceLayout;
  /** Stock by location of those SKUs only; the others keep the single-pool plan. */
  stock: ReadonlyMap<string, LocationStock>;
}

/**
 * The stock by location of the SKUs listed on a channel with its own sources (read only
 * then: a catalogue without `sources` plans exactly as before, with no extra read).
 */
export async function sourcedStock(
  tx: Tx,
  layout: SourceLayout,
  listings: readonly { sku: string; connectionId: string; outlet?: string }[],
  bundles: ReadonlyMap<string, readonly BundleComponent[]>,
): Promise<SourcedStock | undefined> {
  if (layout.configured.size === 0) return undefined;
  const own = (l: { connectionId: string; outlet?: string }) =>
    layout.configured.has(outletKey(l.connectionId, l.outlet)) || layout.outlets.has(l.connectionId);
  const skus = new Set(listings.filter(own).map((l) => l.sku));
  if (skus.size === 0) return undefined;
  return { layout, stock: await locationStocks(tx, skus, bundles) };
}

/**
 * The listings whose target (or planner state) differs from what the buffer planner gives
 * for the SKU's ATS; `listings` in pool order within each SKU, policies merged.
 */
export function targetChanges(
  listings: readonly (ListingState & { policy: BufferPolicy })[],
  atsBySku: ReadonlyMap<string, number>,
  latencyOf: (connectionId: string) => number,
  settings: AdaptiveSettings = adaptiveSettings(),
  sourced?: SourcedStock,
): TargetChange[] {
  const changes: TargetChange[] = [];
  for (const [sku, group] of groupBy(listings, (l) => l.sku)) {
    // each location of a channel with per-location counts plans as its own selling point
    const channels = group.map((l) => ({
      connectionId: outletKey(l.connectionId, l.outlet),
      policy: l.policy,
      velocity: decayedVelocity(l.velocity, l.velocityAgeMs, settings.velocityWindowMs),
      loweringLatencyMs: latencyOf(l.connectionId),
      exposure: l.exposure,
      unrecordedSales: l.unrecordedSales,
      appliesLater: (PLATFORMS as Record<string, PlatformSpec | undefined>)[l.platform]?.appliesLater === true,
    }));
    const wasPartitioned = group.some((l) => l.partitioned);
    const byLocation = sourced?.stock.get(sku);
    // Over sources only where some channel has its own: with the default sources everywhere
    // the two planners agree (property-tested in the domain), and the pool is cheaper.
    const plan = byLocation
      ? planSourcedTargets(
          byLocation,
          channels.map((c) => ({ ...c, sources: sourcesOf(sourced!.layout, c.connectionId) })),
          wasPartitioned,
          settings,
        )
      : planSkuTargets(atsBySku.get(sku) ?? 0, channels, wasPartitioned, settings);
    for (const l of group) {
      const key = outletKey(l.connectionId, l.outlet);
      const change = { id: l.id, target: plan.targets.get(key) ?? 0, partitioned: plan.partitioned, raiseGated: plan.held.has(key) };
      if (change.target !== l.target || change.partitioned !== l.partitioned || change.raiseGated !== l.raiseGated) changes.push(change);
    }
  }
  return changes;
}

/**
 * The target changes of these SKUs' listings, the policies from the catalogue cache and
 * the listings' present state from `states` (read in the same transaction).
 */
export function targetsFromCache(
  listings: ReadonlyMap<string, SkuListings>,
  states: readonly ListingState[],
  atsBySku: ReadonlyMap<string, number>,
  latencyOf: (connectionId: string) => number,
  sourced?: SourcedStock,
): TargetChange[] {
  const stateById = new Map(states.map((s) => [s.id, s]));
  const planned: (ListingState & { policy: BufferPolicy })[] = [];
  for (const sku of atsBySku.keys()) {
    const entry = listings.get(sku);
    if (!entry) continue;
    entry.ids.forEach((id, k) => {
      const state = stateById.get(id);
      if (state) planned.push({ ...state, policy: entry.channels[k]!.policy });
    });
  }
  return targetChanges(planned, atsBySku, latencyOf, adaptiveSettings(), sourced);
}

export function atsOfSkus(
  skus: Iterable<string>,
  stock: ReadonlyMap<string, SkuStockRow>,
  bundles: ReadonlyMap<string, readonly BundleComponent[]>,
): Map<string, number> {
  const plain = (sku: string) => {
    const row = stock.get(sku);
    return row ? ats(row) : 0;
  };
  const result = new Map<string, number>();
  for (const sku of skus) {
    const components = bundles.get(sku);
    if (components) {
      const componentAts = new Map(components.map((c) => [c.sku, plain(c.sku)]));
      result.set(sku, bundleAts(componentAts, components));
    } else {
      result.set(sku, plain(sku));
    }
  }
  return result;
}

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** Every SKU whose ATS an operation on these plain SKUs can move: them and their bundles. */
export function affectedSkus(plainSkus: Iterable<string>, bundles: ReadonlyMap<string, readonly BundleComponent[]>): Set<string> {
  const touched = new Set(plainSkus);
  return new Set([...touched, ...bundlesContaining(touched, bundles)]);
}

/** Plain SKUs whose rows must be locked: the touched ones and every component of the bundles. */
export function skusToLock(plainSkus: Iterable<string>, bundles: ReadonlyMap<string, readonly BundleComponent[]>): string[] {
  const set = new Set(plainSkus);
  for (const components of bundles.values()) for (const c of components) set.add(c.sku);
  return [...set].sort();
}
