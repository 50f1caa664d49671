// Aggregate: warehouse locations, stock by SKU and location, and the locations each
// channel sells from (migration 022, docs/locations.md). Claimed per location is read from
// the open claims, not kept as another running total: the ledger stays the only
// explanation of every total.
import type { Queryable } from './db.js';

export interface LocationRow {
  id: number;
  warehouse: string;
  code: string;
  sellable: boolean;
  external: boolean;
  position: number;
}

/** Every location, each warehouse's in configuration order (warehouses by id). */
export async function locationsInOrder(q: Queryable): Promise<LocationRow[]> {
  const { rows } = await q.query<LocationRow>({
    name: 'locations_in_order',
    text: `SELECT id, connection_id AS warehouse, code, sellable, external, position
             FROM locations ORDER BY connection_id, position, id`,
    values: [],
  });
  return rows;
}

/** Inserts or updates a warehouse's locations with their order and flags (the catalogue sync). */
export async function upsertLocationLayout(
  tx: Queryable,
  rows: readonly { warehouse: string; code: string; sellable: boolean; external: boolean; position: number }[],
): Promise<void> {
  if (rows.length === 0) return;
  await tx.query({
    name: 'locations_upsert_layout',
    text: `INSERT INTO locations (connection_id, code, sellable, external, position)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bool[], $4::bool[], $5::int[])
           ON CONFLICT (connection_id, code) DO UPDATE
              SET sellable = EXCLUDED.sellable, external = EXCLUDED.external, position = EXCLUDED.position`,
    values: [rows.map((r) => r.warehouse), rows.map((r) => r.code), rows.map((r) => r.sellable), rows.map((r) => r.external), rows.map((r) => r.position)],
  });
}

/** One SKU at one location: what the warehouse reports and what open claims hold there. */
export interface LocationLevelRow {
  locationId: number;
  warehouse: string;
  code: string;
  sellable: boolean;
  external: boolean;
  onHand: number;
  allocated: number;
  available: number;
  /** Units of open claims routed to this location. */
  claimed: number;
  /** available - claimed. */
  ats: number;
  /** The warehouse's timestamp of the level; null when only claims are there. */
  observedAt: Date | null;
}

export interface SkuStockByLocation {
  levels: LocationLevelRow[];
  /** Units of open claims with no location (recorded before locations): they count against every location. */
  unlocated: number;
}

/**
 * Stock of these SKUs per location: every location with a level or an open claim, each
 * warehouse's in order, and the unlocated claims. A SKU with neither is absent.
 */
export async function stockByLocation(q: Queryable, skus: readonly string[]): Promise<Map<string, SkuStockByLocation>> {
  const { rows } = await q.query<Omit<LocationLevelRow, 'locationId'> & { sku: string; locationId: number | null }>({
    name: 'locations_stock_by_location',
    text: `WITH claimed AS (
             SELECT sku, location_id, sum(quantity)::int AS claimed FROM claims
              WHERE state = 'open' AND sku = ANY($1::text[]) GROUP BY sku, location_id),
           levels AS (
             SELECT sku, location_id, on_hand, allocated, available, observed_at FROM stock_levels WHERE sku = ANY($1::text[]))
           SELECT COALESCE(l.sku, c.sku) AS sku, COALESCE(l.location_id, c.location_id) AS "locationId",
                  lo.connection_id AS warehouse, lo.code, lo.sellable, lo.external,
                  COALESCE(l.on_hand, 0) AS "onHand", COALESCE(l.allocated, 0) AS allocated, COALESCE(l.available, 0) AS available,
                  COALESCE(c.claimed, 0) AS claimed, COALESCE(l.available, 0) - COALESCE(c.claimed, 0) AS ats,
                  l.observed_at AS "observedAt"
             FROM levels l FULL JOIN claimed c ON c.sku = l.sku AND c.location_id = l.location_id
             LEFT JOIN locations lo ON lo.id = COALESCE(l.location_id, c.location_id)
            ORDER BY 1, lo.connection_id, lo.position, lo.id`,
    values: [skus],
  });
  const result = new Map<string, SkuStockByLocation>();
  for (const { sku, locationId, ...level } of rows) {
    let entry = result.get(sku);
    if (!entry) result.set(sku, (entry = { levels: [], unlocated: 0 }));
    if (locationId === null) entry.unlocated += level.claimed;
    else entry.levels.push({ locationId, ...level, observedAt: level.observedAt === null ? null : new Date(level.observedAt) });
  }
  return result;
}

/** One selling point of a channel: the connection as a whole (`externalId` '') or one of its locations. */
export interface ChannelLocation {
  externalId: string;
  /** Location ids in source order; empty: the default sources. */
  sources: number[];
}

