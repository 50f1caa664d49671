// Aggregate: listings (a SKU on one channel) with their target and pushed quantities.
import type { Queryable } from './db.js';
import type { BufferPolicy } from '../domain/types.js';

export interface ListingPolicyRow {
  id: number;
  sku: string;
  connectionId: string;
  target: number;
  policy: BufferPolicy;
  override: BufferPolicy | null;
}

/** Listings of these SKUs with their channel's policy and the SKU's override, pool order. */
export async function listingsWithPolicies(tx: Queryable, skus: readonly string[]): Promise<ListingPolicyRow[]> {
  const { rows } = await tx.query<ListingPolicyRow>(
    `SELECT l.id, l.sku, l.connection_id AS "connectionId", l.target,
            c.buffer_policy AS policy, o.policy AS override
       FROM listings l
       JOIN connections c ON c.id = l.connection_id
       LEFT JOIN buffer_overrides o ON o.connection_id = l.connection_id AND o.sku = l.sku
      WHERE l.sku = ANY($1::text[])
      ORDER BY l.sku, l.connection_id`,
    [skus],
  );
  return rows;
}

/** Writes new targets; only rows whose target really changes are touched. */
export async function updateTargets(
  tx: Queryable,
  changes: readonly { id: number; target: number }[],
): Promise<number> {
  if (changes.length === 0) return 0;
  const { rowCount } = await tx.query(
    `UPDATE listings l SET target = u.target, target_changed_at = now()
       FROM unnest($1::bigint[], $2::int[]) AS u(id, target)
      WHERE l.id = u.id AND l.target <> u.target`,
    [changes.map((c) => c.id), changes.map((c) => c.target)],
  );
  return rowCount ?? 0;
}

/**
 * The channel sold these units on its own count before telling us, so what it shows
 * is now lower than what we last pushed.
 */
export async function recordChannelSale(
  tx: Queryable,
  connectionId: string,
  sales: readonly { sku: string; quantity: number }[],
): Promise<void> {
  if (sales.length === 0) return;
  await tx.query(
    `UPDATE listings l SET pushed = GREATEST(l.pushed - u.quantity, 0)
       FROM (SELECT sku, sum(quantity)::int AS quantity
               FROM unnest($2::text[], $3::int[]) AS x(sku, quantity) GROUP BY sku) u
      WHERE l.connection_id = $1 AND l.sku = u.sku AND l.pushed IS NOT NULL`,
    [connectionId, sales.map((s) => s.sku), sales.map((s) => s.quantity)],
  );
}

export interface ListingView {
  connectionId: string;
  platform: string;
  target: number;
  pushed: number | null;
  dirty: boolean;
  quarantinedReason: string | null;
}

export async function listingsOfSku(tx: Queryable, sku: string): Promise<ListingView[]> {
  const { rows } = await tx.query<ListingView>(
    `SELECT l.connection_id AS "connectionId", c.platform, l.target, l.pushed, l.dirty,
            l.quarantined_reason AS "quarantinedReason"
       FROM listings l JOIN connections c ON c.id = l.connection_id
      WHERE l.sku = $1 ORDER BY l.connection_id`,
    [sku],
  );
  return rows;
}
