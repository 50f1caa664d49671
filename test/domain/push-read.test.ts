// When an Amazon push may skip reading the count first (src/domain/push-read.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countIsCurrent, FRESH_COUNT_MS, type KnownCount } from '../../src/domain/push-read.js';

const current: KnownCount = { pushed: 10, verify: false, unrecordedSales: 0, raiseHeld: false, confirmedAgoMs: 1_000 };

describe('countIsCurrent', () => {
  it('holds for a count acknowledged just now with no sale recorded since', () => {
    expect(countIsCurrent(current)).toBe(true);
    expect(countIsCurrent({ ...current, confirmedAgoMs: FRESH_COUNT_MS })).toBe(true);
  });

  it('fails on any sign that the channel may have sold unaccounted', () => {
    expect(countIsCurrent({ ...current, pushed: null })).toBe(false); // never pushed
    expect(countIsCurrent({ ...current, verify: true })).toBe(false); // a sale recorded since: inferred count
    expect(countIsCurrent({ ...current, unrecordedSales: 2 })).toBe(false); // a read found sales not recorded
    expect(countIsCurrent({ ...current, raiseHeld: true })).toBe(false);
    expect(countIsCurrent({ ...current, confirmedAgoMs: FRESH_COUNT_MS + 1 })).toBe(false); // older than the overwrite window allows
    expect(countIsCurrent({ ...current, confirmedAgoMs: null })).toBe(false);
    expect(countIsCurrent({ ...current, confirmedAgoMs: -5 })).toBe(false); // clocks disagree: not vouched for
  });

  it('any one sign of an unaccounted sale, added to a current count, makes it not current (property)', () => {
    const spoilers: ((k: KnownCount) => KnownCount)[] = [
      (k) => ({ ...k, pushed: null }),
      (k) => ({ ...k, verify: true }),
      (k) => ({ ...k, unrecordedSales: k.unrecordedSales + 1 }),
      (k) => ({ ...k, raiseHeld: true }),
      (k) => ({ ...k, confirmedAgoMs: FRESH_COUNT_MS + 1 + (k.confirmedAgoMs ?? 0) }),
    ];
    fc.assert(
      fc.property(fc.nat(1000), fc.integer({ min: 0, max: FRESH_COUNT_MS }), fc.constantFrom(...spoilers), (pushed, ago, spoil) => {
        const k: KnownCount = { pushed, verify: false, unrecordedSales: 0, raiseHeld: false, confirmedAgoMs: ago };
        expect(countIsCurrent(k)).toBe(true);
        expect(countIsCurrent(spoil(k))).toBe(false);
      }),
    );
  });
});
