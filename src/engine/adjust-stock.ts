// Engine operation: a person corrects a count (a stock take, damaged goods found). It is a
// warehouse observation like any other, through the ledger (kind observe_delta or
// observe_absolute, source `manual`) with the person's reason on the entry; keyed by the
// caller's idempotency key, so a repeat changes nothing (invariant 1).
import { invalidInput, StocksyncError } from '../errors.js';
import type { Db } from '../store/db.js';
import { warehouseLocations } from '../store/stock.js';
import { recordObservation, type ObservationResult } from './record-observation.js';

export interface StockAdjustment {
  sku: string;
  /** Warehouse connection and location; each may be left out when there is only one. */
  warehouse?: string;
  location?: string;
  /** Exactly one: a change (+5, -2) or the count now available there. */
  delta?: number;
  available?: number;
  reason: string;
  /** The request's idempotency key: the ledger entry's key is derived from it. */
  key: string;
}

export type AdjustmentResult = ObservationResult & { warehouse: string; location: string; ledgerKey: string };

export async function adjustStock(db: Db, a: StockAdjustment): Promise<AdjustmentResult> {
  if ((a.delta === undefined) === (a.available === undefined)) throw invalidInput('delta', 'give either delta or available, not both');
  if (a.reason.trim() === '') throw invalidInput('reason', 'is required');
  const { warehouse, location } = await whereToAdjust(db, a.warehouse, a.location);
  const ledgerKey = `manual:${a.key}`;
  const base = { connectionId: warehouse, location, sku: a.sku, observedAt: new Date(), key: ledgerKey, source: 'manual', note: a.reason };
  const result = await recordObservation(
    db,
    a.delta !== undefined ? { ...base, kind: 'delta', delta: a.delta } : { ...base, kind: 'absolute', available: a.available! },
  );
  return { ...result, warehouse, location, ledgerKey };
}

async function whereToAdjust(db: Db, warehouse: string | undefined, location: string | undefined): Promise<{ warehouse: string; location: string }> {
  const all = await warehouseLocations(db);
  const warehouses = [...new Set(all.map((l) => l.connectionId))];
  const w = warehouse ?? (warehouses.length === 1 ? warehouses[0] : undefined);
  if (w === undefined) throw invalidInput('warehouse', `required when several warehouses are configured (${warehouses.join(', ')})`);
  if (!warehouses.includes(w)) throw new StocksyncError('NOT_FOUND', `warehouse ${w} is not configured`, { field: 'warehouse' });
  const codes = all.filter((l) => l.connectionId === w).map((l) => l.code);
  // The sellable location by default: several exist only to keep returns or damaged apart.
  const l = location ?? (codes.length === 1 ? codes[0] : codes.includes('main') ? 'main' : undefined);
  if (l === undefined) throw invalidInput('location', `required: ${w} has several locations (${codes.join(', ')})`);
  if (!codes.includes(l)) throw new StocksyncError('NOT_FOUND', `location ${l} of ${w} is not configured`, { field: 'location' });
  return { warehouse: w, location: l };
}
