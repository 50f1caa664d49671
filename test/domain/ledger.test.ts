import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StocksyncError } from '../../src/errors.js';
import { applyEntries, applyEntry, ats, emptyStock, validateEntry, type LedgerEntry, type SkuStock } from '../../src/domain/index.js';

const entry = (key: string, kind: LedgerEntry['kind'], availableDelta: number, claimedDelta: number): LedgerEntry => ({
  key,
  sku: 'A',
  kind,
  availableDelta,
  claimedDelta,
});

const totals = (s: SkuStock) => ({ available: s.available, claimed: s.claimed, keys: [...s.appliedKeys].sort() });

describe('applyEntry', () => {
  it('adds the deltas and records the key, without touching the input', () => {
    const start = emptyStock();
    const s = applyEntry(start, entry('wh:1', 'observe_absolute', 10, 0));
    expect(totals(s)).toEqual({ available: 10, claimed: 0, keys: ['wh:1'] });
    expect(totals(start)).toEqual({ available: 0, claimed: 0, keys: [] });
  });

  it('an entry already applied changes nothing (same object back)', () => {
    const s = applyEntry(emptyStock(), entry('order:1:0', 'claim', 0, 3));
    expect(applyEntry(s, entry('order:1:0', 'claim', 0, 3))).toBe(s);
    // The key decides, not the content: a redelivery with different numbers is still a duplicate.
    expect(applyEntry(s, entry('order:1:0', 'claim', 0, 99))).toBe(s);
  });

  it('walks a claim through its life: observe, claim, settle with the new level', () => {
    let s = emptyStock();
    s = applyEntry(s, entry('obs:1', 'observe_absolute', 10, 0));
    s = applyEntry(s, entry('claim:o1', 'claim', 0, 4));
    expect(ats(s)).toBe(6);
    // The warehouse ships: its next observation drops available by 4 and the claim settles.
    s = applyEntry(s, entry('obs:2', 'observe_absolute', -4, 0));
    s = applyEntry(s, entry('settle:o1', 'settle', 0, -4));
    expect(ats(s)).toBe(6);
    expect(s.claimed).toBe(0);
  });

  it('rejects entries whose deltas do not fit the kind, naming the entry', () => {
    expect(() => applyEntry(emptyStock(), entry('k', 'claim', 0, -1))).toThrow('ledger entry k (claim): claimedDelta must be positive');
    expect(() => applyEntry(emptyStock(), entry('k', 'observe_delta', 1.5, 0))).toThrow(StocksyncError);
    try {
      applyEntry(emptyStock(), entry('k', 'observe_delta', 1.5, 0));
    } catch (e) {
      expect((e as StocksyncError).code).toBe('INPUT_INVALID');
      expect((e as Error).message).toContain('ledger entry k.availableDelta: must be an integer, got 1.5');
    }
  });
});

describe('validateEntry', () => {
  it('accepts each kind with its own deltas', () => {
    expect(validateEntry(entry('a', 'observe_absolute', 0, 0))).toEqual([]);
    expect(validateEntry(entry('b', 'observe_delta', -5, 0))).toEqual([]);
    expect(validateEntry(entry('c', 'claim', 0, 2))).toEqual([]);
    expect(validateEntry(entry('d', 'release', 0, -2))).toEqual([]);
    expect(validateEntry(entry('e', 'settle', 0, -2))).toEqual([]);
    expect(validateEntry(entry('f', 'reconcile', -3, 1))).toEqual([]);
  });
  it('rejects mismatches, bad numbers, empty keys and unknown kinds', () => {
    expect(validateEntry(entry('a', 'observe_delta', 1, 1))).toEqual(['ledger entry a (observe_delta): claimedDelta must be 0']);
    expect(validateEntry(entry('b', 'release', 1, 2))).toEqual([
      'ledger entry b (release): availableDelta must be 0',
      'ledger entry b (release): claimedDelta must be negative',
    ]);
    expect(validateEntry(entry('c', 'settle', Number.NaN, -1))).toEqual([
      'ledger entry c.availableDelta: must be an integer, got NaN',
      'ledger entry c (settle): availableDelta must be 0',
    ]);
    expect(validateEntry(entry('', 'reconcile', 0, 0))).toEqual(['ledger entry: key must be a non-empty string']);
    expect(validateEntry({ ...entry('d', 'claim', 0, 1), kind: 'bogus' as LedgerEntry['kind'] })).toEqual(['ledger entry d.kind: unknown kind bogus']);
  });
});

