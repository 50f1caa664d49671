// Aggregate: the append-only ledger. Every change to sku_stock is explained by one entry.
import type { Queryable } from './db.js';
import type { LedgerKind } from '../domain/types.js';

export interface NewLedgerEntry {
  key: string;
  sku: string;
  kind: LedgerKind;
  availableDelta: number;
  claimedDelta: number;
  locationId?: number | null;
  orderId?: number | null;
  source?: string | null;
  /** Why, in a person's words (a manual adjustment's reason). */
  note?: string | null;
}

/**
 * Appends entries; returns the keys that were new. A key already present is skipped:
 * the caller decides whether that means "duplicate, roll back".
 */
export async function appendLedger(tx: Queryable, entries: readonly NewLedgerEntry[]): Promise<Set<string>> {
  if (entries.length === 0) return new Set();
  const { rows } = await tx.query<{ key: string }>({
    name: 'ledger_append',
    text: `INSERT INTO ledger (idempotency_key, sku, kind, available_delta, claimed_delta, location_id, order_id, source, note)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::bigint[], $7::bigint[], $8::text[], $9::text[])
     ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING idempotency_key AS key`,
    values: [
      entries.map((e) => e.key),
      entries.map((e) => e.sku),
      entries.map((e) => e.kind),
      entries.map((e) => e.availableDelta),
      entries.map((e) => e.claimedDelta),
      entries.map((e) => e.locationId ?? null),
      entries.map((e) => e.orderId ?? null),
      entries.map((e) => e.source ?? null),
      entries.map((e) => e.note ?? null),
    ],
  });
  return new Set(rows.map((r) => r.key));
}

export async function ledgerKeyExists(tx: Queryable, key: string): Promise<boolean> {
  const { rowCount } = await tx.query({
    name: 'ledger_key_exists',
    text: `SELECT 1 FROM ledger WHERE idempotency_key = $1`,
    values: [key],
  });
  return (rowCount ?? 0) > 0;
}

export interface LedgerRow {
  id: number;
  key: string;
  kind: LedgerKind;
  availableDelta: number;
  claimedDelta: number;
  source: string | null;
  createdAt: Date;
}

export async function latestLedgerEntries(tx: Queryable, sku: string, limit: number): Promise<LedgerRow[]> {
  const { rows } = await tx.query<LedgerRow>({
    name: 'ledger_latest',
    text: `SELECT id, idempotency_key AS key, kind, available_delta AS "availableDelta",
            claimed_delta AS "claimedDelta", source, created_at AS "createdAt"
       FROM ledger WHERE sku = $1 ORDER BY id DESC LIMIT $2`,
    values: [sku, limit],
  });
  return rows;
}
