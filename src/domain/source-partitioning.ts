// Shared, partitioned and adaptive buffers when channels sell from different locations.
//
// planSkuTargets (buffer-modes.ts) divides one pool. Here each channel sells from its
// sources, which may overlap with other channels' in part: the guarantee becomes Hall's
// condition (source-sets.ts): for every set of partitioning channels, their counts add up
// to at most the stock at the union of their sources. Every step of planSkuTargets is kept
// with "the ATS" replaced by what that condition leaves, so with one source set for every
// channel the two planners give the same plan (property-tested).
import { targetFor } from './buffers.js';
import {
  DEFAULT_SCARCITY,
  gateRaises,
  isScarce,
  modeOf,
  unitsAtRisk,
  velocityWeights,
  type ChannelState,
  type ScarcitySettings,
  type SkuPlan,
} from './buffer-modes.js';
import type { LocationKey, LocationStock } from './locations.js';
import { feasible, loads, masks, room, sourceSets, type SourceSets } from './source-sets.js';

/** A channel (or one outlet of a channel with per-location counts) and the locations it sells from. */
export interface SourcedChannelState extends ChannelState {
  sources: readonly LocationKey[];
}

/**
 * The targets of every channel (outlet) listing one SKU, from the SKU's stock by location.
 *
 * 1. Pools (reserves) in channel order, each as far as its sources allow beside the pools
 *    granted before it.
 * 2. Shared target: the policy on the channel's pool and the room its sources have left
 *    after every pool.
 * 3. Adaptive: partitioned when, for some set of channels, the units at risk of its adaptive
 *    channels exceed the stock left to them (isScarce, with its hysteresis). One flag per SKU.
 * 4. The partitioning channels split what is left by weighted max-min fairness
 *    (splitOverSources); each shows min(shared target, pool + share).
 * 5. Raises are gated as in planSkuTargets, the room being what Hall's condition leaves.
 *
 * Guarantees (property-tested): no target is negative or above the shared target; the
 * partitioning channels' pools and shares satisfy Hall's condition; with every channel
 * partitioning, for every set S of channels sum(target) <= cap(U(S)).
 */
export function planSourcedTargets(
  stock: LocationStock,
  channels: readonly SourcedChannelState[],
  wasPartitioned: boolean,
  s: ScarcitySettings = DEFAULT_SCARCITY,
): SkuPlan {
  const sets = sourceSets(channels, stock);
  const pools = new Array<number>(channels.length).fill(0);
  channels.forEach((c, i) => {
    const reserve = c.policy.reserve ?? 0;
    // reserve > 0 is false for NaN; an infinite reserve takes all the room there is.
    pools[i] = reserve > 0 ? Math.max(0, Math.min(Math.floor(reserve), room(sets, i, pools))) : 0;
  });
  const sharedTargets = new Map(channels.map((c, i) => [c.connectionId, targetFor(pools[i]!, room(sets, i, pools) - pools[i]!, c.policy)]));

  const adaptive = channels.filter((c) => modeOf(c.policy) === 'adaptive');
  const risk = unitsAtRisk(adaptive, s);
  const partitioned = adaptive.length > 0 && scarceSomewhere(sets, channels, pools, wasPartitioned, s);
  const splitting = channels.flatMap((c, i) => {
    const mode = modeOf(c.policy);
    return mode === 'partitioned' || (mode === 'adaptive' && partitioned) ? [i] : [];
  });
  if (splitting.length === 0) return { targets: sharedTargets, held: new Set(), partitioned, unitsAtRisk: risk };

  const weights = velocityWeights(
    splitting.map((i) => channels[i]!.velocity),
    s.floorShare,
  );
  const shares = splitOverSources(sets, pools, splitting, weights);
  const desired = new Map(sharedTargets);
  splitting.forEach((i, k) => {
    const id = channels[i]!.connectionId;
    desired.set(id, Math.min(sharedTargets.get(id)!, pools[i]! + shares[k]!));
  });
  const index = new Map(channels.map((c, i) => [c.connectionId, i]));
  const gated = gateRaises(sets.cap[sets.cap.length - 1]!, channels, desired, new Set(splitting.map((i) => channels[i]!.connectionId)), (id, commitmentOf) =>
    room(
      sets,
      index.get(id)!,
      channels.map((c) => (c.connectionId === id ? 0 : commitmentOf(c.connectionId))),
    ),
  );
  return { ...gated, partitioned, unitsAtRisk: risk };
}

/**
 * Adaptive's decision per set of channels: scarce as soon as one set's adaptive channels
 * could sell, during one lowering, more than the stock its sources have beyond the pools
 * (a sold-out set but the set of every channel excepted). With one source set this is
 * exactly isScarce(remainder, unitsAtRisk).
 */
