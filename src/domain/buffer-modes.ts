// Shared, partitioned and adaptive buffers: how the channels of one SKU divide its stock.
//
// Shared: every channel shows its policy of the whole ATS, so the counts the channels show
// add up to several times the stock. That is right while stock is plentiful, and wrong when
// it is scarce: simultaneous sales on several channels oversell before any lowering lands,
// however fast the pushes are. Partitioned: the channels' counts add up to at most the ATS,
// so each channel can sell only units no other channel shows. Adaptive: shared while
// plentiful, partitioned while scarce, with hysteresis.
import { allocatePools, targetFor } from './buffers.js';
import type { BufferMode, BufferPolicy, ConnectionId } from './types.js';

export const BUFFER_MODES: readonly BufferMode[] = ['adaptive', 'shared', 'partitioned'];
export const DEFAULT_BUFFER_MODE: BufferMode = 'adaptive';

/** What adaptive needs to know to call a SKU scarce. */
export interface ScarcitySettings {
  /**
   * Units one order takes, at least, on a channel that shows stock: every channel can take
   * an order during a lowering, whatever its measured velocity.
   */
  orderUnits: number;
  /** Poisson headroom on velocity x latency: sales come in bursts, not at the mean. */
  burstFactor: number;
  /** Leave partitioned only when the shared remainder is this many times the units at risk. */
  exitRatio: number;
  /** Share of every split given out evenly, so that a channel without recent sales still gets units. */
  floorShare: number;
}

export const DEFAULT_SCARCITY: ScarcitySettings = { orderUnits: 3, burstFactor: 3, exitRatio: 2, floorShare: 0.25 };

/** One channel listing one SKU, as the planner sees it. */
export interface ChannelState {
  connectionId: ConnectionId;
  policy: BufferPolicy;
  /** The SKU's recent sales on this channel, units per second (decayed to now). */
  velocity: number;
  /** Measured lowering latency of the connection (target changed -> the channel shows it), ms. */
  loweringLatencyMs: number;
  /**
   * Units this channel may still sell: what it last acknowledged, less its own sales since;
   * while an asynchronous push has not applied, what it shows now plus what the push will
   * set. Unknown counts as 0.
   */
  exposure: number;
  /**
   * The platform applies an accepted count later, as an absolute value that overwrites the
   * sales made meanwhile (Amazon): a push to t commits what it may sell until then plus t.
   */
  appliesLater?: boolean;
  /**
   * Units the channel is known to have sold (a read found its count lower than pushed) whose
   * orders are not recorded yet: gone from the warehouse's stock, though the ATS still counts
   * them until the orders arrive. The plan takes them off the ATS.
   */
  unrecordedSales?: number;
}

export interface SkuPlan {
  targets: Map<ConnectionId, number>;
  /** Channels whose raise was held back until other channels' lowerings land. */
  held: Set<ConnectionId>;
  /** Whether the adaptive channels are partitioned now (the state kept for hysteresis). */
  partitioned: boolean;
  /** Units that could sell during one lowering (adaptive's estimate). */
  unitsAtRisk: number;
}

/** What channel `id` may commit, given what every other channel commits (`commitmentOf`). */
export type RoomFor = (id: ConnectionId, commitmentOf: (other: ConnectionId) => number) => number;

export function modeOf(policy: BufferPolicy): BufferMode {
  return policy.mode ?? DEFAULT_BUFFER_MODE;
}

/**
 * Units that could sell on the adaptive channels during one lowering: per channel, its
 * velocity times its lowering latency with burst headroom, and at least one order.
 */
export function unitsAtRisk(channels: readonly ChannelState[], s: ScarcitySettings = DEFAULT_SCARCITY): number {
  let units = 0;
  for (const c of channels) {
    const v = nonNegative(c.velocity);
    const seconds = nonNegative(c.loweringLatencyMs) / 1000;
    units += Math.max(nonNegative(s.orderUnits), v * seconds * nonNegative(s.burstFactor));
  }
  return units;
}

/**
 * Adaptive's decision with hysteresis: enter partitioned when the units at risk exceed the
 * shared remainder (what every channel's count is drawn from), leave only once the
 * remainder is `exitRatio` times the risk, so that a SKU near the line does not flap.
 */
