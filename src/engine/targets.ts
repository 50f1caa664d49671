// Recomputes listing targets for the SKUs an operation touched, never the whole catalogue.
import { ats, bundleAts, bundlesContaining, mergePolicy, targetsForSku } from '../domain/index.js';
import type { BundleComponent } from '../domain/types.js';
import type { Tx } from '../store/db.js';
import { listingsWithPolicies, updateTargets, type ListingPolicyRow } from '../store/listings.js';
import type { SkuStockRow } from '../store/stock.js';
import type { SkuListings } from './catalog-cache.js';

/**
 * `stock` holds the current (locked) totals of every plain SKU involved, including every
 * component of every bundle in `bundles`. Returns how many listings changed target,
 * i.e. became dirty or clean.
 */
export async function recomputeTargets(
  tx: Tx,
  skus: ReadonlySet<string>,
  stock: ReadonlyMap<string, SkuStockRow>,
  bundles: ReadonlyMap<string, readonly BundleComponent[]>,
): Promise<number> {
  if (skus.size === 0) return 0;
  const listings = await listingsWithPolicies(tx, [...skus]);
  return updateTargets(tx, targetChanges(listings, atsOfSkus(skus, stock, bundles)));
}

/** The listings whose target differs from what their policy gives for the SKU's ATS. */
export function targetChanges(
  listings: readonly ListingPolicyRow[],
  atsBySku: ReadonlyMap<string, number>,
): { id: number; target: number }[] {
  const changes: { id: number; target: number }[] = [];
  for (const [sku, group] of groupBy(listings, (l) => l.sku)) {
    const channels = group.map((l) => ({
      connectionId: l.connectionId,
      policy: mergePolicy(l.policy, l.override ?? undefined),
    }));
    const targets = targetsForSku(atsBySku.get(sku) ?? 0, channels);
    for (const l of group) {
      const target = targets.get(l.connectionId) ?? 0;
      if (target !== l.target) changes.push({ id: l.id, target });
    }
  }
  return changes;
}

/**
 * The target of every listing of these SKUs, from the cached policies: the current
 * targets are not read, so unchanged ones are left to the update's own filter.
 */
export function targetsFromCache(
  listings: ReadonlyMap<string, SkuListings>,
  atsBySku: ReadonlyMap<string, number>,
): { id: number; target: number }[] {
  const result: { id: number; target: number }[] = [];
  for (const [sku, ats] of atsBySku) {
    const entry = listings.get(sku);
    if (!entry) continue;
    const targets = targetsForSku(ats, entry.channels);
    entry.ids.forEach((id, k) => result.push({ id, target: targets.get(entry.channels[k]!.connectionId) ?? 0 }));
  }
  return result;
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
export function affectedSkus(
  plainSkus: Iterable<string>,
  bundles: ReadonlyMap<string, readonly BundleComponent[]>,
): Set<string> {
  const touched = new Set(plainSkus);
  return new Set([...touched, ...bundlesContaining(touched, bundles)]);
}

/** Plain SKUs whose rows must be locked: the touched ones and every component of the bundles. */
export function skusToLock(
  plainSkus: Iterable<string>,
  bundles: ReadonlyMap<string, readonly BundleComponent[]>,
): string[] {
  const set = new Set(plainSkus);
  for (const components of bundles.values()) for (const c of components) set.add(c.sku);
  return [...set].sort();
}
