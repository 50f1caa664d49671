import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ats, bundleAts, unitsShort, type BundleComponent } from '../../src/domain/index.js';

describe('ats', () => {
  it('is available minus open claims, negative after an oversell', () => {
    expect(ats({ available: 10, claimed: 3 })).toBe(7);
    expect(ats({ available: 2, claimed: 5 })).toBe(-3);
  });
});

describe('bundleAts', () => {
  const kit: BundleComponent[] = [
    { sku: 'A', quantity: 2 },
    { sku: 'B', quantity: 1 },
  ];

  it('is the minimum over components of floor(ATS / q)', () => {
    expect(
      bundleAts(
        new Map([
          ['A', 7],
          ['B', 10],
        ]),
        kit,
      ),
    ).toBe(3);
    expect(
      bundleAts(
        new Map([
          ['A', 100],
          ['B', 4],
        ]),
        kit,
      ),
    ).toBe(4);
  });

  it('is 0 when a component is missing, oversold, or there are no components', () => {
    expect(bundleAts(new Map([['A', 7]]), kit)).toBe(0);
    expect(
      bundleAts(
        new Map([
          ['A', -3],
          ['B', 10],
        ]),
        kit,
      ),
    ).toBe(0);
    expect(
      bundleAts(
        new Map([
          ['A', 1],
          ['B', 10],
        ]),
        kit,
      ),
    ).toBe(0);
    expect(bundleAts(new Map(), [])).toBe(0);
  });

  it('treats a non-positive component quantity as unsellable rather than dividing by it', () => {
    expect(bundleAts(new Map([['A', 5]]), [{ sku: 'A', quantity: 0 }])).toBe(0);
    expect(bundleAts(new Map([['A', 5]]), [{ sku: 'A', quantity: -1 }])).toBe(0);
  });

  it('property: never negative, and never more than any single component can make', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ats: fc.integer({ min: -1000, max: 1000 }), q: fc.integer({ min: 1, max: 10 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        (parts) => {
          const map = new Map(parts.map((p, i) => [`C${i}`, p.ats] as const));
          const comps = parts.map((p, i) => ({ sku: `C${i}`, quantity: p.q }));
          const b = bundleAts(map, comps);
          expect(b).toBeGreaterThanOrEqual(0);
          expect(Number.isInteger(b)).toBe(true);
          for (const p of parts) expect(b * p.q).toBeLessThanOrEqual(Math.max(p.ats, 0));
          // ...and it is the largest such number: one more bundle would need more than some component has.
          expect(parts.some((p) => (b + 1) * p.q > p.ats)).toBe(true);
        },
      ),
    );
  });
});

describe('unitsShort', () => {
  it('counts only the units of this claim not covered', () => {
    expect(unitsShort(5, 3)).toBe(0); // covered
    expect(unitsShort(0, 3)).toBe(0); // exactly the last units
    expect(unitsShort(-3, 5)).toBe(3); // 2 covered, 3 short
    expect(unitsShort(-9, 5)).toBe(5); // already oversold: all of it
  });

  it('property: claims one after another from ATS a >= 0 are short by max(0, total - a) in all', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 60 }), (a, qs) => {
        let current = a;
        let short = 0;
        for (const q of qs) {
          current -= q;
          const s = unitsShort(current, q);
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(q);
          short += s;
        }
        const total = qs.reduce((x, y) => x + y, 0);
        expect(short).toBe(Math.max(0, total - a));
      }),
    );
  });

  it('50 single-unit orders against 10 units: 10 covered, 40 short', () => {
    let current = 10;
    let shortOrders = 0;
    for (let i = 0; i < 50; i++) {
      current -= 1;
      if (unitsShort(current, 1) > 0) shortOrders++;
    }
    expect(shortOrders).toBe(40);
  });
});
