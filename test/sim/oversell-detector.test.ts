// The simulation's oversell detector (src/sim/oversell-detector.ts) on synthetic 3PL
// ledgers, no stack: each story is the ledger entries written by hand in the shape the
// sandbox warehouse writes them, between two looks of the detector, and the same story
// played on the sandbox's own store (sandbox/warehouse/store.ts) must write exactly those
// entries, so the synthetic ledgers cannot drift from the real one.
import { describe, expect, it } from 'vitest';
import { addItem, adjustOnHand, cancel, createOrder, createStore, ship, type WarehouseStore } from '../../sandbox/warehouse/store.js';
import { OversellDetector, type WarehouseLedgerEntry } from '../../src/sim/oversell-detector.js';

// The entries the sandbox writes, one per order line.
const allocated = (ref: string, sku: string, quantity: number): WarehouseLedgerEntry => ({
  sku,
  onHandDelta: 0,
  committedDelta: quantity,
  reason: 'allocate',
  ref,
});
const allocatedAfterWaiting = (ref: string, sku: string, quantity: number): WarehouseLedgerEntry => ({
  sku,
  onHandDelta: 0,
  committedDelta: quantity,
  backorderedDelta: -quantity,
  reason: 'allocate',
  ref,
});
const heldInException = (ref: string, sku: string, quantity: number): WarehouseLedgerEntry => ({
  sku,
  onHandDelta: 0,
  committedDelta: 0,
  backorderedDelta: quantity,
  reason: 'exception',
  ref,
});
const deallocated = (ref: string, sku: string, quantity: number): WarehouseLedgerEntry => ({
  sku,
  onHandDelta: 0,
  committedDelta: -quantity,
  backorderedDelta: quantity,
  reason: 'deallocate',
  ref,
});
const cancelledAllocated = (ref: string, sku: string, quantity: number): WarehouseLedgerEntry => ({
  sku,
  onHandDelta: 0,
  committedDelta: -quantity,
  reason: 'cancel',
  ref,
});
const cancelledWaiting = (ref: string, sku: string, quantity: number): WarehouseLedgerEntry => ({
  sku,
  onHandDelta: 0,
  committedDelta: 0,
  backorderedDelta: -quantity,
  reason: 'cancel',
  ref,
});
const shipped = (ref: string, sku: string, quantity: number): WarehouseLedgerEntry => ({
  sku,
  onHandDelta: -quantity,
  committedDelta: -quantity,
  reason: 'ship',
  ref,
});
const adjusted = (sku: string, delta: number, reason: string): WarehouseLedgerEntry => ({ sku, onHandDelta: delta, committedDelta: 0, reason });

interface Story {
  stock: Record<string, number>;
  /** What happens at the 3PL between one look of the detector and the next. */
  between: { ledger: WarehouseLedgerEntry[]; sandbox: (store: WarehouseStore) => void }[];
}

/** The detector following the story's synthetic ledger: what each look found, and the detector after the last. */
function detect(story: Story) {
  const ledger: WarehouseLedgerEntry[] = [];
  const detector = new OversellDetector(
    ledger,
    Object.entries(story.stock).map(([sku, onHand]) => ({ sku, onHand })),
  );
  const found = story.between.map((interval) => {
    ledger.push(...interval.ledger);
    return detector.follow();
  });
  return { detector, found };
}

/** The story played on the sandbox's store: its ledger, without the times. */
function sandboxLedger(story: Story): WarehouseLedgerEntry[] {
  const store = createStore(() => new Date(0));
  for (const [sku, onHand] of Object.entries(story.stock)) addItem(store, sku, onHand);
  for (const interval of story.between) interval.sandbox(store);
  return store.ledger.map(({ at: _at, ...entry }) => entry);
}

const order = (store: WarehouseStore, ref: string, lines: { sku: string; quantity: number }[]) => {
  const result = createOrder(store, ref, lines, false);
  if (!result.ok) throw new Error(result.message);
};
const idOf = (store: WarehouseStore, ref: string) => store.byReference.get(ref)!;

