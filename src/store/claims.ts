// Aggregate: claims, units held for accepted orders the warehouse does not yet count.
import type { Queryable } from './db.js';
import { CLAIM_WAREHOUSE } from './warehouse-orders.js';

export interface ClaimRow {
  id: number;
  orderId: number;
  lineNo: number;
  sku: string;
  quantity: number;
  /** Where the claim was taken; null: unlocated (docs/locations.md). */
  locationId: number | null;
}

export async function openClaimSkusOfOrder(tx: Queryable, orderId: number): Promise<string[]> {
  const { rows } = await tx.query<{ sku: string }>({
    name: 'claims_open_skus_of_order',
    text: `SELECT DISTINCT sku FROM claims WHERE order_id = $1 AND state = 'open'`,
    values: [orderId],
  });
  return rows.map((r) => r.sku);
}

/**
 * Closes the open claims of an order (cancellation) that no warehouse still holds: those
 * whose warehouse (CLAIM_WAREHOUSE) never acknowledged its part, as it will never be sent
 * now, and, once `cancelledAt` confirmed its cancellation, that warehouse's.
 */
export async function releaseClaimsOfOrder(tx: Queryable, orderId: number, cancelledAt: string | null): Promise<ClaimRow[]> {
  const { rows } = await tx.query<ClaimRow>({
    name: 'claims_release_of_order',
    text: `UPDATE claims c SET state = 'released', closed_at = now()
       FROM orders o
      WHERE c.order_id = $1 AND o.id = c.order_id AND c.state = 'open'
        AND (${CLAIM_WAREHOUSE} IS NOT DISTINCT FROM $2
             OR NOT EXISTS (SELECT 1 FROM warehouse_order_parts p
                             WHERE p.order_id = o.id AND p.warehouse_connection_id = ${CLAIM_WAREHOUSE} AND p.ack_at IS NOT NULL))
  RETURNING c.id, c.order_id AS "orderId", c.line_no AS "lineNo", c.sku, c.quantity, c.location_id AS "locationId"`,
    values: [orderId, cancelledAt],
  });
  return rows;
}

/**
 * Settles the open claims on a SKU that this warehouse ships (CLAIM_WAREHOUSE: their
 * location's warehouse, or the order's own for unlocated ones) and whose part of the order
 * it acknowledged at or before the moment the observation was taken (domain/claims.ts
 * settlesClaim): from then on the warehouse's own `available` counts them
 * (docs/invariants.md, invariant 2), so keeping the claim would subtract the units twice.
 * A part at another warehouse settles with that warehouse's snapshots, never this one's.
 */
export async function settleClaims(tx: Queryable, p: { sku: string; warehouseConnectionId: string; observedAt: Date }): Promise<ClaimRow[]> {
  const { rows } = await tx.query<ClaimRow>({
    name: 'claims_settle',
    text: `UPDATE claims c SET state = 'settled', closed_at = now()
       FROM orders o
      WHERE c.order_id = o.id AND c.sku = $1 AND c.state = 'open'
        AND (c.location_id IN (SELECT id FROM locations WHERE connection_id = $2)
             OR c.location_id IS NULL AND o.warehouse_connection_id = $2)
        AND EXISTS (SELECT 1 FROM warehouse_order_parts w WHERE w.order_id = o.id AND w.warehouse_connection_id = $2 AND w.ack_at <= $3)
  RETURNING c.id, c.order_id AS "orderId", c.line_no AS "lineNo", c.sku, c.quantity, c.location_id AS "locationId"`,
    values: [p.sku, p.warehouseConnectionId, p.observedAt],
  });
  return rows;
}

export interface OrderLineClaims {
  orderId: number;
  lineNo: number;
  sku: string;
  /** Units the line asks for. */
  quantity: number;
  /** Claim rows on the line, whatever their state, and their units. */
  claims: number;
  claimedUnits: number;
}

/** Every order line with the claims made for it (the simulation checks none is claimed twice). */
export async function claimsPerOrderLine(q: Queryable): Promise<OrderLineClaims[]> {
  const { rows } = await q.query<OrderLineClaims>({
    name: 'claims_per_order_line',
    text: `SELECT l.order_id AS "orderId", l.line_no AS "lineNo", l.sku, l.quantity,
                  count(c.id)::int AS claims, coalesce(sum(c.quantity), 0)::int AS "claimedUnits"
             FROM order_lines l LEFT JOIN claims c ON c.order_id = l.order_id AND c.line_no = l.line_no
            GROUP BY l.order_id, l.line_no, l.sku, l.quantity
            ORDER BY l.order_id, l.line_no`,
  });
  return rows;
}
