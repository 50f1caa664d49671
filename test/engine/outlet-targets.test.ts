// The planner's wiring of per-location counts (src/engine/targets.ts): a Shopify
// connection's locations are selling points of their own, each from its own sources, beside
// other channels. Property: every listing gets the target planSourcedTargets gives its
// selling point, and with every selling point partitioning, the counts of every set of
// them (one shop's locations included) fit the stock their sources can serve (Hall).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bufferPolicyArb } from '../domain/arbitraries.js';
import { outletKey, planSourcedTargets, type BufferPolicy, type LocationStock } from '../../src/domain/index.js';
import { targetChanges } from '../../src/engine/targets.js';
import { adaptiveSettings } from '../../src/engine/adaptive-settings.js';
import type { SourceLayout } from '../../src/engine/source-layout.js';
import type { ListingState } from '../../src/store/listings.js';

const RUNS = Number(process.env.STOCKSYNC_PROPERTY_RUNS ?? 200);
const LOCATIONS = ['east/main', 'west/main', 'north/main'];
const someSources = fc.shuffledSubarray(LOCATIONS, { minLength: 1 });

/** A selling point: a plain channel (outlet '') or one location of the shop. */
interface Point {
  connectionId: string;
  outlet: string;
  sources: string[];
  policy: BufferPolicy;
  exposure: number;
  velocity: number;
}

const pointsArb = (policy: fc.Arbitrary<BufferPolicy>) =>
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 })).chain(([outlets, others]) =>
    fc.tuple(
      ...Array.from({ length: outlets + others }, (_, i) =>
        fc.record({
          connectionId: fc.constant(i < outlets ? 'shop' : `ch${i}`),
          outlet: fc.constant(i < outlets ? `gid://shopify/Location/${i + 1}` : ''),
          sources: someSources,
          policy,
          exposure: fc.integer({ min: 0, max: 60 }),
          velocity: fc.double({ min: 0, max: 5, noNaN: true }),
        }),
      ),
    ),
  );

const stockArb: fc.Arbitrary<LocationStock> = fc
  .array(fc.integer({ min: -3, max: 30 }), { minLength: LOCATIONS.length, maxLength: LOCATIONS.length })
  .map((ats) => ({ atsAt: new Map(LOCATIONS.map((l, i) => [l, ats[i]!])), unlocated: 0 }));

function plan(points: readonly Point[], stock: LocationStock) {
  const layout: SourceLayout = {
    configured: new Map(points.map((p) => [outletKey(p.connectionId, p.outlet), p.sources])),
    outlets: new Map([['shop', points.filter((p) => p.outlet !== '').map((p) => p.outlet)]]),
    locations: LOCATIONS.map((l) => ({ warehouse: l.split('/')[0]!, code: 'main', sellable: true, external: false })),
    fulfilledBy: new Map(),
    ids: new Map(),
    warehouseOf: new Map(),
  };
  const listings: (ListingState & { policy: BufferPolicy })[] = points.map((p, id) => ({
    id,
    sku: 'MUG',
    connectionId: p.connectionId,
    outlet: p.outlet,
    target: -1, // never the plan: every listing reports its change
    exposure: p.exposure,
    velocity: p.velocity,
    velocityAgeMs: 0,
    partitioned: false,
    raiseGated: false,
    unrecordedSales: 0,
    platform: 'shopify',
    policy: p.policy,
  }));
  const changes = targetChanges(listings, new Map(), () => 1_000, adaptiveSettings(), { layout, stock: new Map([['MUG', stock]]) });
  return new Map(changes.map((c) => [c.id, c.target]));
}

describe('targets per Shopify location', () => {
  it('each listing gets the target of its own selling point, as planSourcedTargets plans it', () => {
    fc.assert(
      fc.property(pointsArb(bufferPolicyArb()), stockArb, (points, stock) => {
        const targets = plan(points, stock);
        const settings = adaptiveSettings();
        const direct = planSourcedTargets(
          stock,
          points.map((p) => ({
            connectionId: outletKey(p.connectionId, p.outlet),
            policy: p.policy,
            sources: p.sources,
            exposure: p.exposure,
            velocity: p.velocity,
            loweringLatencyMs: 1_000,
            unrecordedSales: 0,
            appliesLater: false,
          })),
          false,
          settings,
        );
        points.forEach((p, id) => expect(targets.get(id)).toBe(direct.targets.get(outletKey(p.connectionId, p.outlet))));
      }),
      { numRuns: RUNS },
    );
  });

  it("partitioned: every set of selling points, one shop's locations included, shows at most what its sources can serve", () => {
    fc.assert(
      fc.property(pointsArb(bufferPolicyArb('partitioned')), stockArb, (points, stock) => {
        const targets = plan(points, stock);
        for (let mask = 1; mask < 1 << points.length; mask++) {
          const members = points.map((p, id) => ({ p, id })).filter((_, i) => mask & (1 << i));
          const union = new Set(members.flatMap(({ p }) => p.sources));
          const cap = Math.max(
            0,
            [...union].reduce((n, l) => n + stock.atsAt.get(l)!, 0),
          );
          expect(members.reduce((n, { id }) => n + targets.get(id)!, 0)).toBeLessThanOrEqual(cap);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
