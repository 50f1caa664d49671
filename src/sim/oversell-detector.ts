// The 3PL side of the ground truth: the sandbox warehouse's own ledger (every on-hand or
// allocation change), followed incrementally so that a look costs the same at the end of
// a run as at its start, and the orders it could not allocate. An order the 3PL holds in
// Exception is an oversell: a channel sold units the warehouse did not have.
//
// Pure: it reads a ledger array that its owner appends to (the sandbox's live one, or a
// synthetic one in a test) and is told what else it needs; no stack, no clock.
import type { LedgerEntry } from '../../sandbox/warehouse/store.js';

/** A ledger entry as the detector reads it (the time of an entry does not matter here). */
export type WarehouseLedgerEntry = Omit<LedgerEntry, 'at'>;

export interface OrderLines {
  lines: readonly { sku: string; quantity: number }[];
  units: number;
}

export class OversellDetector {
  /** Warehouse reference -> units, of every order seen waiting in Exception. */
  readonly oversold = new Map<string, number>();
  private followed = 0; // ledger entries applied
  private readonly onHandBySku = new Map<string, number>();
  private readonly committedBySku = new Map<string, number>();
  private readonly allocated = new Set<string>(); // references the 3PL allocated (at once or later)
  private readonly waiting = new Map<string, OrderLines>(); // at the 3PL, not allocated: Exception

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

  /** Applies the entries written since the last call; returns the references they allocated. */
  follow(): string[] {
    const allocatedNow: string[] = [];
    for (; this.followed < this.ledger.length; this.followed++) {
      const entry = this.ledger[this.followed]!;
      this.onHandBySku.set(entry.sku, this.onHand(entry.sku) + entry.onHandDelta);
      this.committedBySku.set(entry.sku, this.committed(entry.sku) + entry.committedDelta);
      if (entry.ref === undefined) continue;
      if (entry.reason === 'allocate') {
        this.allocated.add(entry.ref);
        allocatedNow.push(entry.ref);
      } else if (entry.reason === 'deallocate') this.allocated.delete(entry.ref);
    }
    return allocatedNow;
  }

  onHand(sku: string): number {
    return this.onHandBySku.get(sku) ?? 0;
  }

  committed(sku: string): number {
    return this.committedBySku.get(sku) ?? 0;
  }

  /** Units the orders waiting in Exception want. */
  backordered(sku: string): number {
    let units = 0;
    for (const order of this.waiting.values()) for (const l of order.lines) if (l.sku === sku) units += l.quantity;
    return units;
  }

  /** What the 3PL can still sell: on hand less committed and backordered. */
  available(sku: string): number {
    return this.onHand(sku) - this.committed(sku) - this.backordered(sku);
  }

  /**
   * The engine recorded that the 3PL accepted `reference`. The 3PL allocates inside its
   * answer, so accepted and not allocated is Exception: true when newly oversold.
   */
  accepted(reference: string, order: OrderLines): boolean {
    if (this.allocated.has(reference)) return false;
    const newly = this.markOversold(reference, order);
    this.waiting.set(reference, order);
    return newly;
  }

  /**
   * Stock arrived (a receipt or a return of ours): whatever it allocated was waiting in
   * Exception, even if no look saw it waiting. Call follow() before the arrival, and
   * pass the references follow() returns after it. Returns the newly oversold ones.
   */
  allocatedByArrival(references: readonly string[], orderOf: (reference: string) => OrderLines | undefined): string[] {
    return references.filter((reference) => this.markOversold(reference, orderOf(reference)));
  }

  /** Forgets the waiting orders the 3PL has allocated since. */
  forgetAllocated(): void {
    for (const reference of [...this.waiting.keys()]) if (this.allocated.has(reference)) this.waiting.delete(reference);
  }

  private markOversold(reference: string, order: OrderLines | undefined): boolean {
    if (this.oversold.has(reference)) return false;
    this.oversold.set(reference, order ? order.units : 0);
    if (order) this.waiting.delete(reference);
    return true;
  }
}