export function isScarce(remainder: number, risk: number, wasScarce: boolean, s: ScarcitySettings = DEFAULT_SCARCITY): boolean {
  if (risk <= 0) return false;
  if (wasScarce) return remainder < Math.max(1, s.exitRatio) * risk;
  return remainder < risk;
}

/**
 * Each channel's weight in a split: its share of the velocities, `floorShare` of the weight
 * given evenly (even without sales). The weights add up to 1.
 */
export function velocityWeights(velocities: readonly number[], floorShare = DEFAULT_SCARCITY.floorShare): number[] {
  const n = velocities.length;
  const v = velocities.map(nonNegative);
  const sum = v.reduce((a, b) => a + b, 0);
  const floor = Math.min(1, Math.max(0, Number.isFinite(floorShare) ? floorShare : 0));
  return v.map((x) => (sum > 0 ? (1 - floor) * (x / sum) + floor / n : 1 / n));
}

/**
 * Splits `units` among the channels by their velocity, `floorShare` of the weight given
 * evenly (no channel starves; without sales the split is even). Shares are whole units:
 * floors first, then the leftover by largest remainder, ties to the earlier channel. The
 * shares add up to exactly `units` (never more: rounding never creates stock).
 */
export function splitByVelocity(units: number, velocities: readonly number[], floorShare = DEFAULT_SCARCITY.floorShare): number[] {
  const total = Math.max(0, Math.floor(Number.isFinite(units) ? units : 0));
  if (velocities.length === 0) return [];
  const exact = velocityWeights(velocities, floorShare).map((w) => total * w);
  const shares = exact.map((x) => Math.floor(x));
  let left = total - shares.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    shares[i]!++;
    left--;
  }
  return shares;
}

/**
 * The targets of every channel listing one SKU, from the ATS its recorded orders leave
 * (`atsOfOrders`) less the channels' unrecorded sales.
 *
 * 1. Pools (reserves) come off the ATS first, as in shared mode; the rest is the shared remainder.
 * 2. Each channel's shared target is its policy on its pool and the whole remainder (today's buffers).
 * 3. The partitioning channels (mode partitioned, and adaptive ones while the SKU is scarce)
 *    split the remainder by velocity; each shows min(shared target, pool + share), so the
 *    reserve, hold-back, zero-below and cap steps keep their meaning on top, and a
 *    partitioning channel never shows more than shared mode would.
 * 4. A raise must not let the counts the channels may show exceed the ATS while other
 *    channels' lowerings are still in flight: a partitioning channel is raised above its
 *    exposure only as far as ATS minus what every other channel may show allows. A raise
 *    held back here is granted by a later plan, once those lowerings are acknowledged.
 *
 * Guarantees (property-tested): no target is negative; every target is at most the shared
 * target; the partitioning channels' targets add up to at most their pools plus the
 * remainder; and with every channel partitioning, to at most max(ATS, 0).
 */
export function planSkuTargets(
  atsOfOrders: number,
  channels: readonly ChannelState[],
  wasPartitioned: boolean,
  s: ScarcitySettings = DEFAULT_SCARCITY,
): SkuPlan {
  const ats = atsOfOrders - channels.reduce((sum, c) => sum + Math.floor(nonNegative(c.unrecordedSales ?? 0)), 0);
  const { pools, shared: remainder } = allocatePools(
    ats,
    channels.map((c) => ({ connectionId: c.connectionId, reserve: c.policy.reserve ?? 0 })),
  );
  const sharedTargets = new Map(channels.map((c) => [c.connectionId, targetFor(pools.get(c.connectionId) ?? 0, remainder, c.policy)]));
  const adaptive = channels.filter((c) => modeOf(c.policy) === 'adaptive');
  const risk = unitsAtRisk(adaptive, s);
  const partitioned = adaptive.length > 0 && isScarce(remainder, risk, wasPartitioned, s);
  const splitting = channels.filter((c) => {
    const mode = modeOf(c.policy);
    return mode === 'partitioned' || (mode === 'adaptive' && partitioned);
  });
  if (splitting.length === 0) return { targets: sharedTargets, held: new Set(), partitioned, unitsAtRisk: risk };

  const shares = splitByVelocity(
    remainder,
    splitting.map((c) => c.velocity),
    s.floorShare,
  );
  const desired = new Map(sharedTargets);
  splitting.forEach((c, i) => {
    desired.set(c.connectionId, Math.min(sharedTargets.get(c.connectionId)!, (pools.get(c.connectionId) ?? 0) + shares[i]!));
  });
  const gated = gateRaises(Math.max(0, ats), channels, desired, new Set(splitting.map((c) => c.connectionId)));
  return { ...gated, partitioned, unitsAtRisk: risk };
}

