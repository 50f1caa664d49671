// Applies the configured catalogue to the database in one transaction, then brings the
// targets of every SKU up to date with the (possibly changed) buffer policies.
import type { BufferPolicy, BundleComponent } from '../domain/types.js';
import { withTx, type Db } from '../store/db.js';
import {
  allSkus,
  lockCatalogForSync,
  replaceBufferOverrides,
  retireListingsNotIn,
  upsertConnections,
  upsertListings,
  upsertSkus,
  type ConnectionRow,
} from '../store/catalog.js';
import { bumpCatalogVersion } from '../store/catalog-version.js';
import { recomputeSkuTargets } from './recompute-skus.js';
import { forgetCatalog } from './catalog-cache.js';
import { syncLocationsAndSources, type LocatedConnection } from './catalog-sources.js';

export interface CatalogInput {
  connections: (ConnectionRow &
    LocatedConnection & {
      /** The platform id field that identifies a listing (Shopify inventoryItemId...). */
      listingIdentity?: string;
    })[];
  skus: {
    sku: string;
    name?: string | null;
    components?: BundleComponent[];
    listings?: Record<string, Record<string, unknown>>; // connection id -> platform ids
  }[];
  overrides?: { connectionId: string; sku: string; policy: BufferPolicy }[];
}

/**
 * Canonical identity of a listing on its platform: its ids, keys sorted, when they hold
 * the identifying id; else the SKU (the connector finds such a listing by SKU). Two SKUs
 * with the same identity on one connection are refused by a unique index.
 */
export function externalKey(platformIds: Record<string, unknown>, sku: string, identity?: string): string {
  const identified = identity === undefined ? Object.keys(platformIds).length > 0 : platformIds[identity] !== undefined;
  if (!identified) return `sku:${sku}`;
  return `ids:${JSON.stringify(
    Object.keys(platformIds)
      .sort()
      .map((k) => [k, platformIds[k]]),
  )}`;
}

const RECOMPUTE_CHUNK = 1000;

export interface CatalogSyncResult {
  skus: number;
  listings: number;
  /** Listings deleted because the catalogue no longer holds them. */
  retired: { connectionId: string; sku: string }[];
}

export async function syncCatalog(db: Db, input: CatalogInput): Promise<CatalogSyncResult> {
  const identity = new Map(input.connections.map((c) => [c.id, c.listingIdentity]));
  const outletsOf = new Map(input.connections.flatMap((c) => (c.outlets ? [[c.id, c.outlets.map((o) => o.externalId)] as const] : [])));
  const listings = input.skus.flatMap((s) => Object.entries(s.listings ?? {}).flatMap(([connectionId, ids]) => listingRows(s.sku, connectionId, ids)));
  // A channel with per-location counts has one listing per location, pushed there (its
  // location id among its platform ids); any other has one for the connection as a whole.
  function listingRows(sku: string, connectionId: string, ids: Record<string, unknown>) {
    const outlets = outletsOf.get(connectionId);
    if (!outlets) return [{ connectionId, sku, externalKey: externalKey(ids, sku, identity.get(connectionId)), platformIds: ids }];
    return outlets.map((outlet) => {
      const platformIds = { ...ids, locationId: outlet };
      return { connectionId, sku, outlet, externalKey: `${externalKey(ids, sku, identity.get(connectionId))}@${outlet}`, platformIds };
    });
  }
  const retired = await retryOnDeadlock(() =>
    withTx(db, async (tx) => {
      await lockCatalogForSync(tx);
      await upsertConnections(tx, input.connections);
      await syncLocationsAndSources(tx, input.connections);
      await upsertSkus(
        tx,
        input.skus.map((s) => ({ sku: s.sku, name: s.name ?? null, components: s.components ?? [] })),
      );
      const gone = await retireListingsNotIn(
        tx,
        listings,
        input.connections.map((c) => c.id),
      );
      await upsertListings(tx, listings);
      await replaceBufferOverrides(tx, input.overrides ?? []);
      await bumpCatalogVersion(tx);
      return gone;
    }),
  );
  forgetCatalog(db);
  // Policies may have changed for every listing.
  await recomputeSkuTargets(db, await allSkus(db), RECOMPUTE_CHUNK);
  return { skus: input.skus.length, listings: listings.length, retired };
}

/**
 * The sync upserts every listing while running engines' dispatchers update some of them:
 * PostgreSQL may pick the sync as a deadlock's victim (seen in the several-engines
 * simulation, failing a start). A deadlock rolls back whole: try again.
 */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if ((e as { code?: string }).code !== '40P01' || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, 50 * i + Math.random() * 50));
    }
  }
}
