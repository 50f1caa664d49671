// The catalogue's structure (which SKUs exist, bundle compositions, connections, listings
// and their buffer policies) changes only when a configuration is applied, yet every
// order batch needs it. Each process keeps it in memory; an order batch sends, with its
// COMMIT, a check of the catalogue version its copy was loaded at (store/catalog-version.ts),
// and a batch computed against an outdated copy is rolled back and redone: a stale copy
// can delay a batch, never write a wrong target.
import { mergePolicy } from '../domain/index.js';
import type { ChannelPolicy } from '../domain/types.js';
import { StocksyncError } from '../errors.js';
import type { Db } from '../store/db.js';
import { loadListingPolicies, type ListingPolicy } from '../store/listings.js';
import { loadCatalogSnapshot, type CatalogSnapshot, type SkuGraph } from '../store/skus.js';

/** One SKU's listings, in pool order, with their merged policies. */
export interface SkuListings {
  ids: number[];
  channels: ChannelPolicy[];
}

export interface CachedCatalog extends CatalogSnapshot {
  listings: ReadonlyMap<string, SkuListings>;
}

const cached = new WeakMap<Db, Promise<CachedCatalog>>();
const containingIndex = new WeakMap<CatalogSnapshot, Map<string, string[]>>();
const LOAD_ATTEMPTS = 3;

export function catalogSnapshot(db: Db): Promise<CachedCatalog> {
  let snapshot = cached.get(db);
  if (!snapshot) {
    snapshot = loadCachedCatalog(db);
    snapshot.catch(() => cached.delete(db));
    cached.set(db, snapshot);
  }
  return snapshot;
}

export function forgetCatalog(db: Db): void {
  cached.delete(db);
}

/** The two halves are read by two statements: kept only when both saw the same version. */
async function loadCachedCatalog(db: Db): Promise<CachedCatalog> {
  for (let attempt = 1; ; attempt++) {
    const [snapshot, policies] = await Promise.all([loadCatalogSnapshot(db), loadListingPolicies(db)]);
    if (snapshot.version === policies.version) return { ...snapshot, listings: listingsBySku(policies.listings) };
    if (attempt === LOAD_ATTEMPTS) throw staleCatalog();
  }
}

function listingsBySku(rows: readonly ListingPolicy[]): Map<string, SkuListings> {
  const bySku = new Map<string, SkuListings>();
  for (const r of rows) {
    let entry = bySku.get(r.sku);
    if (!entry) bySku.set(r.sku, (entry = { ids: [], channels: [] }));
    entry.ids.push(r.id);
    entry.channels.push({ connectionId: r.connectionId, policy: mergePolicy(r.policy, r.override ?? undefined) });
  }
  return bySku;
}

/** What loadSkuGraph answers from the database, answered from the snapshot. */
export function graphFromSnapshot(s: CatalogSnapshot, skus: readonly string[], connectionIds: readonly string[]): SkuGraph {
  const known = new Map<string, boolean>();
  for (const sku of skus) {
    const isBundle = s.bundleFlags.get(sku);
    if (isBundle !== undefined) known.set(sku, isBundle);
  }
  const touched = new Set<string>();
  const bundleSkus = new Set<string>();
  for (const [sku, isBundle] of known) {
    if (!isBundle) touched.add(sku);
    else {
      bundleSkus.add(sku);
      for (const c of s.bundles.get(sku) ?? []) touched.add(c.sku);
    }
  }
  const index = containing(s);
  for (const sku of touched) for (const b of index.get(sku) ?? []) bundleSkus.add(b);
  const connections = new Map();
  for (const id of connectionIds) {
    const c = s.connections.get(id);
    if (c) connections.set(id, c);
  }
  return { known, bundles: new Map([...bundleSkus].map((b) => [b, s.bundles.get(b) ?? []])), connections };
}

function containing(s: CatalogSnapshot): Map<string, string[]> {
  let index = containingIndex.get(s);
  if (!index) {
    index = new Map();
    for (const [bundle, components] of s.bundles) {
      for (const c of components) index.set(c.sku, [...(index.get(c.sku) ?? []), bundle]);
    }
    containingIndex.set(s, index);
  }
  return index;
}

/** An order batch found its catalogue copy outdated (and rolled back). */
export function staleCatalog(): StocksyncError {
  return new StocksyncError('CATALOG_STALE', 'catalogue changed during the batch');
}

/** SQLSTATE raised by stocksync_expect_catalog_version (migration 004). */
const STALE_CATALOG_SQLSTATE = 'SS409';

export function isStaleCatalogError(e: unknown): boolean {
  return (e instanceof StocksyncError && e.code === 'CATALOG_STALE') || (e as { code?: unknown } | null)?.code === STALE_CATALOG_SQLSTATE;
}
