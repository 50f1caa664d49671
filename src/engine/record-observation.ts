// Engine operation: a warehouse reports stock for a SKU at a location, either as an
// absolute level (a snapshot) or as a delta (a receipt, an adjustment, a return).
import { assertQuantity } from '../domain/index.js';
import { invalidInput, StocksyncError } from '../errors.js';
import { settleClaims } from './settle-claims.js';
import { Rollback, withTxOrRollback, type Db, type Tx } from '../store/db.js';
import { appendLedger, ledgerKeyExists, type NewLedgerEntry } from '../store/ledger.js';
import { loadSkuGraph } from '../store/skus.js';
import { addToSkuStock, addToStockLevel, findLocation, lockSkuStock, setStockLevel } from '../store/stock.js';
import { insertIncidents } from '../store/incidents.js';
import { warehouseConnection } from './connections.js';
import { affectedSkus, recomputeTargets, skusToLock } from './targets.js';

interface ObservationBase {
  connectionId: string; // the warehouse connection
  location: string; // location code within that warehouse
  sku: string;
  observedAt: Date; // the warehouse's own timestamp
  /** Idempotency key from the source (event id, poll row id). Absolute levels get one by default. */
  key?: string;
  source?: string; // 'webhook' | 'poll' | 'reconcile' | 'manual' ...
  /** Full reconciliation files its corrections under the ledger kind `reconcile`. */
  reconcile?: boolean;
  /**
   * A read of the level as it is (a poll, a reconciliation), not an event reporting one
   * change: it counts every change up to `observedAt`, so it settles a same-time tie.
   */
  read?: boolean;
}

export type ObservationInput =
  | (ObservationBase & { kind: 'absolute'; available: number; onHand?: number; allocated?: number })
  | (ObservationBase & { kind: 'delta'; delta: number; key: string });

/**
 * How far in the future (by our clock) a warehouse's timestamp may be before the
 * observation is refused: a level stamped in 2099 would otherwise outrank every later one
 * and pin the SKU (issue 14, defect 2). Generous enough for honest clock skew. One value
 * per process, from the config (`warehouseClockSkew`).
 */
export const DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60_000;
let maxFutureSkewMs = DEFAULT_MAX_FUTURE_SKEW_MS;

export function configureObservations(settings: { maxFutureSkewMs?: number | undefined }): void {
  maxFutureSkewMs = settings.maxFutureSkewMs ?? DEFAULT_MAX_FUTURE_SKEW_MS;
}

export function maxFutureSkew(): number {
  return maxFutureSkewMs;
}

export type ObservationResult =
  | { outcome: 'applied'; availableDelta: number; settledClaims: number; dirtied: number }
  | { outcome: 'duplicate' }
  | { outcome: 'stale' } // older than the level already stored
  | { outcome: 'unknown_sku' };

/** The observation a warehouse level (from a webhook, a poll or a reconciliation) makes. */
export function levelObservation(
  connectionId: string,
  l: { sku: string; location: string; available: number; onHand?: number; allocated?: number; observedAt: Date },
  extra: { source: string; key?: string; read?: boolean },
): ObservationInput {
  return {
    connectionId,
    location: l.location,
    sku: l.sku,
    kind: 'absolute',
    available: l.available,
    ...(l.onHand !== undefined && { onHand: l.onHand }),
    ...(l.allocated !== undefined && { allocated: l.allocated }),
    observedAt: l.observedAt,
    ...extra,
  };
}

export function observationKey(o: ObservationInput): string {
  if (o.key) return o.key;
  if (o.kind === 'delta') throw invalidInput('key', 'a delta observation needs the source event id as its key');
  return `obs:${o.connectionId}:${o.location}:${o.sku}:${o.observedAt.toISOString()}:${o.available}`;
}

