// Aggregate: reconciliation runs and the drift each found (layer 4).
import type { Queryable } from './db.js';

export type DriftAction = 'corrected' | 'lowered' | 'raised' | 'raise_deferred';

export interface DriftRow {
  connectionId: string;
  sku: string;
  believed: number | null;
  actual: number;
  action: DriftAction;
  layer: string | null;
}

export async function startReconciliation(q: Queryable, connectionId: string, trigger: string): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO reconciliations (connection_id, trigger) VALUES ($1, $2) RETURNING id`,
    [connectionId, trigger],
  );
  return rows[0]!.id;
}

export async function insertDrift(q: Queryable, runId: number, rows: readonly DriftRow[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO drift (reconciliation_id, connection_id, sku, believed, actual, units, action, layer)
     SELECT $1, c, s, b, a, a - COALESCE(b, 0), act, l
       FROM unnest($2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[]) AS u(c, s, b, a, act, l)`,
    [runId, rows.map((r) => r.connectionId), rows.map((r) => r.sku), rows.map((r) => r.believed), rows.map((r) => r.actual), rows.map((r) => r.action), rows.map((r) => r.layer)],
  );
}

export async function finishReconciliation(
  q: Queryable,
  runId: number,
  r: { status: 'done' | 'failed'; checked: number; error?: string },
): Promise<{ drifted: number; driftUnits: number }> {
  const { rows } = await q.query<{ drifted: number; driftUnits: number }>(
    `UPDATE reconciliations
        SET finished_at = now(), status = $2, checked = $3, error = $4,
            drifted = (SELECT count(*) FROM drift WHERE reconciliation_id = $1),
            drift_units = (SELECT COALESCE(sum(abs(units)), 0) FROM drift WHERE reconciliation_id = $1)
      WHERE id = $1
  RETURNING drifted, drift_units AS "driftUnits"`,
    [runId, r.status, r.checked, r.error ?? null],
  );
  return rows[0]!;
}

export async function driftOf(q: Queryable, runId: number): Promise<(DriftRow & { units: number })[]> {
  const { rows } = await q.query(
    `SELECT connection_id AS "connectionId", sku, believed, actual, units, action, layer
       FROM drift WHERE reconciliation_id = $1 ORDER BY abs(units) DESC, sku`,
    [runId],
  );
  return rows;
}

export async function stockLevelsOf(
  q: Queryable,
  connectionId: string,
  keys: readonly { location: string; sku: string }[],
): Promise<Map<string, number>> {
  const { rows } = await q.query<{ location: string; sku: string; available: number }>(
    `SELECT l.code AS location, s.sku, s.available
       FROM stock_levels s JOIN locations l ON l.id = s.location_id
       JOIN unnest($2::text[], $3::text[]) AS k(location, sku) ON k.location = l.code AND k.sku = s.sku
      WHERE l.connection_id = $1`,
    [connectionId, keys.map((k) => k.location), keys.map((k) => k.sku)],
  );
  return new Map(rows.map((r) => [`${r.location}\u0000${r.sku}`, r.available]));
}
