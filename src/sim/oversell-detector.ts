// The 3PL side of the ground truth: the sandbox warehouse's own ledger, followed
// incrementally so that a look costs the same at the end of a run as at its start. The
// ledger records every on-hand and allocation change and every start and end of an
// order's wait in Exception (backorderedDelta), so it alone says which of the engine's
// orders the 3PL could not allocate: an oversell, whatever ends the wait afterwards
// (stock arriving, another order's cancellation freeing units, its own cancellation)
// and however soon.
//
// Pure: it reads a ledger array that its owner appends to (the sandbox's live one, or a
// synthetic one in a test); no stack, no clock.
import type { LedgerEntry } from '../../sandbox/warehouse/store.js';
import { orderIdOfReference } from '../engine/workers/warehouse-pusher.js';

/** A ledger entry as the detector reads it (the time of an entry does not matter here). */
export type WarehouseLedgerEntry = Omit<LedgerEntry, 'at'>;

export class OversellDetector {
  /** 3PL reference -> units, of every engine order that ever waited in Exception. */
  readonly oversold = new Map<string, number>();
  /**
   * 3PL reference -> per line that started waiting, the units it wanted and the units the
   * 3PL had free for its SKU just before (what it could have given that line).
   */
  readonly shortLines = new Map<string, { sku: string; wanted: number; free: number }[]>();
  private followed = 0; // ledger entries applied
  private readonly onHandBySku = new Map<string, number>();
  private readonly committedBySku = new Map<string, number>();
  private readonly backorderedBySku = new Map<string, number>();
  private readonly waitingUnits = new Map<string, number>(); // reference -> units it waits for now

  /**
   * `ledger`: the 3PL's ledger, appended to by its owner; `openingStock`: on hand per SKU
   * before its first entry (stocking an item writes no entry).
   */
  constructor(
    private readonly ledger: readonly WarehouseLedgerEntry[],
    openingStock: Iterable<{ sku: string; onHand: number }>,
  ) {
    for (const { sku, onHand } of openingStock) this.onHandBySku.set(sku, onHand);
    this.follow();
  }

  /** Applies the entries written since the last call; returns the references they showed oversold. */
  follow(): string[] {
    const newlyOversold: string[] = [];
    for (; this.followed < this.ledger.length; this.followed++) {
      const entry = this.ledger[this.followed]!;
      const backorderedDelta = entry.backorderedDelta ?? 0;
      if (entry.ref !== undefined && backorderedDelta > 0) {
        // an order created short: what the 3PL had free; one deallocated (shrinkage): none
        const free = entry.reason === 'exception' ? Math.max(0, this.available(entry.sku)) : 0;
        const lines = this.shortLines.get(entry.ref) ?? [];
        this.shortLines.set(entry.ref, [...lines, { sku: entry.sku, wanted: backorderedDelta, free }]);
      }
      add(this.onHandBySku, entry.sku, entry.onHandDelta);
      add(this.committedBySku, entry.sku, entry.committedDelta);
      add(this.backorderedBySku, entry.sku, backorderedDelta);
      if (entry.ref === undefined || backorderedDelta === 0) continue;
      const waiting = add(this.waitingUnits, entry.ref, backorderedDelta);
      if (backorderedDelta < 0 || orderIdOfReference(entry.ref) === null) continue;
      // An order waits whole (every line), one entry a line: the units are its largest wait.
      if (!this.oversold.has(entry.ref)) newlyOversold.push(entry.ref);
      this.oversold.set(entry.ref, Math.max(this.oversold.get(entry.ref) ?? 0, waiting));
    }
    return newlyOversold;
  }

  onHand(sku: string): number {
    return this.onHandBySku.get(sku) ?? 0;
  }

  committed(sku: string): number {
    return this.committedBySku.get(sku) ?? 0;
  }

  /** Units the orders waiting in Exception want. */
  backordered(sku: string): number {
    return this.backorderedBySku.get(sku) ?? 0;
  }

  /** What the 3PL can still sell: on hand less committed and backordered. */
  available(sku: string): number {
    return this.onHand(sku) - this.committed(sku) - this.backordered(sku);
  }
}

/** Adds `delta` to the value at `key` (0 when absent; removed at 0); returns the new value. */
function add(map: Map<string, number>, key: string, delta: number): number {
  const value = (map.get(key) ?? 0) + delta;
  if (value === 0) map.delete(key);
  else map.set(key, value);
  return value;
}
