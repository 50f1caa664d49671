// Hall's condition over channels whose sources overlap: which counts the stock can serve.
//
// Channel c may sell only from its sources (a set of locations). A vector of counts y is
// servable, every unit assignable to a location that may ship it, when for every set S of
// channels sum(y_c, c in S) <= cap(U(S)), U(S) the union of their sources (Hall's theorem
// for the flow locations -> channels). The condition only depends on which source sets S
// touches, so channels with the same source set form one group and it is checked per set
// of groups (a bit mask): 2^groups sets, however many channels.
import { invalidInput } from '../errors.js';
import type { LocationKey, LocationStock } from './locations.js';
import type { ConnectionId } from './types.js';

/** Distinct source sets among the channels of one SKU the planner accepts (2^12 = 4,096 sets of groups). */
export const MAX_SOURCE_SETS = 12;

/** A channel as Hall's condition sees it. */
export interface SourcedChannel {
  connectionId: ConnectionId;
  /** The locations it may sell from (order does not matter here). */
  sources: readonly LocationKey[];
  /** Units it sold that are not recorded as orders yet (taken off every set its sources meet). */
  unrecordedSales?: number;
}

/** The channels of one SKU grouped by source set, and what every set of groups can serve. */
export interface SourceSets {
  /** Channel index -> group index. */
  groupOf: readonly number[];
  groups: number;
  /** Bit mask of the groups -> cap(U) of their union of sources (index 0: the empty set, 0). */
  cap: readonly number[];
  /** Bit mask of the groups -> the locations of their union (to recompute cap after a change). */
  unions: readonly (readonly LocationKey[])[];
}

/**
 * cap(U) = max(0, sum of the ATS at U's locations - unlocated claims - the unrecorded sales
 * of every channel whose sources meet U). A location absent from `stock.atsAt` counts 0;
 * a negative one (oversold there) counts as it is: the units must come from somewhere in U.
 * Throws INPUT_INVALID on a duplicate channel id or more than MAX_SOURCE_SETS source sets.
 */
export function sourceSets(channels: readonly SourcedChannel[], stock: LocationStock): SourceSets {
  const ids = new Set<ConnectionId>();
  const groupKeys = new Map<string, number>();
  const groupSources: LocationKey[][] = [];
  const groupOf = channels.map((c, i) => {
    if (ids.has(c.connectionId)) throw invalidInput(`channels[${i}].connectionId`, `duplicate channel ${c.connectionId}`);
    ids.add(c.connectionId);
    const set = [...new Set(c.sources)].sort();
    const key = JSON.stringify(set);
    let g = groupKeys.get(key);
    if (g === undefined) {
      g = groupSources.length;
      groupKeys.set(key, g);
      groupSources.push(set);
    }
    return g;
  });
  const groups = groupSources.length;
  if (groups > MAX_SOURCE_SETS) {
    throw invalidInput('channels', `${groups} distinct source sets; at most ${MAX_SOURCE_SETS} are supported per SKU`);
  }
  const unions: LocationKey[][] = [[]];
  for (let mask = 1; mask < 1 << groups; mask++) {
    const low = mask & -mask;
    unions.push([...new Set([...unions[mask ^ low]!, ...groupSources[31 - Math.clz32(low)]!])]);
  }
  return { groupOf, groups, unions, cap: unions.map((u) => capacity(u, channels, stock)) };
}

/** cap(U) of one set of locations (see sourceSets). */
export function capacity(union: readonly LocationKey[], channels: readonly SourcedChannel[], stock: LocationStock): number {
  if (union.length === 0) return 0;
  const inUnion = new Set(union);
  let units = -wholeUnits(stock.unlocated);
  for (const l of union) units += finiteOr0(stock.atsAt.get(l));
  for (const c of channels) {
    const unrecorded = wholeUnits(c.unrecordedSales ?? 0);
    if (unrecorded > 0 && c.sources.some((l) => inUnion.has(l))) units -= unrecorded;
  }
  return Math.max(0, units);
}

/** Per set of groups, the sum of `vector` (one entry per channel) over its channels. */
export function loads(sets: SourceSets, vector: readonly number[]): number[] {
  const perGroup = new Array<number>(sets.groups).fill(0);
  vector.forEach((v, i) => (perGroup[sets.groupOf[i]!]! += v));
  const sums = [0];
  for (let mask = 1; mask < 1 << sets.groups; mask++) {
    const low = mask & -mask;
    sums.push(sums[mask ^ low]! + perGroup[31 - Math.clz32(low)]!);
  }
  return sums;
}

/** Whether the stock can serve `vector` (one count per channel): Hall's condition on every set. */
export function feasible(sets: SourceSets, vector: readonly number[]): boolean {
  const sums = loads(sets, vector);
  return sums.every((s, mask) => s <= sets.cap[mask]!);
}

/**
 * The most channel `i` may hold beside everyone else's `vector` entries (its own ignored):
 * min over the sets containing it of cap - what the others in the set hold. May be
 * negative when the others already hold more than the stock serves.
 */
export function room(sets: SourceSets, i: number, vector: readonly number[]): number {
  const others = vector.map((v, k) => (k === i ? 0 : v));
  const sums = loads(sets, others);
  const bit = 1 << sets.groupOf[i]!;
  let least = Infinity;
  for (let mask = 1; mask < 1 << sets.groups; mask++) {
    if (mask & bit) least = Math.min(least, sets.cap[mask]! - sums[mask]!);
  }
  return least;
}

/** Every non-empty set of groups, as bit masks. */
export function masks(sets: SourceSets): number[] {
  return Array.from({ length: (1 << sets.groups) - 1 }, (_, k) => k + 1);
}

function wholeUnits(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function finiteOr0(n: number | undefined): number {
  return n !== undefined && Number.isFinite(n) ? n : 0;
}
