// When an Amazon push may skip reading the count first (src/domain/push-read.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countIsCurrent, FRESH_COUNT_MS, knownAgoMs, type KnownCount } from '../../src/domain/push-read.js';

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

  it('orders ingested since an old count confirm it, unless a sale was recorded since or the cursor is old too', () => {
    const old: KnownCount = { ...current, confirmedAgoMs: 60_000 };
    expect(countIsCurrent(old)).toBe(false);
    expect(countIsCurrent({ ...old, ordersIngestedAgoMs: 2_000 })).toBe(true);
    expect(countIsCurrent({ ...old, ordersIngestedAgoMs: 2_000, verify: true })).toBe(false); // a sale recorded since
    expect(countIsCurrent({ ...old, ordersIngestedAgoMs: FRESH_COUNT_MS + 1 })).toBe(false);
    expect(countIsCurrent({ ...old, ordersIngestedAgoMs: -5 })).toBe(false); // a cursor in our future vouches for nothing
    expect(countIsCurrent({ ...old, confirmedAgoMs: null, ordersIngestedAgoMs: 2_000 })).toBe(false); // never acknowledged
  });

  it('the count is known as of the later of its acknowledgement and the orders cursor (property)', () => {
    const ago = fc.option(fc.integer({ min: -1_000, max: 120_000 }), { nil: null });
    fc.assert(
      fc.property(ago, ago, (confirmedAgoMs, ordersIngestedAgoMs) => {
        const known = knownAgoMs({ ...current, confirmedAgoMs, ordersIngestedAgoMs });
        if (confirmedAgoMs === null || confirmedAgoMs < 0) expect(known).toBe(confirmedAgoMs);
        else if (ordersIngestedAgoMs === null || ordersIngestedAgoMs < 0) expect(known).toBe(confirmedAgoMs);
        else expect(known).toBe(Math.min(confirmedAgoMs, ordersIngestedAgoMs));
        // never fresher than either source that vouches for it
        if (known !== null && known >= 0) expect(known === confirmedAgoMs || known === ordersIngestedAgoMs).toBe(true);
      }),
    );
  });
});
