import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocatePools, mergePolicy, targetFor, targetsForSku, validatePolicy, type BufferPolicy, type ChannelPolicy } from '../../src/domain/index.js';

// The worked example from the brief: ATS 100, 10 units reserved for wholesale; Shopify holds
// back 20% of the shared remainder and 3 units, shows 0 below 5, never more than 50.
const wholesale: ChannelPolicy = { connectionId: 'wholesale', policy: { reserve: 10 } };
const shopify: ChannelPolicy = {
  connectionId: 'shopify',
  policy: { holdBackPercent: 20, holdBackUnits: 3, zeroBelow: 5, maxCap: 50 },
};
const amazon: ChannelPolicy = { connectionId: 'amazon', policy: { holdBackPercent: 20, holdBackUnits: 3 } };

describe('buffer policy, step by step (worked example)', () => {
  it('step 1, reserved pools: wholesale gets its 10, 90 are shared', () => {
    const { pools, shared } = allocatePools(100, [
      { connectionId: 'wholesale', reserve: 10 },
      { connectionId: 'shopify', reserve: 0 },
    ]);
    expect([...pools]).toEqual([
      ['wholesale', 10],
      ['shopify', 0],
    ]);
    expect(shared).toBe(90);
  });

  it('step 2, percent of the shared remainder: floor(90 * 80 / 100) = 72', () => {
    expect(targetFor(0, 90, { holdBackPercent: 20 })).toBe(72);
    expect(targetFor(0, 9, { holdBackPercent: 20 })).toBe(7); // 7.2 rounded down
    expect(targetFor(10, 90, { holdBackPercent: 20 })).toBe(82); // the own pool is never percent-held
  });

  it('step 3, fixed units: 72 - 3 = 69, clamped at 0', () => {
    expect(targetFor(0, 90, { holdBackPercent: 20, holdBackUnits: 3 })).toBe(69);
    expect(targetFor(0, 2, { holdBackPercent: 20, holdBackUnits: 3 })).toBe(0);
  });

  it('step 4, zero-below: 69 stays; 4 becomes 0; exactly 5 stays', () => {
    expect(targetFor(0, 90, { holdBackPercent: 20, holdBackUnits: 3, zeroBelow: 5 })).toBe(69);
    expect(targetFor(0, 9, { holdBackPercent: 20, holdBackUnits: 3, zeroBelow: 5 })).toBe(0); // 7 - 3 = 4 < 5
    expect(targetFor(0, 10, { holdBackPercent: 20, holdBackUnits: 3, zeroBelow: 5 })).toBe(5); // 8 - 3 = 5
  });

  it('step 5, maximum cap: 69 capped to 50; zero-below is checked before the cap', () => {
    expect(targetFor(0, 90, shopify.policy)).toBe(50);
    // cap below the threshold: zero-below applies to the uncapped value, then the cap.
    expect(targetFor(0, 90, { zeroBelow: 10, maxCap: 3 })).toBe(3);
  });

  it('all channels at ATS 100: wholesale sees its pool plus the shared rest; the others never see the pool', () => {
    expect(targetsForSku(100, [wholesale, shopify, amazon])).toEqual(
      new Map([
        ['wholesale', 100],
        ['shopify', 50],
        ['amazon', 69],
      ]),
    );
  });

  it('low stock: the pool is filled first, then zero-below hides the crumbs', () => {
    expect(targetsForSku(19, [wholesale, shopify, amazon])).toEqual(
      new Map([
        ['wholesale', 19],
        ['shopify', 0],
        ['amazon', 4],
      ]), // shared 9 -> 7 - 3 = 4
    );
    expect(targetsForSku(5, [wholesale, shopify, amazon])).toEqual(
      new Map([
        ['wholesale', 5],
        ['shopify', 0],
        ['amazon', 0],
      ]),
    );
  });

  it('zero and negative ATS show 0 everywhere', () => {
    for (const a of [0, -4]) {
      expect(targetsForSku(a, [wholesale, shopify, amazon])).toEqual(
        new Map([
          ['wholesale', 0],
          ['shopify', 0],
          ['amazon', 0],
        ]),
      );
    }
  });

  it('pool priority follows the channel order when stock is short', () => {
    const a: ChannelPolicy = { connectionId: 'a', policy: { reserve: 8 } };
    const b: ChannelPolicy = { connectionId: 'b', policy: { reserve: 8 } };
    expect([
      ...allocatePools(10, [
        { connectionId: 'a', reserve: 8 },
        { connectionId: 'b', reserve: 8 },
      ]).pools,
    ]).toEqual([
      ['a', 8],
      ['b', 2],
    ]);
    expect(targetsForSku(10, [a, b])).toEqual(
      new Map([
        ['a', 8],
        ['b', 2],
      ]),
    );
    expect(targetsForSku(10, [b, a])).toEqual(
      new Map([
        ['b', 8],
        ['a', 2],
      ]),
    );
  });

  it('an empty policy shows all of ATS', () => {
    expect(targetFor(0, 42, {})).toBe(42);
    expect(targetsForSku(42, [{ connectionId: 'x', policy: {} }])).toEqual(new Map([['x', 42]]));
  });

  it('a duplicate connection is rejected', () => {
    expect(() => targetsForSku(10, [wholesale, wholesale])).toThrow(/reserves\[1\]\.connectionId: duplicate connection wholesale/);
  });
});

