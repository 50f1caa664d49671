import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bundleAts,
  bundlesContaining,
  bundleUnitsShort,
  expandClaims,
  unitsShort,
  validateBundle,
  type BundleComponent,
  type ComponentClaim,
  type OrderLine,
  type Sku,
} from '../../src/domain/index.js';

const bundles = new Map<Sku, readonly BundleComponent[]>([
  [
    'KIT',
    [
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 1 },
    ],
  ],
  ['PAIR', [{ sku: 'A', quantity: 2 }]],
]);

describe('expandClaims', () => {
  it('a bundle line claims quantity * q of each component; a plain line claims itself; nothing merged', () => {
    const lines: OrderLine[] = [
      { sku: 'KIT', quantity: 3 },
      { sku: 'A', quantity: 1 },
      { sku: 'A', quantity: 4 },
    ];
    expect(expandClaims(lines, bundles)).toEqual<ComponentClaim[]>([
      { lineIndex: 0, sku: 'A', quantity: 6 },
      { lineIndex: 0, sku: 'B', quantity: 3 },
      { lineIndex: 1, sku: 'A', quantity: 1 },
      { lineIndex: 2, sku: 'A', quantity: 4 },
    ]);
  });

  it('rejects a bad line quantity naming the line', () => {
    expect(() =>
      expandClaims(
        [
          { sku: 'A', quantity: 1 },
          { sku: 'A', quantity: -1 },
        ],
        bundles,
      ),
    ).toThrow('lines[1].quantity: must be a positive integer, got -1');
    expect(() => expandClaims([{ sku: 'A', quantity: 2.5 }], bundles)).toThrow(/^lines\[0\]\.quantity: /);
  });

  it('property: total claimed per SKU = plain quantities + sum of q * bundle quantities', () => {
    const line = fc.record({
      sku: fc.constantFrom('KIT', 'PAIR', 'A', 'B', 'C'),
      quantity: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), (lines) => {
        const claims = expandClaims(lines, bundles);
        const totals = new Map<Sku, number>();
        for (const c of claims) totals.set(c.sku, (totals.get(c.sku) ?? 0) + c.quantity);
        const expected = new Map<Sku, number>();
        lines.forEach((l) => {
          for (const c of bundles.get(l.sku) ?? [{ sku: l.sku, quantity: 1 }]) {
            expected.set(c.sku, (expected.get(c.sku) ?? 0) + l.quantity * c.quantity);
          }
        });
        expect(totals).toEqual(expected);
        // One claim per line per component, each traced to its line.
        const perLine = lines.map((l) => (bundles.get(l.sku) ?? [l]).length);
        expect(claims.length).toBe(perLine.reduce((a, b) => a + b, 0));
        for (const c of claims) expect(c.lineIndex).toBeLessThan(lines.length);
      }),
    );
  });
});

describe('bundles and component claims stay consistent', () => {
  const compArb = fc
    .uniqueArray(fc.constantFrom('A', 'B', 'C', 'D'), { minLength: 1, maxLength: 4 })
    .chain((skus) =>
      fc.tuple(
        fc.constant(skus),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: skus.length, maxLength: skus.length }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: skus.length, maxLength: skus.length }),
      ),
    )
    .map(([skus, qs, stock]) => ({
      components: skus.map((sku, i) => ({ sku, quantity: qs[i] ?? 1 })),
      ats: new Map(skus.map((sku, i) => [sku, stock[i] ?? 0] as const)),
    }));

  function claimFrom(ats: Map<Sku, number>, claims: ComponentClaim[]): Map<Sku, number> {
    const after = new Map(ats);
    for (const c of claims) after.set(c.sku, (after.get(c.sku) ?? 0) - c.quantity);
    return after;
  }

  it('property: claiming k <= bundle ATS bundles through components lowers bundle ATS by exactly k', () => {
    fc.assert(
      fc.property(compArb, fc.integer({ min: 1, max: 200 }), ({ components, ats }, kSeed) => {
        const b = bundleAts(ats, components);
        fc.pre(b >= 1);
        const k = 1 + (kSeed % b);
        const map = new Map([['BUNDLE', components]]);
        const after = claimFrom(ats, expandClaims([{ sku: 'BUNDLE', quantity: k }], map));
        expect(bundleAts(after, components)).toBe(b - k);
      }),
    );
  });

  it('property: claiming k bundles leaves exactly max(0, k - bundle ATS) bundle units short', () => {
    fc.assert(
      fc.property(compArb, fc.integer({ min: 1, max: 300 }), ({ components, ats }, k) => {
        const b = bundleAts(ats, components);
        const claims = expandClaims([{ sku: 'BUNDLE', quantity: k }], new Map([['BUNDLE', components]]));
        const after = claimFrom(ats, claims);
        const short = new Map(claims.map((c) => [c.sku, unitsShort(after.get(c.sku) ?? 0, c.quantity)] as const));
        expect(bundleUnitsShort(short, components, k)).toBe(Math.max(0, k - b));
        expect(bundleAts(after, components)).toBe(Math.max(0, b - k));
      }),
    );
  });

  it('property: a plain sale of a component lowers the bundle ATS to what the rest can make', () => {
    fc.assert(
      fc.property(compArb, fc.integer({ min: 1, max: 50 }), ({ components, ats }, units) => {
        const first = components[0]!;
        const before = bundleAts(ats, components);
        const after = claimFrom(ats, expandClaims([{ sku: first.sku, quantity: units }], new Map()));
        const b = bundleAts(after, components);
        expect(b).toBeLessThanOrEqual(before);
        expect(b).toBe(Math.min(before, Math.max(0, Math.floor((after.get(first.sku) ?? 0) / first.quantity))));
      }),
    );
  });
});