function validate(o: ObservationInput): void {
  if (!o.sku) throw invalidInput('sku', 'is required');
  if (!(o.observedAt instanceof Date) || Number.isNaN(o.observedAt.getTime())) throw invalidInput('observedAt', 'must be a valid date');
  // A reconciliation read is the truth at read time whatever its stamp (clamped below).
  if (!o.reconcile && o.observedAt.getTime() > Date.now() + maxFutureSkewMs) {
    throw invalidInput(
      'observedAt',
      `${o.observedAt.toISOString()} is more than ${Math.round(maxFutureSkewMs / 1000)} s ahead of our clock: refused, it would outrank every later observation`,
    );
  }
  if (o.kind === 'absolute') {
    assertQuantity('available', o.available, { allowZero: true, allowNegative: true });
    if (o.onHand !== undefined) assertQuantity('onHand', o.onHand, { allowZero: true });
    if (o.allocated !== undefined) assertQuantity('allocated', o.allocated, { allowZero: true });
  } else if (o.kind === 'delta') {
    assertQuantity('delta', o.delta, { allowNegative: true });
  } else {
    throw invalidInput('kind', "must be 'absolute' or 'delta'");
  }
}

export async function recordObservation(db: Db, input: ObservationInput): Promise<ObservationResult> {
  validate(input);
  const key = observationKey(input);
  // A full read dated ahead of our clock is stored as of now: a future stamp would pin the level.
  const o = input.reconcile && input.observedAt.getTime() > Date.now() ? { ...input, observedAt: new Date() } : input;
  return withTxOrRollback(db, (tx) => recordObservationInTx(tx, o, key));
}

async function recordObservationInTx(tx: Tx, o: ObservationInput, key: string): Promise<ObservationResult> {
  await warehouseConnection(tx, o.connectionId);
  if (await ledgerKeyExists(tx, key)) return { outcome: 'duplicate' };
  const location = await findLocation(tx, o.connectionId, o.location);
  if (!location) throw new StocksyncError('NOT_FOUND', `location ${o.location} of ${o.connectionId} is not configured`);
  const graph = await loadSkuGraph(tx, [o.sku]);
  if (!graph.known.has(o.sku)) {
    await insertIncidents(tx, [
      { kind: 'unknown_sku', sku: o.sku, orderId: null, connectionId: o.connectionId, unitsShort: null, details: { key, source: o.source ?? null } },
    ]);
    return { outcome: 'unknown_sku' };
  }
  if (graph.known.get(o.sku)) throw invalidInput('sku', `${o.sku} is a bundle; warehouses stock its components`);

  const stock = await lockSkuStock(tx, skusToLock([o.sku], graph.bundles));
  const level =
    o.kind === 'absolute'
      ? await setStockLevel(tx, {
          locationId: location.id,
          sku: o.sku,
          available: o.available,
          onHand: o.onHand ?? null,
          allocated: o.allocated ?? null,
          observedAt: o.observedAt,
          read: o.read ?? false,
          // A full read replaces a level stamped beyond the allowed skew (stored before such
          // stamps were refused): that stamp says nothing about which is newer.
          overrideFutureMs: o.reconcile ? maxFutureSkewMs : null,
        })
      : await addToStockLevel(tx, { locationId: location.id, sku: o.sku, delta: o.delta, observedAt: o.observedAt });
  if (!level) return { outcome: 'stale' };

  const availableDelta = level.sellable ? level.available - level.previousAvailable : 0;
  const entries: NewLedgerEntry[] = [
    {
      key,
      sku: o.sku,
      kind: o.reconcile ? 'reconcile' : o.kind === 'absolute' ? 'observe_absolute' : 'observe_delta',
      availableDelta,
      claimedDelta: 0,
      locationId: location.id,
      source: o.source ?? null,
    },
  ];
  // Only a snapshot taken once the warehouse acknowledged an order includes that order.
  const settlement =
    o.kind === 'absolute'
      ? await settleClaims(tx, { sku: o.sku, warehouseConnectionId: o.connectionId, observedAt: o.observedAt, source: key })
      : { entries: [], claimedDelta: 0 };
  entries.push(...settlement.entries);
  const fresh = await appendLedger(tx, entries);
  // A concurrent twin committed the same key first: undo everything this one did.
  if (!fresh.has(key)) throw new Rollback<ObservationResult>({ outcome: 'duplicate' });

  const after = await addToSkuStock(tx, [{ sku: o.sku, available: availableDelta, claimed: settlement.claimedDelta }]);
  for (const row of after) stock.set(row.sku, row);
  const dirtied = await recomputeTargets(tx, affectedSkus([o.sku], graph.bundles), stock, graph.bundles);
  return { outcome: 'applied', availableDelta, settledClaims: settlement.entries.length, dirtied };
}
