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
  const { rows } = await tx.query<ListingPolicyRow>({
    name: 'listings_with_policies',
    text: `SELECT l.id, l.sku, l.connection_id AS "connectionId", l.target,
            c.buffer_policy AS policy, o.policy AS override
       FROM listings l
       JOIN connections c ON c.id = l.connection_id
       LEFT JOIN buffer_overrides o ON o.connection_id = l.connection_id AND o.sku = l.sku
      WHERE l.sku = ANY($1::text[])
      ORDER BY l.sku, l.connection_id`,
    values: [skus],
  });
  return rows;
}

/** Writes new targets; only rows whose target really changes are touched. */
export async function updateTargets(
  tx: Queryable,
  changes: readonly { id: number; target: number }[],
): Promise<number> {
  if (changes.length === 0) return 0;
  const { rowCount } = await tx.query({
    name: 'listings_update_targets',
    text: `UPDATE listings l SET target = u.target, target_changed_at = now()
       FROM unnest($1::bigint[], $2::int[]) AS u(id, target)
      WHERE l.id = u.id AND l.target <> u.target`,
    values: [changes.map((c) => c.id), changes.map((c) => c.target)],
  });
  return rowCount ?? 0;
}

/** A listing's identity and policy, without its quantities (engine/catalog-cache.ts keeps these). */
export type ListingPolicy = Omit<ListingPolicyRow, 'target'>;

/**
 * Every listing with its policy, pool order, and the catalogue version they belong to:
 * listings, policies and overrides change only with a catalogue sync, which bumps it.
 */
export async function loadListingPolicies(q: Queryable): Promise<{ version: number; listings: ListingPolicy[] }> {
  const { rows } = await q.query<ListingPolicy & { version: number }>(
    `SELECT v.version, x.* FROM catalog_version v LEFT JOIN (
       SELECT l.id, l.sku, l.connection_id AS "connectionId", c.buffer_policy AS policy, o.policy AS override
         FROM listings l
         JOIN connections c ON c.id = l.connection_id
         LEFT JOIN buffer_overrides o ON o.connection_id = l.connection_id AND o.sku = l.sku) x ON true
      ORDER BY x.sku, x."connectionId"`,
  );
  return {
    version: Number(rows[0]!.version),
    listings: rows.filter((r) => r.id !== null).map(({ id, sku, connectionId, policy, override }) => ({ id, sku, connectionId, policy, override })),
  };
}

/**
 * updateTargets as literal SQL, for sending with the transaction's COMMIT (db.ts withTx
 * commitWith). Only integers are inlined, each checked to be one.
 */
export function targetsUpdateSql(changes: readonly { id: number; target: number }[]): string | undefined {
  if (changes.length === 0) return undefined;
  for (const c of changes) {
    if (!Number.isSafeInteger(c.id) || !Number.isSafeInteger(c.target)) throw new Error(`target update with a non-integer: ${JSON.stringify(c)}`);
  }
  const values = changes.map((c) => `(${c.id}::bigint, ${c.target}::int)`).join(', ');
  return `UPDATE listings l SET target = u.target, target_changed_at = now()
            FROM (VALUES ${values}) AS u(id, target)
           WHERE l.id = u.id AND l.target <> u.target`;
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
  const { rows } = await tx.query<ListingView>({
    name: 'listings_of_sku',
    text: `SELECT l.connection_id AS "connectionId", c.platform, l.target, l.pushed, l.dirty,
            l.quarantined_reason AS "quarantinedReason"
       FROM listings l JOIN connections c ON c.id = l.connection_id
      WHERE l.sku = $1 ORDER BY l.connection_id`,
    values: [sku],
  });
  return rows;
}

/** Listings not quarantined that still wait for a push (of one connection, or of all). */
export async function countDirtyListings(q: Queryable, connectionId: string | null = null): Promise<number> {
  const { rows } = await q.query<{ n: number }>({
    name: 'listings_count_dirty',
    text: `SELECT count(*)::int AS n FROM listings
            WHERE dirty AND quarantined_reason IS NULL AND ($1::text IS NULL OR connection_id = $1)`,
    values: [connectionId],
  });
  return rows[0]!.n;
}

/** The target of every listing not quarantined. */
export async function listingTargets(q: Queryable): Promise<{ connectionId: string; sku: string; target: number }[]> {
  const { rows } = await q.query<{ connectionId: string; sku: string; target: number }>({
    name: 'listings_targets',
    text: `SELECT connection_id AS "connectionId", sku, target FROM listings WHERE quarantined_reason IS NULL`,
    values: [],
  });
  return rows;
}

export interface ListingWithStock {
  sku: string;
  connectionId: string;
  target: number;
  pushed: number | null;
  /** The SKU's totals (sku_stock). */
  available: number;
  claimed: number;
}

/** Every listing of these SKUs with its SKU's stock totals. */
export async function listingsWithStock(q: Queryable, skus: readonly string[]): Promise<ListingWithStock[]> {
  const { rows } = await q.query<ListingWithStock>({
    name: 'listings_with_stock',
    text: `SELECT l.sku, l.connection_id AS "connectionId", l.target, l.pushed, s.available, s.claimed
             FROM listings l JOIN sku_stock s USING (sku) WHERE l.sku = ANY($1::text[])`,
    values: [skus],
  });
  return rows;
}
