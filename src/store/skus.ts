// Aggregate: SKUs and bundle structure (plus the connections an operation names, loaded
// in the same round trip because every order needs both).
import type { Queryable } from './db.js';
import type { BundleComponent } from '../domain/types.js';

export interface ConnectionRef {
  id: string;
  kind: 'channel' | 'warehouse';
  platform: string;
  fulfilledBy: string | null;
}

export interface SkuGraph {
  /** Requested SKUs that exist, with whether each is a bundle. */
  known: Map<string, boolean>;
  /**
   * Components of every bundle that matters: the requested bundles, and every bundle that
   * contains a component touched by the request (its ATS moves with that component).
   */
  bundles: Map<string, BundleComponent[]>;
  /** The requested connections that exist. */
  connections: Map<string, ConnectionRef>;
}

export async function loadSkuGraph(tx: Queryable, skus: readonly string[], connectionIds: readonly string[] = []): Promise<SkuGraph> {
  const { rows } = await tx.query<{
    known: { sku: string; bundle: boolean }[] | null;
    bundles: { bundle: string; sku: string; quantity: number }[] | null;
    connections: ConnectionRef[] | null;
  }>({
    name: 'skus_graph',
    text: `WITH known AS (SELECT sku, is_bundle FROM skus WHERE sku = ANY($1::text[])),
          touched AS (SELECT sku FROM known WHERE NOT is_bundle
                      UNION SELECT bc.component_sku FROM bundle_components bc JOIN known k ON k.sku = bc.bundle_sku),
          bundles AS (SELECT sku FROM known WHERE is_bundle
                      UNION SELECT bundle_sku FROM bundle_components WHERE component_sku IN (SELECT sku FROM touched))
     SELECT (SELECT json_agg(json_build_object('sku', sku, 'bundle', is_bundle)) FROM known) AS known,
            (SELECT json_agg(json_build_object('bundle', bundle_sku, 'sku', component_sku, 'quantity', quantity))
               FROM bundle_components WHERE bundle_sku IN (SELECT sku FROM bundles)) AS bundles,
            (SELECT json_agg(json_build_object('id', id, 'kind', kind, 'platform', platform, 'fulfilledBy', fulfilled_by))
               FROM connections WHERE id = ANY($2::text[])) AS connections`,
    values: [skus, connectionIds],
  });
  const row = rows[0]!;
  return {
    bundles: bundleMap(row.bundles),
    known: new Map((row.known ?? []).map((k) => [k.sku, k.bundle])),
    connections: new Map((row.connections ?? []).map((c) => [c.id, c])),
  };
}

/** The whole catalogue structure, for the in-process cache (engine/catalog-cache.ts). */
export interface CatalogSnapshot {
  version: number;
  bundleFlags: Map<string, boolean>; // every SKU -> is it a bundle
  bundles: Map<string, BundleComponent[]>;
  connections: Map<string, ConnectionRef>;
}

export async function loadCatalogSnapshot(q: Queryable): Promise<CatalogSnapshot> {
  const { rows } = await q.query<{
    version: string;
    skus: { sku: string; bundle: boolean }[] | null;
    bundles: { bundle: string; sku: string; quantity: number }[] | null;
    connections: ConnectionRef[] | null;
  }>(
    `SELECT (SELECT version FROM catalog_version) AS version,
            (SELECT json_agg(json_build_object('sku', sku, 'bundle', is_bundle)) FROM skus) AS skus,
            (SELECT json_agg(json_build_object('bundle', bundle_sku, 'sku', component_sku, 'quantity', quantity)) FROM bundle_components) AS bundles,
            (SELECT json_agg(json_build_object('id', id, 'kind', kind, 'platform', platform, 'fulfilledBy', fulfilled_by)) FROM connections) AS connections`,
  );
  const row = rows[0]!;
  return {
    version: Number(row.version),
    bundleFlags: new Map((row.skus ?? []).map((s) => [s.sku, s.bundle])),
    bundles: bundleMap(row.bundles),
    connections: new Map((row.connections ?? []).map((c) => [c.id, c])),
  };
}

function bundleMap(rows: readonly { bundle: string; sku: string; quantity: number }[] | null): Map<string, BundleComponent[]> {
  const bundles = new Map<string, BundleComponent[]>();
  for (const b of rows ?? []) {
    const list = bundles.get(b.bundle) ?? [];
    list.push({ sku: b.sku, quantity: b.quantity });
    bundles.set(b.bundle, list);
  }
  return bundles;
}