/**
 * Replaces a channel's selling points and their sources (the catalogue sync, in its
 * transaction). An empty list brings back the default: one count from the default sources.
 * Sources are location ids, in order.
 */
export async function replaceChannelSources(tx: Queryable, connectionId: string, outlets: readonly ChannelLocation[]): Promise<void> {
  const ids = outlets.map((o) => o.externalId);
  // Two replaces of one channel queue here (until the transaction ends) instead of one
  // inserting beside rows the other inserted. NO KEY: orders may still reference the channel.
  await tx.query({
    name: 'channel_sources_lock_channel',
    text: `SELECT 1 FROM connections WHERE id = $1 FOR NO KEY UPDATE`,
    values: [connectionId],
  });
  await tx.query({
    name: 'channel_locations_drop_others',
    text: `DELETE FROM channel_locations WHERE connection_id = $1 AND external_id <> ALL($2::text[])`,
    values: [connectionId, ids],
  });
  if (outlets.length === 0) return;
  await tx.query({
    name: 'channel_locations_upsert',
    text: `INSERT INTO channel_locations (connection_id, external_id, position)
           SELECT $1, e, (n - 1)::int FROM unnest($2::text[]) WITH ORDINALITY AS u(e, n)
           ON CONFLICT (connection_id, external_id) DO UPDATE SET position = EXCLUDED.position`,
    values: [connectionId, ids],
  });
  const sources = outlets.flatMap((o) => o.sources.map((locationId, position) => ({ externalId: o.externalId, locationId, position })));
  // Two statements: in one, the insert would not see the delete's effect on the keys.
  await tx.query({
    name: 'channel_sources_clear',
    text: `DELETE FROM channel_sources WHERE channel_location_id IN (SELECT id FROM channel_locations WHERE connection_id = $1)`,
    values: [connectionId],
  });
  await tx.query({
    name: 'channel_sources_insert',
    text: `INSERT INTO channel_sources (channel_location_id, position, location_id)
           SELECT cl.id, s.position, s.location_id
             FROM unnest($2::text[], $3::int[], $4::bigint[]) AS s(external_id, position, location_id)
             JOIN channel_locations cl ON cl.connection_id = $1 AND cl.external_id = s.external_id`,
    values: [connectionId, sources.map((s) => s.externalId), sources.map((s) => s.position), sources.map((s) => s.locationId)],
  });
}

/** Forgets the sources of channels no longer configured (their sources cascade). */
export async function dropChannelSourcesNotIn(tx: Queryable, channelIds: readonly string[]): Promise<void> {
  await tx.query({
    name: 'channel_locations_drop_unconfigured',
    text: `DELETE FROM channel_locations WHERE connection_id <> ALL($1::text[])`,
    values: [channelIds],
  });
}

/** Every channel's selling points with their sources in order (channels without rows sell as one, from the default). */
export async function channelSources(q: Queryable): Promise<Map<string, ChannelLocation[]>> {
  const { rows } = await q.query<{ connectionId: string; externalId: string; sources: number[] }>({
    name: 'channel_sources_all',
    text: `SELECT cl.connection_id AS "connectionId", cl.external_id AS "externalId",
                  COALESCE(array_agg(cs.location_id ORDER BY cs.position) FILTER (WHERE cs.location_id IS NOT NULL), '{}') AS sources
             FROM channel_locations cl LEFT JOIN channel_sources cs ON cs.channel_location_id = cl.id
            GROUP BY cl.id ORDER BY cl.connection_id, cl.position, cl.id`,
    values: [],
  });
  const result = new Map<string, ChannelLocation[]>();
  for (const r of rows) {
    const list = result.get(r.connectionId) ?? [];
    list.push({ externalId: r.externalId, sources: r.sources.map(Number) });
    result.set(r.connectionId, list);
  }
  return result;
}

/** Order lines claimed at more than one location (a split), with each part. */
export async function splitClaims(
  q: Queryable,
  orderIds: readonly number[],
): Promise<{ orderId: number; lineNo: number; sku: string; parts: { locationId: number | null; quantity: number }[] }[]> {
  const { rows } = await q.query<{ orderId: number; lineNo: number; sku: string; parts: { locationId: number | null; quantity: number }[] }>({
    name: 'claims_split',
    text: `SELECT order_id AS "orderId", line_no AS "lineNo", sku,
                  json_agg(json_build_object('locationId', location_id, 'quantity', quantity) ORDER BY location_id) AS parts
             FROM claims WHERE order_id = ANY($1::bigint[])
            GROUP BY order_id, line_no, sku HAVING count(*) > 1
            ORDER BY order_id, line_no, sku`,
    values: [orderIds],
  });
  return rows;
}