describe('mergePolicy', () => {
  it('the override wins field by field; undefined fields keep the base', () => {
    const base: BufferPolicy = { reserve: 5, holdBackPercent: 10, maxCap: 100 };
    expect(mergePolicy(base, { holdBackPercent: 0, zeroBelow: 2, maxCap: undefined })).toEqual({
      reserve: 5,
      holdBackPercent: 0,
      zeroBelow: 2,
      maxCap: 100,
    });
    expect(mergePolicy(base)).toEqual(base);
    expect(mergePolicy({}, {})).toEqual({});
  });
});

describe('validatePolicy', () => {
  it('accepts valid policies', () => {
    expect(validatePolicy({})).toEqual([]);
    expect(validatePolicy({ reserve: 0, holdBackPercent: 100, holdBackUnits: 3, zeroBelow: 5, maxCap: 0 })).toEqual([]);
  });
  it('reports each bad field', () => {
    expect(validatePolicy({ reserve: -1, holdBackPercent: 101, holdBackUnits: 1.5, zeroBelow: Number.NaN, maxCap: 2e9 })).toEqual([
      'reserve: must not be negative, got -1',
      'holdBackPercent: must be between 0 and 100, got 101',
      'holdBackUnits: must be an integer, got 1.5',
      'zeroBelow: must be an integer, got NaN',
      'maxCap: must be at most 1000000000, got 2000000000',
    ]);
    expect(validatePolicy({ holdBackPercent: -5 })).toEqual(['holdBackPercent: must be between 0 and 100, got -5']);
  });
});

// --- properties ---------------------------------------------------------------------------

const optInt = (min: number, max: number) => fc.option(fc.integer({ min, max }), { nil: undefined });
const validPolicy: fc.Arbitrary<BufferPolicy> = fc.record({
  reserve: optInt(0, 300),
  holdBackPercent: optInt(0, 100),
  holdBackUnits: optInt(0, 300),
  zeroBelow: optInt(0, 300),
  maxCap: optInt(0, 1000),
});
// Policies nobody validated: negatives, fractions, NaN, infinities. The invariants must still hold.
const wild = fc.option(fc.oneof(fc.integer({ min: -500, max: 500 }), fc.double({ min: -500, max: 500 }), fc.constantFrom(Number.NaN, Infinity, -Infinity)), {
  nil: undefined,
});
const wildPolicy: fc.Arbitrary<BufferPolicy> = fc.record({
  reserve: wild,
  holdBackPercent: wild,
  holdBackUnits: wild,
  zeroBelow: wild,
  maxCap: wild,
});
const channelsOf = (policy: fc.Arbitrary<BufferPolicy>) =>
  fc
    .uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 })
    .chain((ids) => fc.tuple(...ids.map((id) => policy.map((p): ChannelPolicy => ({ connectionId: id, policy: p })))));
