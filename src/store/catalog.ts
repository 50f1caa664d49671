// Aggregate: the configured catalogue (connections, locations, SKUs, bundles, listings,
// buffer overrides), upserted from the configuration file.
import type { Queryable } from './db.js';
import type { BufferPolicy, BundleComponent } from '../domain/types.js';
import type { ConnectionRef } from './skus.js';

export interface ConnectionRow {
  id: string;
  kind: 'channel' | 'warehouse';
  platform: string;
  baseUrl: string;
  credentialsEncrypted: string | null;
  bufferPolicy: BufferPolicy;
  fulfilledBy: string | null;
  pollIntervalMs: number;
  reconcileCron: string;
  options: Record<string, unknown>;
}

/**
 * Serialises catalogue syncs (each engine applies the config at start): two at once
 * deadlocked on the listings they both upsert. Held until the transaction ends.
 */
export async function lockCatalogForSync(tx: Queryable): Promise<void> {
  await tx.query({ name: 'catalog_sync_lock', text: `SELECT pg_advisory_xact_lock(hashtext('stocksync:catalog-sync'))` });
}

export async function upsertConnections(tx: Queryable, rows: readonly ConnectionRow[]): Promise<void> {
  // Two passes: fulfilled_by references a connection that may come later in the list.
  for (const c of rows) {
    await tx.query(
      `INSERT INTO connections (id, kind, platform, base_url, credentials_encrypted, buffer_policy,
                                poll_interval_ms, reconcile_cron, options)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET kind = $2, platform = $3, base_url = $4, credentials_encrypted = $5,
              buffer_policy = $6, poll_interval_ms = $7, reconcile_cron = $8, options = $9, updated_at = now()`,
      [
        c.id,
        c.kind,
        c.platform,
        c.baseUrl,
        c.credentialsEncrypted,
        JSON.stringify(c.bufferPolicy),
        c.pollIntervalMs,
        c.reconcileCron,
        JSON.stringify(c.options),
      ],
    );
  }
  for (const c of rows) {
    await tx.query(`UPDATE connections SET fulfilled_by = $2 WHERE id = $1`, [c.id, c.fulfilledBy]);
  }
}

export async function upsertSkus(tx: Queryable, rows: readonly { sku: string; name: string | null; components: readonly BundleComponent[] }[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO skus (sku, name, is_bundle)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bool[])
     ON CONFLICT (sku) DO UPDATE SET name = COALESCE(EXCLUDED.name, skus.name), is_bundle = EXCLUDED.is_bundle`,
    [rows.map((r) => r.sku), rows.map((r) => r.name), rows.map((r) => r.components.length > 0)],
  );
  await tx.query(`INSERT INTO sku_stock (sku) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [rows.map((r) => r.sku)]);
  const bundles = rows.filter((r) => r.components.length > 0);
  await tx.query(`DELETE FROM bundle_components WHERE bundle_sku = ANY($1::text[])`, [rows.map((r) => r.sku)]);
  const parts = bundles.flatMap((b) => b.components.map((c) => ({ bundle: b.sku, ...c })));
  if (parts.length > 0) {
    await tx.query(
      `INSERT INTO bundle_components (bundle_sku, component_sku, quantity)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[])`,
      [parts.map((p) => p.bundle), parts.map((p) => p.sku), parts.map((p) => p.quantity)],
    );
  }
}

export interface ListingInput {
  connectionId: string;
  sku: string;
  externalKey: string;
  platformIds: Record<string, unknown>;
  /** The platform location this listing's count is at ('' or absent: the connection as a whole; migration 024). */
  outlet?: string;
}

