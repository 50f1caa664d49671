// The catalogue's structure (which SKUs exist, bundle compositions, connections) changes
// only when a configuration is applied, yet every order batch needs it. Each process keeps
// it in memory; the order statement checks the catalogue version in the same round trip
// and a batch computed against an outdated copy is rolled back and redone.
import type { Db } from '../store/db.js';
import { loadCatalogSnapshot, type CatalogSnapshot, type SkuGraph } from '../store/skus.js';

const cached = new WeakMap<Db, Promise<CatalogSnapshot>>();
const containingIndex = new WeakMap<CatalogSnapshot, Map<string, string[]>>();

export function catalogSnapshot(db: Db): Promise<CatalogSnapshot> {
  let snapshot = cached.get(db);
  if (!snapshot) {
    snapshot = loadCatalogSnapshot(db);
    snapshot.catch(() => cached.delete(db));
    cached.set(db, snapshot);
  }
  return snapshot;
}

export function forgetCatalog(db: Db): void {
  cached.delete(db);
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

/** Thrown inside an order transaction whose catalogue copy turned out outdated. */
export class StaleCatalog extends Error {
  constructor() {
    super('catalogue changed during the batch');
  }
}
