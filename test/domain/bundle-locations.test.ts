// A bundle's stock by location never shows, over any set of locations, more bundles than
// the components there make once their unlocated claims are taken off.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bundleLocationStock } from '../../src/domain/bundle-locations.js';
import { atsOverSources, type LocationStock } from '../../src/domain/locations.js';

const LOCS = ['e/main', 'w/main', 's/store'];
const stockArb = fc.record({
  ats: fc.array(fc.integer({ min: -3, max: 20 }), { minLength: LOCS.length, maxLength: LOCS.length }),
  unlocated: fc.integer({ min: 0, max: 6 }),
});

describe('bundleLocationStock', () => {
  it('makes whole bundles per location', () => {
    const x: LocationStock = {
      atsAt: new Map([
        ['e/main', 5],
        ['w/main', 1],
      ]),
      unlocated: 0,
    };
    const y: LocationStock = {
      atsAt: new Map([
        ['e/main', 2],
        ['w/main', 9],
      ]),
      unlocated: 1,
    };
    const b = bundleLocationStock(
      [
        { sku: 'X', quantity: 2 },
        { sku: 'Y', quantity: 1 },
      ],
      (s) => (s === 'X' ? x : y),
    );
    expect([...b.atsAt]).toEqual([['e/main', 2]]);
    expect(b.unlocated).toBe(1);
  });

  it('over every set of locations, at most what each component makes there', () => {
    fc.assert(
      fc.property(
        fc.array(stockArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
        fc.subarray(LOCS, { minLength: 1 }),
        (stocks, qty, union) => {
          const components = stocks.map((_, i) => ({ sku: `C${i}`, quantity: qty[i]! }));
          const byId = new Map(stocks.map((s, i) => [`C${i}`, { atsAt: new Map(LOCS.map((l, k) => [l, s.ats[k]!])), unlocated: s.unlocated }]));
          const bundle = bundleLocationStock(components, (sku) => byId.get(sku));
          const shown = atsOverSources(union, bundle);
          for (const c of components) {
            const units = atsOverSources(union, byId.get(c.sku)!);
            expect(shown).toBeLessThanOrEqual(Math.max(0, Math.floor(units / c.quantity)));
          }
        },
      ),
    );
  });
});