describe('bundleUnitsShort', () => {
  const kit: BundleComponent[] = [
    { sku: 'A', quantity: 2 },
    { sku: 'B', quantity: 1 },
  ];
  it('is the worst component in bundle units, capped at the ordered quantity', () => {
    expect(bundleUnitsShort(new Map(), kit, 3)).toBe(0);
    expect(bundleUnitsShort(new Map([['A', 1]]), kit, 3)).toBe(1); // half a pair missing = one kit
    expect(
      bundleUnitsShort(
        new Map([
          ['A', 3],
          ['B', 1],
        ]),
        kit,
        3,
      ),
    ).toBe(2);
    expect(
      bundleUnitsShort(
        new Map([
          ['A', 6],
          ['B', 3],
        ]),
        kit,
        3,
      ),
    ).toBe(3);
    expect(bundleUnitsShort(new Map([['B', 99]]), kit, 3)).toBe(3);
  });
});

describe('bundlesContaining', () => {
  it('returns the bundles with any of the changed SKUs as a component', () => {
    expect(bundlesContaining(['A'], bundles)).toEqual(new Set(['KIT', 'PAIR']));
    expect(bundlesContaining(['B', 'Z'], bundles)).toEqual(new Set(['KIT']));
    expect(bundlesContaining(['Z'], bundles)).toEqual(new Set());
    expect(bundlesContaining(new Set<Sku>(), bundles)).toEqual(new Set());
  });
});

describe('validateBundle', () => {
  it('accepts a valid bundle', () => {
    expect(
      validateBundle(
        'KIT',
        [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 1 },
        ],
        bundles,
      ),
    ).toEqual([]);
  });

  it('reports every problem in a readable sentence', () => {
    const problems = validateBundle(
      'KIT',
      [
        { sku: 'KIT', quantity: 1 },
        { sku: 'A', quantity: 0 },
        { sku: 'A', quantity: 1.5 },
        { sku: 'PAIR', quantity: 1 },
        { sku: '', quantity: -2 },
      ],
      bundles,
    );
    expect(problems).toEqual([
      'bundle KIT: components[0]: a bundle cannot contain itself',
      'bundle KIT: components[1].quantity: must be a positive integer, got 0',
      'bundle KIT: components[2]: duplicate component A; give it once with the total quantity',
      'bundle KIT: components[2].quantity: must be a positive integer, got 1.5',
      'bundle KIT: components[3]: PAIR is itself a bundle; nested bundles are not allowed, list its components instead',
      'bundle KIT: components[4].sku: must be a non-empty SKU',
      'bundle KIT: components[4].quantity: must be a positive integer, got -2',
    ]);
  });

  it('rejects an empty bundle', () => {
    expect(validateBundle('EMPTY', [])).toEqual(['bundle EMPTY: has no components']);
  });

  it('accepts a Set of bundle SKUs to detect nesting', () => {
    expect(validateBundle('BIG', [{ sku: 'KIT', quantity: 1 }], new Set(['KIT']))).toHaveLength(1);
  });
});