const stories: Record<string, Story & { oversold: Record<string, number>; foundAtLook: number }> = {
  "an order allocated only after another order's cancellation frees its stock": {
    stock: { A: 2 },
    between: [
      { ledger: [allocated('stocksync-1', 'A', 2)], sandbox: (s) => order(s, 'stocksync-1', [{ sku: 'A', quantity: 2 }]) },
      {
        // stocksync-2 waits in Exception; the shopper of stocksync-1 cancels, the engine
        // cancels it at the 3PL, and the 3PL allocates stocksync-2 before the next look.
        ledger: [heldInException('stocksync-2', 'A', 2), cancelledAllocated('stocksync-1', 'A', 2), allocatedAfterWaiting('stocksync-2', 'A', 2)],
        sandbox: (s) => {
          order(s, 'stocksync-2', [{ sku: 'A', quantity: 2 }]);
          cancel(s, idOf(s, 'stocksync-1'));
        },
      },
    ],
    oversold: { 'stocksync-2': 2 },
    foundAtLook: 1,
  },
  'an allocated order sent back to Exception by shrinkage, allocated again after a cancellation': {
    stock: { D: 3 },
    between: [
      {
        ledger: [allocated('stocksync-1', 'D', 1), allocated('stocksync-2', 'D', 2)],
        sandbox: (s) => {
          order(s, 'stocksync-1', [{ sku: 'D', quantity: 1 }]);
          order(s, 'stocksync-2', [{ sku: 'D', quantity: 2 }]);
        },
      },
      {
        ledger: [
          adjusted('D', -1, 'cycle count'),
          deallocated('stocksync-2', 'D', 2),
          cancelledAllocated('stocksync-1', 'D', 1),
          allocatedAfterWaiting('stocksync-2', 'D', 2),
        ],
        sandbox: (s) => {
          adjustOnHand(s, 'D', -1, 'cycle count');
          cancel(s, idOf(s, 'stocksync-1'));
        },
      },
    ],
    oversold: { 'stocksync-2': 2 },
    foundAtLook: 1,
  },
  'an Exception order the shopper cancels before the next look': {
    stock: { B: 1 },
    between: [
      { ledger: [], sandbox: () => {} },
      {
        ledger: [heldInException('stocksync-1', 'B', 2), cancelledWaiting('stocksync-1', 'B', 2)],
        sandbox: (s) => {
          order(s, 'stocksync-1', [{ sku: 'B', quantity: 2 }]);
          cancel(s, idOf(s, 'stocksync-1'));
        },
      },
    ],
    oversold: { 'stocksync-1': 2 },
    foundAtLook: 1,
  },
  'an order never allocated': {
    stock: { C: 0 },
    between: [
      { ledger: [heldInException('stocksync-1', 'C', 1)], sandbox: (s) => order(s, 'stocksync-1', [{ sku: 'C', quantity: 1 }]) },
      { ledger: [], sandbox: () => {} },
    ],
    oversold: { 'stocksync-1': 1 },
    foundAtLook: 0,
  },
  'an order of two SKUs that waits whole, then a receipt allocates it': {
    stock: { E: 5, F: 0 },
    between: [
      {
        ledger: [
          heldInException('stocksync-3', 'E', 2),
          heldInException('stocksync-3', 'F', 1),
          adjusted('F', 4, 'receive'),
          allocatedAfterWaiting('stocksync-3', 'E', 2),
          allocatedAfterWaiting('stocksync-3', 'F', 1),
        ],
        sandbox: (s) => {
          order(s, 'stocksync-3', [
            { sku: 'E', quantity: 2 },
            { sku: 'F', quantity: 1 },
          ]);
          adjustOnHand(s, 'F', 4, 'receive');
        },
      },
    ],
    oversold: { 'stocksync-3': 3 },
    foundAtLook: 0,
  },
};

describe('the oversell detector on synthetic 3PL ledgers', () => {
  it.each(Object.entries(stories))('%s: counts as oversold', (_name, story) => {
    const { detector, found } = detect(story);
    expect(Object.fromEntries(detector.oversold)).toEqual(story.oversold);
    expect(found.findIndex((refs) => refs.length > 0)).toBe(story.foundAtLook);
    expect(found.flat()).toEqual(Object.keys(story.oversold)); // each reference reported once
  });

  it.each(Object.entries(stories))('%s: the sandbox writes that ledger', (_name, story) => {
    expect(sandboxLedger(story)).toEqual(story.between.flatMap((interval) => interval.ledger));
  });

  it("orders allocated at once, shipped or cancelled, are no oversell; nor is a shortage of an order not the engine's", () => {
    const story: Story = {
      stock: { G: 4 },
      between: [
        {
          ledger: [
            allocated('stocksync-1', 'G', 2),
            allocated('stocksync-2', 'G', 2),
            shipped('stocksync-1', 'G', 2),
            cancelledAllocated('stocksync-2', 'G', 2),
            heldInException('direct-1', 'G', 5),
          ],
          sandbox: (s) => {
            order(s, 'stocksync-1', [{ sku: 'G', quantity: 2 }]);
            order(s, 'stocksync-2', [{ sku: 'G', quantity: 2 }]);
            ship(s, idOf(s, 'stocksync-1'));
            cancel(s, idOf(s, 'stocksync-2'));
            order(s, 'direct-1', [{ sku: 'G', quantity: 5 }]);
          },
        },
      ],
    };
    expect(sandboxLedger(story)).toEqual(story.between[0]!.ledger);
    const { detector, found } = detect(story);
    expect(found).toEqual([[]]);
    expect(detector.oversold.size).toBe(0);
    expect({ onHand: detector.onHand('G'), committed: detector.committed('G'), backordered: detector.backordered('G') }).toEqual({
      onHand: 2,
      committed: 0,
      backordered: 5,
    });
  });

  it("keeps the 3PL's backorder: what waits counts against the true ATS until it is allocated or cancelled", () => {
    const ledger: WarehouseLedgerEntry[] = [];
    const detector = new OversellDetector(ledger, [{ sku: 'H', onHand: 1 }]);
    ledger.push(heldInException('stocksync-1', 'H', 3), heldInException('stocksync-2', 'H', 2));
    detector.follow();
    expect(detector.backordered('H')).toBe(5);
    expect(detector.available('H')).toBe(1 - 5);
    ledger.push(cancelledWaiting('stocksync-1', 'H', 3), adjusted('H', 1, 'receive'), allocatedAfterWaiting('stocksync-2', 'H', 2));
    expect(detector.follow()).toEqual([]); // both already reported
    expect({ backordered: detector.backordered('H'), committed: detector.committed('H'), available: detector.available('H') }).toEqual({
      backordered: 0,
      committed: 2,
      available: 0,
    });
    expect(Object.fromEntries(detector.oversold)).toEqual({ 'stocksync-1': 3, 'stocksync-2': 2 });
  });
});
