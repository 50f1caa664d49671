// What a discovery run found, read back from discovered_items for the report: counts per
// connection and status, what changed in the run, and the ambiguous and unmatched items
// (bounded lists: a report of 20,000 unmatched rows helps nobody).
import type { Queryable } from './db.js';

export interface ConnectionCounts {
  connectionId: string;
  side: 'channel' | 'warehouse';
  matched: number;
  unmatched: number;
  ambiguous: number;
  overridden: number;
  /** By barcode, not SKU (channel items). */
  byBarcode: number;
  added: number;
  changed: number;
}

export async function countsByConnection(q: Queryable, runId: number): Promise<ConnectionCounts[]> {
  const { rows } = await q.query<ConnectionCounts>({
    name: 'discovery_counts',
    text: `SELECT connection_id AS "connectionId", side,
                  count(*) FILTER (WHERE status = 'matched')::int AS matched,
                  count(*) FILTER (WHERE status = 'unmatched')::int AS unmatched,
                  count(*) FILTER (WHERE status = 'ambiguous')::int AS ambiguous,
                  count(*) FILTER (WHERE status = 'overridden')::int AS overridden,
                  count(*) FILTER (WHERE status = 'matched' AND match_kind = 'barcode')::int AS "byBarcode",
                  count(*) FILTER (WHERE first_seen_run = $1)::int AS added,
                  count(*) FILTER (WHERE first_seen_run < $1 AND (changed_run = $1 OR prev_status IS DISTINCT FROM status
                                          OR prev_matched_sku IS DISTINCT FROM matched_sku))::int AS changed
             FROM discovered_items GROUP BY connection_id, side ORDER BY side, connection_id`,
    values: [runId],
  });
  return rows;
}

export interface ItemLine {
  connectionId: string;
  side: 'channel' | 'warehouse';
  sku: string | null;
  barcode: string | null;
  platformIds: Record<string, string>;
  status: string;
  matchedSku: string | null;
  reason: string | null;
}

const ITEM_COLUMNS = `connection_id AS "connectionId", side, raw_sku AS sku, barcode, platform_ids AS "platformIds", status,
                      matched_sku AS "matchedSku", reason`;

/** Items of one status, at most `limit`, in a stable order. */
export async function itemsWithStatus(q: Queryable, status: 'ambiguous' | 'unmatched' | 'overridden', limit: number): Promise<ItemLine[]> {
  const { rows } = await q.query<ItemLine>({
    name: 'discovery_items_with_status',
    text: `SELECT ${ITEM_COLUMNS} FROM discovered_items WHERE status = $1
            ORDER BY side, connection_id, reason, raw_sku NULLS FIRST, item_key LIMIT $2`,
    values: [status, limit],
  });
  return rows;
}

/** Items new or changed in this run, at most `limit`. */
export async function changedItems(q: Queryable, runId: number, limit: number): Promise<(ItemLine & { change: 'added' | 'changed' })[]> {
  const { rows } = await q.query<ItemLine & { change: 'added' | 'changed' }>({
    name: 'discovery_changed_items',
    text: `SELECT ${ITEM_COLUMNS}, CASE WHEN first_seen_run = $1 THEN 'added' ELSE 'changed' END AS change
             FROM discovered_items
            WHERE first_seen_run = $1 OR changed_run = $1 OR prev_status IS DISTINCT FROM status
               OR prev_matched_sku IS DISTINCT FROM matched_sku
            ORDER BY side, connection_id, raw_sku NULLS FIRST, item_key LIMIT $2`,
    values: [runId, limit],
  });
  return rows;
}
