import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bufferPolicyArb, channelStatesArb } from './arbitraries.js';
import {
  planSkuTargets,
  planSourcedTargets,
  sourceSets,
  MAX_SOURCE_SETS,
  type BufferPolicy,
  type LocationStock,
  type SourcedChannelState,
} from '../../src/domain/index.js';

// Property runs: modest by default (npm test stays fast); STOCKSYNC_PROPERTY_RUNS=2000 for a deep local run.
const RUNS = Number(process.env.STOCKSYNC_PROPERTY_RUNS ?? 200);

const LOCATIONS = ['east/main', 'west/main', 'store/shop', 'drop/feed'] as const;

const policyArb = bufferPolicyArb;

const stockArb: fc.Arbitrary<LocationStock> = fc
  .record({
    ats: fc.array(fc.integer({ min: -5, max: 40 }), { minLength: LOCATIONS.length, maxLength: LOCATIONS.length }),
    unlocated: fc.integer({ min: 0, max: 5 }),
  })
  .map(({ ats, unlocated }) => ({ atsAt: new Map(LOCATIONS.map((l, i) => [l, ats[i]!])), unlocated }));

const channelsArb = (policy: fc.Arbitrary<BufferPolicy>, sources: fc.Arbitrary<string[]>, max = 5) =>
  channelStatesArb(policy, { max, maxExposure: 120, extra: { appliesLater: fc.boolean(), unrecordedSales: fc.integer({ min: 0, max: 3 }), sources } });

const someSources = fc.shuffledSubarray([...LOCATIONS], { minLength: 1 });

/** cap(U) straight from the words: the ATS at U, less unlocated claims and the unrecorded sales that may have come from U. */
function capOf(union: Set<string>, stock: LocationStock, channels: readonly SourcedChannelState[]): number {
  if (union.size === 0) return 0;
  let units = -stock.unlocated;
  for (const l of union) units += stock.atsAt.get(l) ?? 0;
  for (const c of channels) if (c.sources.some((l) => union.has(l))) units -= c.unrecordedSales ?? 0;
  return Math.max(0, units);
}

/** Every subset of channels (by bit mask) with the union of its sources. */
function* subsets<T extends { sources: readonly string[] }>(channels: readonly T[]): Generator<{ members: T[]; union: Set<string> }> {
  for (let mask = 1; mask < 1 << channels.length; mask++) {
    const members = channels.filter((_, i) => mask & (1 << i));
    yield { members, union: new Set(members.flatMap((c) => [...c.sources])) };
  }
}