// Valid entries of every kind, keys drawn from a small pool so duplicates are common.
const entryArb: fc.Arbitrary<LedgerEntry> = fc
  .oneof(
    fc.record({
      kind: fc.constantFrom('observe_absolute', 'observe_delta') as fc.Arbitrary<LedgerEntry['kind']>,
      a: fc.integer({ min: -1000, max: 1000 }),
      c: fc.constant(0),
    }),
    fc.record({ kind: fc.constant('claim' as const), a: fc.constant(0), c: fc.integer({ min: 1, max: 100 }) }),
    fc.record({ kind: fc.constantFrom('release', 'settle') as fc.Arbitrary<LedgerEntry['kind']>, a: fc.constant(0), c: fc.integer({ min: -100, max: -1 }) }),
    fc.record({ kind: fc.constant('reconcile' as const), a: fc.integer({ min: -1000, max: 1000 }), c: fc.integer({ min: -10, max: 10 }) }),
  )
  .chain((e) => fc.integer({ min: 0, max: 30 }).map((k) => entry(`key-${k}`, e.kind, e.a, e.c)));

const stockArb: fc.Arbitrary<SkuStock> = fc
  .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 100 }), fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { maxLength: 5 }))
  .map(([available, claimed, keys]) => ({ available, claimed, appliedKeys: new Set(keys.map((k) => `key-${k}`)) }));

describe('ledger properties', () => {
  it('applying one entry twice equals applying it once', () => {
    fc.assert(
      fc.property(stockArb, entryArb, (s, e) => {
        const once = applyEntry(s, e);
        expect(totals(applyEntry(once, e))).toEqual(totals(once));
      }),
    );
  });

  it('any order of distinct entries gives the same totals', () => {
    const distinct = fc.uniqueArray(entryArb, { selector: (e) => e.key, maxLength: 20 });
    fc.assert(
      fc.property(
        stockArb,
        distinct.chain((es) => fc.tuple(fc.constant(es), fc.shuffledSubarray(es, { minLength: es.length }))),
        (s, [es, shuffled]) => {
          const a = es.reduce(applyEntry, s);
          const b = shuffled.reduce(applyEntry, s);
          expect(totals(b)).toEqual(totals(a));
          // The totals are exactly the sums of the entries not applied before.
          const fresh = es.filter((e) => !s.appliedKeys.has(e.key));
          expect(a.available).toBe(s.available + fresh.reduce((n, e) => n + e.availableDelta, 0));
          expect(a.claimed).toBe(s.claimed + fresh.reduce((n, e) => n + e.claimedDelta, 0));
        },
      ),
    );
  });

  it('a stream with redeliveries equals the stream with each key once (first delivery wins)', () => {
    fc.assert(
      fc.property(stockArb, fc.array(entryArb, { maxLength: 40 }), (s, es) => {
        const seen = new Set<string>();
        const deduped = es.filter((e) => !seen.has(e.key) && (seen.add(e.key), true));
        expect(totals(es.reduce(applyEntry, s))).toEqual(totals(deduped.reduce(applyEntry, s)));
      }),
    );
  });

  it('applyEntries equals applying the entries one by one, and does not mutate its input', () => {
    fc.assert(
      fc.property(stockArb, fc.array(entryArb, { maxLength: 40 }), (s, es) => {
        const before = totals(s);
        expect(totals(applyEntries(s, es))).toEqual(totals(es.reduce(applyEntry, s)));
        expect(totals(s)).toEqual(before);
      }),
    );
  });

  it('applyEntries returns the same object when every entry was already applied', () => {
    const s = applyEntry(emptyStock(), entry('x', 'claim', 0, 1));
    expect(applyEntries(s, [entry('x', 'claim', 0, 1)])).toBe(s);
    expect(applyEntries(s, [])).toBe(s);
  });
});