function scarceSomewhere(sets: SourceSets, channels: readonly ChannelState[], pools: readonly number[], was: boolean, s: ScarcitySettings): boolean {
  const pooled = loads(sets, pools);
  const riskPerGroup = new Array<number>(sets.groups).fill(0);
  for (let g = 0; g < sets.groups; g++) {
    riskPerGroup[g] = unitsAtRisk(
      channels.filter((c, i) => sets.groupOf[i] === g && modeOf(c.policy) === 'adaptive'),
      s,
    );
  }
  const every = (1 << sets.groups) - 1;
  return masks(sets).some((mask) => {
    const remainder = sets.cap[mask]! - pooled[mask]!;
    // A set whose sources have nothing beyond the pools is sold out, not scarce: its channels
    // show their pools whatever the mode, and partitioning the SKU for them would only split
    // the other channels' stock (a SKU stocked at one warehouse would always be partitioned by
    // a channel that sells from another). Every set together is still checked, as with one
    // source set.
    if (remainder <= 0 && mask !== every) return false;
    let risk = 0;
    for (let g = 0; g < sets.groups; g++) if (mask & (1 << g)) risk += riskPerGroup[g]!;
    return isScarce(remainder, risk, was, s);
  });
}

/**
 * Splits what the stock can serve beyond `base` (the pools, one entry per channel) among
 * the channels `splitting` (indices), by weighted max-min fairness: every share grows with
 * its weight until some set of channels has used all the stock it can reach; those stop
 * there and the others go on (water-filling). The fractional shares are then rounded down,
 * the leftover given by largest remainder (ties to the earlier channel) where a unit still
 * fits, and any unit still reachable to a channel that can reach it. Returns whole shares,
 * one per entry of `splitting`; base plus shares always satisfies Hall's condition.
 * With one source set this is splitByVelocity of the remainder, unit for unit.
 */
export function splitOverSources(sets: SourceSets, base: readonly number[], splitting: readonly number[], weights: readonly number[]): number[] {
  const exact = waterFill(sets, base, splitting, weights);
  const vector = [...base];
  splitting.forEach((i, k) => (vector[i] = base[i]! + Math.floor(exact[k]!)));
  // Rounding down a servable vector keeps it servable; only float error could break that.
  if (!feasible(sets, vector)) splitting.forEach((i) => (vector[i] = base[i]!));
  const byRemainder = splitting.map((i, k) => ({ i, k, r: exact[k]! - Math.floor(exact[k]!) })).sort((a, b) => b.r - a.r || a.k - b.k);
  for (const { i } of byRemainder) {
    if (room(sets, i, vector) - vector[i]! >= 1) vector[i]!++;
  }
  for (const i of splitting) {
    const free = room(sets, i, vector) - vector[i]!;
    if (free > 0) vector[i]! += free;
  }
  return splitting.map((i) => vector[i]! - base[i]!);
}

/**
 * Fractional weighted max-min fair shares (one per entry of `splitting`). At each round the
 * level t is the least, over the sets of groups holding channels still growing, of (cap -
 * what the set already holds) / (weight still growing); the channels of every set reaching
 * that level stop at t x weight. The weights add up to 1, which the first round uses as is:
 * with one source set, the shares are then exactly remainder x weight.
 */
function waterFill(sets: SourceSets, base: readonly number[], splitting: readonly number[], weights: readonly number[]): number[] {
  const exact = new Array<number>(splitting.length).fill(0);
  const growing = new Set(splitting.flatMap((_, k) => (weights[k]! > 0 ? [k] : [])));
  const everyWeighted = growing.size;
  const groupBit = (k: number) => 1 << sets.groupOf[splitting[k]!]!;
  while (growing.size > 0) {
    const held = [...base];
    splitting.forEach((i, k) => {
      if (!growing.has(k)) held[i] = base[i]! + exact[k]!;
    });
    const sums = loads(sets, held);
    const ratios = new Map<number, number>();
    for (const mask of masks(sets)) {
      let weight = 0;
      let count = 0;
      for (const k of growing) {
        if (mask & groupBit(k)) {
          weight += weights[k]!;
          count++;
        }
      }
      if (count === 0) continue;
      if (count === everyWeighted && growing.size === everyWeighted) weight = 1;
      ratios.set(mask, Math.max(0, sets.cap[mask]! - sums[mask]!) / weight);
    }
    const level = Math.min(...ratios.values());
    let stopping = 0;
    for (const [mask, ratio] of ratios) if (ratio <= level + 1e-12 * Math.max(1, level)) stopping |= mask;
    for (const k of [...growing]) {
      if (stopping & groupBit(k)) {
        exact[k] = level * weights[k]!;
        growing.delete(k);
      }
    }
  }
  return exact;
}