/**
 * Caps the pushes of the partitioning channels so that the units every channel may still
 * sell never exceed `budget`. A channel's commitment is what it may sell: on a platform that
 * applies at once, the larger of its exposure and its target (a lowering lands, a raise
 * adds); on one that applies later (appliesLater), a push to t commits its exposure plus t,
 * since it keeps selling its old count until the new one overwrites those sales. Lowerings on
 * platforms that apply at once are never held; the others are decided in channel order, each
 * against what the decided ones commit and the undecided ones would. A raise that cannot fit
 * keeps the count the channel shows; a push to a later-applying platform that cannot fit
 * goes as far down as it must (0 commits no more than not pushing).
 * `roomFor` says what a channel may commit beside the others' commitments: by default the
 * budget less their sum; with sources that differ per channel, the room Hall's condition
 * leaves it (src/domain/source-sets.ts).
 */
export function gateRaises(
  budget: number,
  channels: readonly ChannelState[],
  desired: ReadonlyMap<ConnectionId, number>,
  gated: ReadonlySet<ConnectionId>,
  roomFor: RoomFor = (id, commitmentOf) => channels.reduce((left, c) => (c.connectionId === id ? left : left - commitmentOf(c.connectionId)), budget),
): { targets: Map<ConnectionId, number>; held: Set<ConnectionId> } {
  const exposure = new Map(channels.map((c) => [c.connectionId, Math.max(0, Math.floor(nonNegative(c.exposure)))]));
  const later = new Map(channels.map((c) => [c.connectionId, c.appliesLater === true]));
  const commitment = (id: ConnectionId, t: number) => {
    const e = exposure.get(id)!;
    return later.get(id) && t !== e ? e + t : Math.max(e, t);
  };
  const final = new Map<ConnectionId, number>();
  const held = new Set<ConnectionId>();
  const deciding: ConnectionId[] = [];
  for (const c of channels) {
    const want = desired.get(c.connectionId) ?? 0;
    const e = exposure.get(c.connectionId)!;
    const free = !gated.has(c.connectionId) || want === e || (want < e && !later.get(c.connectionId));
    if (free) final.set(c.connectionId, want);
    else deciding.push(c.connectionId);
  }
  for (const id of deciding) {
    const left = roomFor(id, (other) => commitment(other, final.get(other) ?? desired.get(other) ?? 0));
    const want = desired.get(id)!;
    const e = exposure.get(id)!;
    let granted: number;
    if (later.get(id)) {
      const room = left - e; // the most a push may set: e + t + others <= budget
      if (want < e) granted = Math.max(0, Math.min(want, room));
      else granted = room >= want ? want : room > e ? room : e; // a raise that cannot fit keeps e (no push)
    } else {
      granted = Math.max(0, Math.min(want, left), Math.min(e, want));
    }
    final.set(id, granted);
    if (granted < want) held.add(id);
  }
  return { targets: new Map(channels.map((c) => [c.connectionId, final.get(c.connectionId)!])), held };
}

/** A velocity decayed over `elapsedMs` with time constant `windowMs`. */
export function decayedVelocity(velocity: number, elapsedMs: number, windowMs: number): number {
  if (!(windowMs > 0)) return 0;
  return nonNegative(velocity) * Math.exp(-nonNegative(elapsedMs) / windowMs);
}

/** The velocity after a sale of `units`: the decayed rate plus the sale spread over the window. */
export function velocityAfterSale(velocity: number, elapsedMs: number, units: number, windowMs: number): number {
  if (!(windowMs > 0)) return 0;
  return decayedVelocity(velocity, elapsedMs, windowMs) + nonNegative(units) / (windowMs / 1000);
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}