export async function upsertListings(tx: Queryable, rows: readonly ListingInput[]): Promise<void> {
  if (rows.length === 0) return;
  const values = [
    rows.map((r) => r.connectionId),
    rows.map((r) => r.sku),
    rows.map((r) => r.externalKey),
    rows.map((r) => JSON.stringify(r.platformIds)),
    rows.map((r) => r.outlet ?? ''),
  ];
  // The config wins over discovery (migration 017): a listing discovery made with the same
  // ids under another SKU gives way.
  await tx.query(
    `DELETE FROM listings l USING unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[]) AS u(c, s, k, p, o)
      WHERE l.source = 'discovery' AND l.connection_id = u.c AND l.external_key = u.k AND l.sku <> u.s`,
    values,
  );
  await tx.query(
    `INSERT INTO listings (connection_id, sku, external_key, platform_ids, outlet)
     SELECT c, s, k, p, o FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[]) AS u(c, s, k, p, o)
     ON CONFLICT (connection_id, sku, outlet) DO UPDATE
        -- A listing the config finds by SKU ({}) keeps the ids the dispatcher resolved for
        -- it: every start applies the config, and wiping them under another running engine
        -- made its pushes fail (found by the several-engines simulation).
        SET external_key = EXCLUDED.external_key, source = 'config',
            -- (a listing of one location carries only its locationId: the same holds, migration 024).
            platform_ids = CASE WHEN listings.platform_ids @> EXCLUDED.platform_ids AND listings.external_key = EXCLUDED.external_key
                                THEN listings.platform_ids ELSE EXCLUDED.platform_ids END`,
    values,
  );
}

/**
 * Deletes the listings the catalogue no longer holds (removed from the config, or their
 * connection removed) and returns them: a listing kept would go on being pushed. Listings
 * catalogue discovery made (source 'discovery') are its to retire, but for those of a
 * connection no longer configured.
 */
export async function retireListingsNotIn(
  tx: Queryable,
  keep: readonly { connectionId: string; sku: string; outlet?: string }[],
  connectionIds: readonly string[],
): Promise<{ connectionId: string; sku: string }[]> {
  // A listing of one location is kept only while that location is configured (migration 024).
  const { rows } = await tx.query<{ connectionId: string; sku: string }>({
    name: 'catalog_retire_listings',
    text: `DELETE FROM listings l
            WHERE (l.source = 'config' OR NOT (l.connection_id = ANY($3::text[])))
              AND NOT EXISTS (SELECT 1 FROM unnest($1::text[], $2::text[], $4::text[]) AS k(c, s, o)
                               WHERE k.c = l.connection_id AND k.s = l.sku AND k.o = l.outlet)
        RETURNING l.connection_id AS "connectionId", l.sku`,
    values: [keep.map((k) => k.connectionId), keep.map((k) => k.sku), connectionIds, keep.map((k) => k.outlet ?? '')],
  });
  return rows;
}

export async function replaceBufferOverrides(tx: Queryable, rows: readonly { connectionId: string; sku: string; policy: BufferPolicy }[]): Promise<void> {
  await tx.query(`DELETE FROM buffer_overrides`);
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO buffer_overrides (connection_id, sku, policy)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])`,
    [rows.map((r) => r.connectionId), rows.map((r) => r.sku), rows.map((r) => JSON.stringify(r.policy))],
  );
}

export async function allSkus(tx: Queryable): Promise<string[]> {
  const { rows } = await tx.query<{ sku: string }>(`SELECT sku FROM skus ORDER BY sku`);
  return rows.map((r) => r.sku);
}

export async function findConnection(q: Queryable, id: string): Promise<ConnectionRef | null> {
  const { rows } = await q.query<ConnectionRef>({
    name: 'catalog_find_connection',
    text: `SELECT id, kind, platform, fulfilled_by AS "fulfilledBy" FROM connections WHERE id = $1`,
    values: [id],
  });
  return rows[0] ?? null;
}

/** Ids of every configured connection, in id order. */
export async function connectionIds(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>({ name: 'catalog_connection_ids', text: `SELECT id FROM connections ORDER BY id`, values: [] });
  return rows.map((r) => r.id);
}
