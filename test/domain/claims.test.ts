import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { claimCounts, nextClaimState, settlesClaim, type ClaimEvent, type ClaimState } from '../../src/domain/index.js';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, s));
const observe = (observedAt: Date, ackAt: Date | null): ClaimEvent => ({ type: 'warehouse_observation', observedAt, ackAt });

describe('nextClaimState', () => {
  it('cancel releases an open claim', () => {
    expect(nextClaimState('open', { type: 'cancel' })).toBe('released');
  });

  it('an observation taken at or after the acknowledgement settles the claim', () => {
    expect(nextClaimState('open', observe(t(11), t(10)))).toBe('settled');
    expect(nextClaimState('open', observe(t(10), t(10)))).toBe('settled');
  });

  it('an observation before or without an acknowledgement keeps it open', () => {
    expect(nextClaimState('open', observe(t(9), t(10)))).toBe('open');
    expect(nextClaimState('open', observe(t(11), null))).toBe('open');
    expect(nextClaimState('open', observe(new Date(Number.NaN), t(10)))).toBe('open');
  });

  it('settled and released are terminal: nothing resurrects or flips them', () => {
    for (const s of ['settled', 'released'] as const) {
      expect(nextClaimState(s, { type: 'cancel' })).toBe(s);
      expect(nextClaimState(s, observe(t(20), t(10)))).toBe(s);
      expect(nextClaimState(s, observe(t(5), null))).toBe(s);
    }
  });

  it('only an open claim counts against ATS', () => {
    expect(claimCounts('open')).toBe(true);
    expect(claimCounts('settled')).toBe(false);
    expect(claimCounts('released')).toBe(false);
  });

  it('settlesClaim compares instants, not objects', () => {
    expect(settlesClaim(new Date(t(10).getTime() + 1), t(10))).toBe(true);
    expect(settlesClaim(new Date(t(10).getTime()), t(10))).toBe(true);
    expect(settlesClaim(new Date(t(10).getTime() - 1), t(10))).toBe(false);
  });
});

const eventArb: fc.Arbitrary<ClaimEvent> = fc.oneof(
  fc.constant<ClaimEvent>({ type: 'cancel' }),
  fc.tuple(fc.integer({ min: 0, max: 50 }), fc.option(fc.integer({ min: 0, max: 50 }), { nil: null })).map(([o, a]) => observe(t(o), a === null ? null : t(a))),
);

describe('claim lifecycle properties', () => {
  it('over any event sequence: leaves open at most once, only by the rules, and never comes back', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
        let state: ClaimState = 'open';
        let left: ClaimState | undefined;
        for (const e of events) {
          const next = nextClaimState(state, e);
          if (left !== undefined) expect(next).toBe(left); // terminal
          if (state === 'open' && next !== 'open') {
            if (next === 'released') expect(e.type).toBe('cancel');
            if (next === 'settled') {
              expect(e.type).toBe('warehouse_observation');
              if (e.type === 'warehouse_observation') {
                expect(e.ackAt).not.toBeNull();
                expect(e.observedAt.getTime()).toBeGreaterThanOrEqual(e.ackAt!.getTime());
              }
            }
            left = next;
          }
          if (state === 'open' && next === 'open') {
            // Staying open is only allowed when the event could not end the claim.
            expect(e.type).toBe('warehouse_observation');
            if (e.type === 'warehouse_observation' && e.ackAt !== null) {
              expect(e.observedAt.getTime()).toBeLessThan(e.ackAt.getTime());
            }
          }
          state = next;
        }
      }),
    );
  });

  it('without an acknowledgement, no observation ever settles a claim', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }), (times) => {
        const end = times.reduce<ClaimState>((s, o) => nextClaimState(s, observe(t(o), null)), 'open');
        expect(end).toBe('open');
      }),
    );
  });
});
