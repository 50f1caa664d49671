// Aggregate: SKUs and bundle structure.
import type { Queryable } from './db.js';
import type { BundleComponent } from '../domain/types.js';

export interface SkuGraph {
  /** Requested SKUs that exist, with whether each is a bundle. */
  known: Map<string, boolean>;
  /**
   * Components of every bundle that matters: the requested bundles, and every bundle that
   * contains a component touched by the request (its ATS moves with that component).
   */
  bundles: Map<string, BundleComponent[]>;
}

export async function loadSkuGraph(tx: Queryable, skus: readonly string[]): Promise<SkuGraph> {
  const { rows } = await tx.query<{ t: 's' | 'b'; a: string; b: string | null; q: number | null }>({
    name: 'skus_graph',
    text: `WITH known AS (SELECT sku, is_bundle FROM skus WHERE sku = ANY($1::text[])),
          touched AS (SELECT sku FROM known WHERE NOT is_bundle
                      UNION SELECT bc.component_sku FROM bundle_components bc JOIN known k ON k.sku = bc.bundle_sku),
          bundles AS (SELECT sku FROM known WHERE is_bundle
                      UNION SELECT bundle_sku FROM bundle_components WHERE component_sku IN (SELECT sku FROM touched))
     SELECT 's' AS t, sku AS a, is_bundle::text AS b, NULL::int AS q FROM known
     UNION ALL
     SELECT 'b', bundle_sku, component_sku, quantity FROM bundle_components
      WHERE bundle_sku IN (SELECT sku FROM bundles)`,
    values: [skus],
  });
  const graph: SkuGraph = { known: new Map(), bundles: new Map() };
  for (const r of rows) {
    if (r.t === 's') graph.known.set(r.a, r.b === 'true');
    else {
      const list = graph.bundles.get(r.a) ?? [];
      list.push({ sku: r.b!, quantity: r.q! });
      graph.bundles.set(r.a, list);
    }
  }
  return graph;
}
