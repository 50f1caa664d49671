// Aggregate: stock per SKU (running totals) and per warehouse location. Atomic updates only.
import type { Queryable } from './db.js';

export interface SkuStockRow {
  sku: string;
  available: number;
  claimed: number;
}

/**
 * Locks the stock rows of these SKUs in a fixed order (by SKU) so that concurrent
 * transactions touching overlapping SKU sets queue instead of deadlocking, and returns
 * their current totals. Every ATS-changing operation calls this first.
 */
export async function lockSkuStock(tx: Queryable, skus: readonly string[]): Promise<Map<string, SkuStockRow>> {
  const { rows } = await tx.query<SkuStockRow>({
    name: 'stock_lock',
    text: `SELECT sku, available, claimed FROM sku_stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`,
    values: [skus],
  });
  return new Map(rows.map((r) => [r.sku, r]));
}

/** Adds to the claimed/available totals of several SKUs at once; returns the new totals. */
export async function addToSkuStock(tx: Queryable, changes: readonly { sku: string; available: number; claimed: number }[]): Promise<SkuStockRow[]> {
  if (changes.length === 0) return [];
  const { rows } = await tx.query<SkuStockRow>({
    name: 'stock_add',
    text: `UPDATE sku_stock s
        SET available = s.available + c.available, claimed = s.claimed + c.claimed, updated_at = now()
       FROM (SELECT sku, sum(available)::int AS available, sum(claimed)::int AS claimed
               FROM unnest($1::text[], $2::int[], $3::int[]) AS u(sku, available, claimed)
              GROUP BY sku) c
      WHERE s.sku = c.sku
  RETURNING s.sku, s.available, s.claimed`,
    values: [changes.map((c) => c.sku), changes.map((c) => c.available), changes.map((c) => c.claimed)],
  });
  return rows;
}

export interface LevelChange {
  previousAvailable: number;
  available: number;
  /** The location counts towards ATS: sellable and not external (a platform's own stock, FBA). */
  sellable: boolean;
}

/**
 * Sets a location's absolute level if the observation is newer than the one stored.
 * Returns null when it is older (stale): a late webhook must not roll the level back.
 * At the same timestamp, a `read` (the state after every change up to then) wins; an
 * event (one change of possibly several in that millisecond, in any order) only lowers
 * a level stored from another event: the lower may count an order the higher does not.
 * A same-millisecond receipt it hides comes back with the next read.
 * With `overrideFutureMs`, a stored level stamped more than that far ahead of now is
 * replaced whatever the new stamp (a reconciliation read repairing a pinned level).
 */
export async function setStockLevel(
  tx: Queryable,
  p: {
    locationId: number;
    sku: string;
    available: number;
    onHand: number | null;
    allocated: number | null;
    observedAt: Date;
    read: boolean;
    overrideFutureMs?: number | null;
  },
): Promise<LevelChange | null> {
  await tx.query({
    name: 'stock_level_ensure',
    text: `INSERT INTO stock_levels (location_id, sku) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    values: [p.locationId, p.sku],
  });
  const { rows } = await tx.query<LevelChange>({
    name: 'stock_level_set',
    text: `UPDATE stock_levels s
        SET available = $3,
            on_hand = COALESCE($4, s.on_hand + ($3 - prev.available)),
            allocated = COALESCE($5, s.allocated),
            observed_at = $6, observed_read = $7, updated_at = now()
       FROM (SELECT location_id, sku, available FROM stock_levels
              WHERE location_id = $1 AND sku = $2 FOR UPDATE) prev,
            locations l
      WHERE s.location_id = prev.location_id AND s.sku = prev.sku AND l.id = s.location_id
        AND (s.observed_at < $6
             -- a tie (migration 007): a read is final; of two events, the lower
             OR (s.observed_at = $6 AND ($7 OR (NOT s.observed_read AND $3 < s.available)))
             OR s.observed_at > now() + $8::float8 * interval '1 millisecond')
  RETURNING prev.available AS "previousAvailable", s.available, l.sellable AND NOT l.external AS sellable`,
    values: [p.locationId, p.sku, p.available, p.onHand, p.allocated, p.observedAt, p.read, p.overrideFutureMs ?? null],
  });
  return rows[0] ?? null;
}

/** Applies a relative change reported by a warehouse (receipt, adjustment, return). */
export async function addToStockLevel(tx: Queryable, p: { locationId: number; sku: string; delta: number; observedAt: Date }): Promise<LevelChange> {
  const { rows } = await tx.query<LevelChange>({
    name: 'stock_level_add',
    text: `INSERT INTO stock_levels AS s (location_id, sku, on_hand, available, observed_at)
          VALUES ($1, $2, $3, $3, $4)
     ON CONFLICT (location_id, sku) DO UPDATE
        SET on_hand = s.on_hand + $3, available = s.available + $3,
            observed_at = GREATEST(s.observed_at, $4), updated_at = now(),
            observed_read = s.observed_read AND s.observed_at >= $4
  RETURNING s.available - $3 AS "previousAvailable", s.available,
            (SELECT sellable AND NOT external FROM locations WHERE id = $1) AS sellable`,
    values: [p.locationId, p.sku, p.delta, p.observedAt],
  });
  return rows[0]!;
}

export async function findLocation(tx: Queryable, connectionId: string, code: string): Promise<{ id: number; sellable: boolean } | null> {
  const { rows } = await tx.query<{ id: number; sellable: boolean }>({
    name: 'stock_find_location',
    text: `SELECT id, sellable FROM locations WHERE connection_id = $1 AND code = $2`,
    values: [connectionId, code],
  });
  return rows[0] ?? null;
}

/** When this warehouse last reported each SKU (any location). */
export async function latestObservations(tx: Queryable, warehouseConnectionId: string, skus: readonly string[]): Promise<Map<string, Date>> {
  const { rows } = await tx.query<{ sku: string; observedAt: Date }>({
    name: 'stock_latest_observations',
    text: `SELECT s.sku, max(s.observed_at) AS "observedAt"
             FROM stock_levels s JOIN locations l ON l.id = s.location_id
            WHERE l.connection_id = $1 AND s.sku = ANY($2::text[]) GROUP BY s.sku`,
    values: [warehouseConnectionId, skus],
  });
  return new Map(rows.map((r) => [r.sku, r.observedAt]));
}

/** Every warehouse location (to default a manual adjustment's warehouse and location). */
export async function warehouseLocations(q: Queryable): Promise<{ connectionId: string; code: string }[]> {
  const { rows } = await q.query<{ connectionId: string; code: string }>({
    name: 'stock_warehouse_locations',
    text: `SELECT lo.connection_id AS "connectionId", lo.code FROM locations lo JOIN connections c ON c.id = lo.connection_id
            WHERE c.kind = 'warehouse' ORDER BY lo.connection_id, lo.code`,
    values: [],
  });
  return rows;
}