describe('planSourcedTargets reduces to planSkuTargets', () => {
  it('gives the same plan when every channel has the same sources (in any order)', () => {
    const sameSources = fc
      .tuple(stockArb, someSources, fc.integer({ min: 1, max: 5 }), fc.boolean())
      .chain(([stock, sources, n, was]) =>
        fc.tuple(
          fc.constant(stock),
          fc.constant(sources),
          channelsArb(policyArb(), fc.shuffledSubarray(sources, { minLength: sources.length }), n),
          fc.constant(was),
        ),
      );
    fc.assert(
      fc.property(sameSources, ([stock, sources, channels, was]) => {
        const ats = sources.reduce((sum, l) => sum + stock.atsAt.get(l)!, -stock.unlocated);
        const today = planSkuTargets(ats, channels, was);
        const sourced = planSourcedTargets(stock, channels, was);
        expect(sourced.targets).toEqual(today.targets);
        expect(sourced.held).toEqual(today.held);
        expect(sourced.partitioned).toBe(today.partitioned);
        expect(sourced.unitsAtRisk).toBe(today.unitsAtRisk);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

describe('partitioning across overlapping sources', () => {
  const partitionedChannels = channelsArb(policyArb('partitioned'), someSources, 6);

  it('for every set of channels, their counts add up to at most the stock that can serve them', () => {
    fc.assert(
      fc.property(stockArb, partitionedChannels, fc.boolean(), (stock, channels, was) => {
        const plan = planSourcedTargets(stock, channels, was);
        for (const { members, union } of subsets(channels)) {
          const shown = members.reduce((sum, c) => sum + plan.targets.get(c.connectionId)!, 0);
          expect(shown).toBeLessThanOrEqual(capOf(union, stock, channels));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a raise fits beside what every other channel may still sell, over every set it belongs to', () => {
    fc.assert(
      fc.property(stockArb, partitionedChannels, fc.boolean(), (stock, channels, was) => {
        const plan = planSourcedTargets(stock, channels, was);
        const commitment = (c: SourcedChannelState) => {
          const t = plan.targets.get(c.connectionId)!;
          return c.appliesLater && t !== c.exposure ? c.exposure + t : Math.max(c.exposure, t);
        };
        for (const raised of channels.filter((c) => commitment(c) > c.exposure)) {
          for (const { members, union } of subsets(channels)) {
            if (!members.includes(raised)) continue;
            expect(members.reduce((sum, c) => sum + commitment(c), 0)).toBeLessThanOrEqual(capOf(union, stock, channels));
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('never a negative target, never above the shared target (any modes)', () => {
    fc.assert(
      fc.property(stockArb, channelsArb(policyArb(), someSources, 6), fc.boolean(), (stock, channels, was) => {
        const plan = planSourcedTargets(stock, channels, was);
        const shared = planSourcedTargets(
          stock,
          channels.map((c) => ({ ...c, policy: { ...c.policy, mode: 'shared' as const } })),
          was,
        );
        for (const c of channels) {
          expect(plan.targets.get(c.connectionId)).toBeGreaterThanOrEqual(0);
          expect(plan.targets.get(c.connectionId)).toBeLessThanOrEqual(shared.targets.get(c.connectionId)!);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('uses every unit it can: with nothing in flight and no buffers, no channel could show one more', () => {
    const plain = channelsArb(fc.constant<BufferPolicy>({ mode: 'partitioned' }), someSources, 6).map((cs) => cs.map((c) => ({ ...c, exposure: 0 })));
    fc.assert(
      fc.property(stockArb, plain, (stock, channels) => {
        const plan = planSourcedTargets(stock, channels, true);
        for (const c of channels) {
          const blocked = [...subsets(channels)].some(
            ({ members, union }) =>
              members.includes(c) && members.reduce((sum, m) => sum + plan.targets.get(m.connectionId)!, 1) > capOf(union, stock, channels),
          );
          expect(blocked).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('examples', () => {
  const ch = (id: string, sources: string[], velocity = 0, policy: BufferPolicy = { mode: 'partitioned' }): SourcedChannelState => ({
    connectionId: id,
    policy,
    velocity,
    loweringLatencyMs: 1_000,
    exposure: 0,
    sources,
  });
  const stock = (east: number, west: number): LocationStock => ({
    atsAt: new Map([
      ['east/main', east],
      ['west/main', west],
    ]),
    unlocated: 0,
  });
  const targets = (plan: { targets: Map<string, number> }) => Object.fromEntries(plan.targets);

  it('a channel that reaches more stock is not held to what the shared location allows', () => {
    // Amazon EU sells only from west; Shopify from both: Shopify shows east's 10, Amazon west's 10.
    const plan = planSourcedTargets(stock(10, 10), [ch('shopify', ['east/main', 'west/main']), ch('amazon-eu', ['west/main'])], true);
    expect(targets(plan)).toEqual({ shopify: 10, 'amazon-eu': 10 });
    // With only west stocked they share it evenly (same weight).
    const scarce = planSourcedTargets(stock(0, 10), [ch('shopify', ['east/main', 'west/main']), ch('amazon-eu', ['west/main'])], true);
    expect(targets(scarce)).toEqual({ shopify: 5, 'amazon-eu': 5 });
  });

  it('a channel held by its own sources stops there; the others share the rest', () => {
    // east 2, west 10; woo sells from east only, amazon from west only, shopify from both, all
    // at the same pace: an even split would be 4 each, but woo reaches 2 only; the other two
    // share the remaining 10. Velocity weighs where channels compete: Shopify 3x as fast takes
    // 10 x 0.53 / (0.53 + 0.23) = 6.96 of them (weights: a quarter even, the rest by velocity).
    const channels = (v: number) => [ch('woo', ['east/main'], 1), ch('shopify', ['east/main', 'west/main'], v), ch('amazon', ['west/main'], 1)];
    expect(targets(planSourcedTargets(stock(2, 10), channels(1), true))).toEqual({ woo: 2, shopify: 5, amazon: 5 });
    expect(targets(planSourcedTargets(stock(2, 10), channels(3), true))).toEqual({ woo: 2, shopify: 7, amazon: 3 });
  });

  it('a reserve comes from its channel sources only', () => {
    const wholesale = ch('wholesale', ['east/main'], 0, { mode: 'partitioned', reserve: 8 });
    const plan = planSourcedTargets(stock(5, 10), [wholesale, ch('shopify', ['east/main', 'west/main'])], true);
    // wholesale can reserve only east's 5; Shopify keeps west's 10
    expect(targets(plan)).toEqual({ wholesale: 5, shopify: 10 });
  });

  it('adaptive: scarce where channels compete for little stock, though the SKU has plenty elsewhere', () => {
    const a = (id: string, sources: string[]) => ({ ...ch(id, sources, 0.01, {}), exposure: 0 });
    // west has 4 units for two channels (at risk: 3 an order each = 6 > 4); east has 100 for one
    const plan = planSourcedTargets(stock(100, 4), [a('woo', ['east/main']), a('amazon', ['west/main']), a('ebay', ['west/main'])], false);
    expect(plan.partitioned).toBe(true);
    expect(targets(plan)).toEqual({ woo: 100, amazon: 2, ebay: 2 });
  });

  it('adaptive: a channel whose sources have nothing left does not partition the others', () => {
    const a = (id: string, sources: string[]) => ({ ...ch(id, sources, 0.01, {}), exposure: 0 });
    // a SKU stocked at west only: woo sells from east (0 units), shopify and amazon share west's 78
    const channels = [a('shopify', ['east/main', 'west/main']), a('amazon', ['west/main']), a('woo', ['east/main'])];
    for (const was of [false, true]) {
      const plan = planSourcedTargets(stock(0, 78), channels, was);
      expect(plan.partitioned).toBe(false);
      expect(targets(plan)).toEqual({ shopify: 78, amazon: 78, woo: 0 });
    }
    // with one unit at east, woo and shopify compete for it (3 units at risk each): partitioned
    expect(planSourcedTargets(stock(1, 78), channels, false).partitioned).toBe(true);
  });

  it(`refuses more than ${MAX_SOURCE_SETS} distinct source sets`, () => {
    const many = Array.from({ length: MAX_SOURCE_SETS + 1 }, (_, i) => ({ connectionId: `c${i}`, sources: [`w/${i}`] }));
    expect(() => sourceSets(many, { atsAt: new Map(), unlocated: 0 })).toThrow(/distinct source sets/);
    expect(() => sourceSets([many[0]!, many[0]!], { atsAt: new Map(), unlocated: 0 })).toThrow(/duplicate channel/);
  });
});