/**
 * Orders whose claims are routed to locations of more than one warehouse, with the units
 * claimed at each warehouse per SKU (every claim, open or closed).
 */
export async function ordersClaimedAtSeveralWarehouses(q: Queryable): Promise<{ orderId: number; units: Record<string, Record<string, number>> }[]> {
  const { rows } = await q.query<{ orderId: number; units: Record<string, Record<string, number>> }>({
    name: 'claims_several_warehouses',
    text: `SELECT order_id AS "orderId", json_object_agg(warehouse, skus) AS units
             FROM (SELECT order_id, warehouse, json_object_agg(sku, units) AS skus
                     FROM (SELECT c.order_id, l.connection_id AS warehouse, c.sku, sum(c.quantity)::int AS units
                             FROM claims c JOIN locations l ON l.id = c.location_id
                            GROUP BY c.order_id, l.connection_id, c.sku) per_sku
                    GROUP BY order_id, warehouse) per_warehouse
            GROUP BY order_id HAVING count(*) > 1
            ORDER BY order_id`,
    values: [],
  });
  return rows;
}

/** What the planner needs to know of every channel's sources, read in one statement. */
export interface SourceLayoutRows {
  /** Channels' selling points with their own sources (`externalId` '' : the channel as a whole), in outlet order: `warehouse/code` in order. */
  configured: { connectionId: string; externalId: string; sources: string[] }[];
  /** Every location, each warehouse's in configuration order. */
  locations: { id: number; warehouse: string; code: string; sellable: boolean; external: boolean }[];
  /** Channel id -> the warehouse that fulfils its orders. */
  fulfilledBy: Record<string, string | null>;
}

/** The source layout (changes only with a catalogue sync, which bumps the catalogue version). */
export async function sourceLayoutRows(q: Queryable): Promise<SourceLayoutRows> {
  const { rows } = await q.query<{ layout: SourceLayoutRows }>({
    name: 'locations_source_layout',
    text: `SELECT json_build_object(
             'configured', COALESCE((
               SELECT json_agg(json_build_object('connectionId', cl.connection_id, 'externalId', cl.external_id, 'sources', (
                        SELECT COALESCE(json_agg(lo.connection_id || '/' || lo.code ORDER BY cs.position), '[]')
                          FROM channel_sources cs JOIN locations lo ON lo.id = cs.location_id
                         WHERE cs.channel_location_id = cl.id)) ORDER BY cl.connection_id, cl.position, cl.id)
                 FROM channel_locations cl), '[]'),
             'locations', COALESCE((
               SELECT json_agg(json_build_object('id', id, 'warehouse', connection_id, 'code', code, 'sellable', sellable, 'external', external)
                               ORDER BY connection_id, position, id) FROM locations), '[]'),
             'fulfilledBy', COALESCE((SELECT json_object_agg(id, fulfilled_by) FROM connections WHERE kind = 'channel'), '{}')
           ) AS layout`,
    values: [],
  });
  return rows[0]!.layout;
}

/** One location's totals over every SKU (`stocksync status`). */
export interface LocationTotals {
  warehouse: string;
  code: string;
  sellable: boolean;
  external: boolean;
  skus: number;
  available: number;
  /** Units of open claims routed here. */
  claimed: number;
}

/** Every location's totals, and the units of open claims without a location. */
export async function locationTotals(q: Queryable): Promise<{ locations: LocationTotals[]; unlocatedClaims: number }> {
  const { rows } = await q.query<{ totals: LocationTotals[]; unlocated: number }>({
    name: 'locations_totals',
    text: `WITH claimed AS (SELECT location_id, sum(quantity)::int AS units FROM claims WHERE state = 'open' GROUP BY location_id),
                levels AS (SELECT location_id, count(*)::int AS skus, sum(available)::int AS available FROM stock_levels GROUP BY location_id)
           SELECT COALESCE((SELECT json_agg(json_build_object('warehouse', lo.connection_id, 'code', lo.code, 'sellable', lo.sellable,
                                  'external', lo.external, 'skus', COALESCE(l.skus, 0), 'available', COALESCE(l.available, 0),
                                  'claimed', COALESCE(c.units, 0)) ORDER BY lo.connection_id, lo.position, lo.id)
                             FROM locations lo LEFT JOIN levels l ON l.location_id = lo.id LEFT JOIN claimed c ON c.location_id = lo.id), '[]') AS totals,
                  COALESCE((SELECT units FROM claimed WHERE location_id IS NULL), 0) AS unlocated`,
    values: [],
  });
  return { locations: rows[0]!.totals, unlocatedClaims: rows[0]!.unlocated };
}
