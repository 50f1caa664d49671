import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { feasible, planSourcedTargets, routeOrder, sourceSets, type LocationStock } from '../../src/domain/index.js';
import { bufferPolicyArb } from './arbitraries.js';

// A model of one SKU stocked at several locations and sold on channels whose sources
// overlap in part. Each channel sells on its own count before the engine hears of it; the
// engine routes each sale it learns to a location (routeOrder), re-plans with the stock by
// location (planSourcedTargets, every channel partitioned, with any buffer policy), and
// pushes by compare-and-set,
// raising a channel only once its sales are known (invariant 3). Over any sequence of
// sales, receipts, cancellations and pushes: no location is ever claimed beyond its
// physical stock, and the sales not yet learnt can always be shipped from their sources.
const RUNS = Number(process.env.STOCKSYNC_PROPERTY_RUNS ?? 200);
const LOCATIONS = ['east/main', 'west/main', 'store/shop'] as const;

type Step =
  | { kind: 'sale'; c: number; q: number }
  | { kind: 'learn'; c: number }
  | { kind: 'push'; c: number }
  | { kind: 'receive'; l: number; q: number }
  | { kind: 'cancel' };

const stepArb = (n: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('sale' as const), c: fc.nat(n - 1), q: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('learn' as const), c: fc.nat(n - 1) }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('push' as const), c: fc.nat(n - 1) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('receive' as const), l: fc.nat(LOCATIONS.length - 1), q: fc.integer({ min: 1, max: 6 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  );

const worldArb = fc
  .integer({ min: 2, max: 4 })
  .chain((n) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: 8 }), { minLength: LOCATIONS.length, maxLength: LOCATIONS.length }),
      fc.array(fc.shuffledSubarray([...LOCATIONS], { minLength: 1 }), { minLength: n, maxLength: n }),
      fc.array(bufferPolicyArb('partitioned'), { minLength: n, maxLength: n }),
      fc.array(stepArb(n), { maxLength: 120 }),
    ),
  );

describe('several locations, overlapping sources, any sequence of events (model)', () => {
  it('never claims a location beyond its stock, and what was sold can always be shipped', () => {
    fc.assert(
      fc.property(worldArb, ([initial, sources, policies, steps]) => {
        const physical = new Map(LOCATIONS.map((l, i) => [l as string, initial[i]!]));
        const claimed = new Map(LOCATIONS.map((l) => [l as string, 0]));
        const ch = sources.map((src, i) => ({
          id: `c${i}`,
          sources: src,
          policy: policies[i]!,
          shown: 0,
          pushed: 0,
          target: 0,
          velocity: 0,
          unseen: [] as number[],
        }));
        const orders: { parts: { location: string; quantity: number }[] }[] = [];
        let partitioned = true;
        const stock = (): LocationStock => ({ atsAt: new Map(LOCATIONS.map((l) => [l, physical.get(l)! - claimed.get(l)!])), unlocated: 0 });
        const servable = () =>
          feasible(
            sourceSets(
              ch.map((c) => ({ connectionId: c.id, sources: c.sources })),
              stock(),
            ),
            ch.map((c) => c.pushed),
          );
        const replan = () => {
          const plan = planSourcedTargets(
            stock(),
            ch.map((c) => ({
              connectionId: c.id,
              sources: c.sources,
              policy: c.policy,
              velocity: c.velocity,
              loweringLatencyMs: 500,
              exposure: c.pushed,
            })),
            partitioned,
          );
          partitioned = plan.partitioned;
          for (const c of ch) c.target = plan.targets.get(c.id)!;
        };
        replan();
        for (const s of steps) {
          switch (s.kind) {
            case 'sale': {
              const c = ch[s.c]!;
              if (s.q <= c.shown) {
                c.shown -= s.q; // the engine hears of it later (learn); else the shopper is refused
                c.unseen.push(s.q);
              }
              break;
            }
            case 'learn': {
              const c = ch[s.c]!;
              const q = c.unseen.shift();
              if (q === undefined) break;
              const r = routeOrder({
                seller: c.id,
                sources: c.sources,
                fulfilment: 'merchant',
                lines: [{ lineIndex: 0, sku: 'MUG', quantity: q }],
                stock: new Map([['MUG', { ...stock(), commitments: ch.map((x) => ({ connectionId: x.id, sources: x.sources, units: x.pushed })) }]]),
              });
              const parts = r.parts.map((p) => ({ location: p.location!, quantity: p.quantity }));
              for (const p of parts) claimed.set(p.location, claimed.get(p.location)! + p.quantity);
              orders.push({ parts });
              c.pushed = Math.max(0, c.pushed - q);
              c.velocity += q;
              replan();
              break;
            }
            case 'push': {
              const c = ch[s.c]!;
              const raiseBeforeItsSales = c.target > c.pushed && c.unseen.length > 0; // invariant 3 holds it
              if (c.target !== c.pushed && !raiseBeforeItsSales) {
                const delta = c.target - c.pushed; // a compare-and-set push moves the count by the difference
                c.pushed = c.target;
                c.shown = Math.max(0, c.shown + delta);
                replan();
              }
              break;
            }
            case 'receive': {
              const l = LOCATIONS[s.l]!;
              physical.set(l, physical.get(l)! + s.q);
              replan();
              break;
            }
            case 'cancel': {
              const o = orders.pop();
              if (o === undefined) break;
              for (const p of o.parts) claimed.set(p.location, claimed.get(p.location)! - p.quantity);
              replan();
              break;
            }
          }
          for (const l of LOCATIONS) expect(claimed.get(l)!).toBeLessThanOrEqual(physical.get(l)!);
          // what every channel may still sell (its shown count and its sales not learnt yet)
          expect(servable()).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