const atsArb = fc.integer({ min: -1000, max: 2000 });

describe('buffer properties', () => {
  for (const [name, policy] of [
    ['valid', validPolicy],
    ['unvalidated', wildPolicy],
  ] as const) {
    it(`a target is an integer, never negative and never above max(ATS, 0) (${name} policies)`, () => {
      fc.assert(
        fc.property(atsArb, channelsOf(policy), (ats, channels) => {
          for (const t of targetsForSku(ats, channels).values()) {
            expect(Number.isInteger(t)).toBe(true);
            expect(t).toBeGreaterThanOrEqual(0);
            expect(t).toBeLessThanOrEqual(Math.max(ats, 0));
          }
        }),
      );
    });

    it(`reserved pools together never exceed max(ATS, 0), and pools + shared = max(ATS, 0) (${name})`, () => {
      fc.assert(
        fc.property(atsArb, channelsOf(policy), (ats, channels) => {
          const { pools, shared } = allocatePools(
            ats,
            channels.map((c) => ({ connectionId: c.connectionId, reserve: c.policy.reserve ?? 0 })),
          );
          const sum = [...pools.values()].reduce((a, b) => a + b, 0);
          for (const p of pools.values()) expect(p).toBeGreaterThanOrEqual(0);
          expect(sum).toBeLessThanOrEqual(Math.max(ats, 0));
          expect(shared).toBeGreaterThanOrEqual(0);
          expect(sum + shared).toBe(Math.max(ats, 0));
        }),
      );
    });

    it(`each channel's target never exceeds its own pool + shared; no other channel sees that pool (${name})`, () => {
      fc.assert(
        fc.property(atsArb, channelsOf(policy), (ats, channels) => {
          const { pools, shared } = allocatePools(
            ats,
            channels.map((c) => ({ connectionId: c.connectionId, reserve: c.policy.reserve ?? 0 })),
          );
          const targets = targetsForSku(ats, channels);
          for (const c of channels) {
            const own = pools.get(c.connectionId) ?? 0;
            expect(targets.get(c.connectionId)).toBeLessThanOrEqual(own + shared);
            expect(targets.get(c.connectionId)).toBe(targetFor(own, shared, c.policy));
          }
        }),
      );
    });

    it(`monotonicity: more ATS never lowers any target, pools included (${name})`, () => {
      fc.assert(
        fc.property(atsArb, fc.integer({ min: 0, max: 500 }), channelsOf(policy), (ats, more, channels) => {
          const low = targetsForSku(ats, channels);
          const high = targetsForSku(ats + more, channels);
          for (const c of channels) expect(high.get(c.connectionId)!).toBeGreaterThanOrEqual(low.get(c.connectionId)!);
        }),
      );
    });
  }

  it('monotonicity for one policy without pools: more shared stock never lowers the target', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 500 }), validPolicy, (s, more, p) => {
        expect(targetFor(0, s + more, p)).toBeGreaterThanOrEqual(targetFor(0, s, p));
      }),
    );
  });

  it('holding back more (percent or units) never raises the target', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 2000 }), validPolicy, fc.integer({ min: 0, max: 50 }), (own, s, p, extra) => {
        const base = targetFor(own, s, p);
        expect(targetFor(own, s, { ...p, holdBackUnits: (p.holdBackUnits ?? 0) + extra })).toBeLessThanOrEqual(base);
        expect(targetFor(own, s, { ...p, holdBackPercent: Math.min(100, (p.holdBackPercent ?? 0) + extra) })).toBeLessThanOrEqual(base);
      }),
    );
  });

  it('a per-SKU override merged onto a valid policy is still valid', () => {
    fc.assert(
      fc.property(validPolicy, validPolicy, (base, override) => {
        expect(validatePolicy(mergePolicy(base, override))).toEqual([]);
      }),
    );
  });
});
