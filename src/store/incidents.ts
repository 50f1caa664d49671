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
