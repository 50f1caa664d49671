// Aggregate: incidents (an oversell detected, an order line for an unknown SKU).
import type { Queryable } from './db.js';

export type IncidentKind = 'oversell' | 'unknown_sku';

export interface NewIncident {
  kind: IncidentKind;
  sku: string;
  orderId: number | null;
  connectionId: string | null;
  unitsShort: number | null;
  details?: Record<string, unknown>;
}

export async function insertIncidents(tx: Queryable, incidents: readonly NewIncident[]): Promise<void> {
  if (incidents.length === 0) return;
  await tx.query({
    name: 'incidents_insert',
    text: `INSERT INTO incidents (kind, sku, order_id, connection_id, units_short, details)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::jsonb[])`,
    values: [
      incidents.map((i) => i.kind),
      incidents.map((i) => i.sku),
      incidents.map((i) => i.orderId),
      incidents.map((i) => i.connectionId),
      incidents.map((i) => i.unitsShort),
      incidents.map((i) => JSON.stringify(i.details ?? {})),
    ],
  });
}

export interface IncidentRow {
  id: number;
  kind: IncidentKind;
  sku: string | null;
  orderId: number | null;
  connectionId: string | null;
  unitsShort: number | null;
  createdAt: Date;
}

export async function openIncidents(tx: Queryable, limit = 50): Promise<IncidentRow[]> {
  const { rows } = await tx.query<IncidentRow>({
    name: 'incidents_open',
    text: `SELECT id, kind, sku, order_id AS "orderId", connection_id AS "connectionId",
            units_short AS "unitsShort", created_at AS "createdAt"
       FROM incidents WHERE resolved_at IS NULL ORDER BY id DESC LIMIT $1`,
    values: [limit],
  });
  return rows;
}

/** Oversell incidents ever recorded, resolved or not, and the units they were short. */
export async function oversellTotals(q: Queryable): Promise<{ incidents: number; unitsShort: number }> {
  const { rows } = await q.query<{ incidents: number; unitsShort: number }>({
    name: 'incidents_oversell_totals',
    text: `SELECT count(*)::int AS incidents, COALESCE(sum(units_short), 0)::int AS "unitsShort" FROM incidents WHERE kind = 'oversell'`,
    values: [],
  });
  return rows[0]!;
}

export interface IncidentView extends IncidentRow {
  details: Record<string, unknown>;
  resolvedAt: Date | null;
  resolutionNote: string | null;
}

/** Incidents newest first, from before `beforeId`; filtered by state, kind and SKU. */
export async function listIncidents(
  q: Queryable,
  f: { state: 'open' | 'resolved' | 'all'; kind: IncidentKind | null; sku: string | null; beforeId: number | null; limit: number },
): Promise<IncidentView[]> {
  const { rows } = await q.query<IncidentView>({
    name: 'incidents_list',
    text: `SELECT id, kind, sku, order_id AS "orderId", connection_id AS "connectionId", units_short AS "unitsShort", details,
                  created_at AS "createdAt", resolved_at AS "resolvedAt", resolution_note AS "resolutionNote"
             FROM incidents
            WHERE ($1 = 'all' OR ($1 = 'open') = (resolved_at IS NULL))
              AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR sku = $3) AND ($4::bigint IS NULL OR id < $4)
            ORDER BY id DESC LIMIT $5`,
    values: [f.state, f.kind, f.sku, f.beforeId, f.limit],
  });
  return rows;
}

/**
 * Resolves an open incident with a note. Returns the incident as it is after the call
 * (unchanged when it was already resolved: `resolved` false), or null when it does not exist.
 */
export async function resolveIncident(q: Queryable, id: number, note: string): Promise<{ resolved: boolean; incident: IncidentView } | null> {
  const { rows } = await q.query<IncidentView & { changed: boolean }>({
    name: 'incidents_resolve',
    text: `WITH upd AS (
             UPDATE incidents SET resolved_at = now(), resolution_note = $2 WHERE id = $1 AND resolved_at IS NULL RETURNING *)
           SELECT i.id, i.kind, i.sku, i.order_id AS "orderId", i.connection_id AS "connectionId", i.units_short AS "unitsShort", i.details,
                  i.created_at AS "createdAt", COALESCE(u.resolved_at, i.resolved_at) AS "resolvedAt",
                  COALESCE(u.resolution_note, i.resolution_note) AS "resolutionNote", u.id IS NOT NULL AS changed
             FROM incidents i LEFT JOIN upd u ON u.id = i.id WHERE i.id = $1`,
    values: [id, note],
  });
  const row = rows[0];
  if (!row) return null;
  const { changed, ...incident } = row;
  return { resolved: changed, incident };
}
