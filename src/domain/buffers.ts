import { invalidInput } from '../errors.js';
import { MAX_QUANTITY } from './quantities.js';
import type { BufferPolicy, ChannelPolicy, ConnectionId } from './types.js';

const MODES: readonly string[] = ['adaptive', 'shared', 'partitioned'];
const FIELDS = ['reserve', 'holdBackPercent', 'holdBackUnits', 'zeroBelow', 'maxCap'] as const;

/**
 * The effective policy: `override` (a per-SKU override) wins field by field; a field the
 * override leaves undefined keeps the base value. There is no way to "unset" a base field
 * from an override; set it to its neutral value (0, or a large maxCap) instead.
 */
export function mergePolicy(base: BufferPolicy, override?: BufferPolicy): BufferPolicy {
  const merged: BufferPolicy = {};
  const mode = override?.mode ?? base.mode;
  if (mode !== undefined) merged.mode = mode;
  for (const f of FIELDS) {
    const v = override?.[f] !== undefined ? override[f] : base[f];
    if (v !== undefined) merged[f] = v;
  }
  return merged;
}

/**
 * Problems with a policy (empty = valid): holdBackPercent an integer 0..100 (integer so
 * the rounding is exact and reproducible), every other field a non-negative integer.
 */
export function validatePolicy(p: BufferPolicy): string[] {
  const problems: string[] = [];
  if (p.mode !== undefined && !MODES.includes(p.mode)) {
    problems.push(`mode: must be one of ${MODES.join(', ')}, got ${String(p.mode)}`);
  }
  for (const f of FIELDS) {
    const v: unknown = p[f];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      problems.push(`${f}: must be an integer, got ${String(v)}`);
    } else if (f === 'holdBackPercent' && (v < 0 || v > 100)) {
      problems.push(`${f}: must be between 0 and 100, got ${v}`);
    } else if (v < 0) {
      problems.push(`${f}: must not be negative, got ${v}`);
    } else if (v > MAX_QUANTITY) {
      problems.push(`${f}: must be at most ${MAX_QUANTITY}, got ${v}`);
    }
  }
  return problems;
}

/**
 * Sets reserved pools aside from max(ATS, 0), in the given order (the order is the
 * priority: when stock is short the first channels get their pools, later ones get less
 * or nothing). Returns each connection's pool and the shared remainder, so that
 * sum(pools) + shared = max(ATS, 0) exactly. Negative or absent reserves count as 0.
 * Throws on a duplicate connection id: it would make pool accounting ambiguous.
 */
export function allocatePools(ats: number, reserves: readonly { connectionId: string; reserve: number }[]): { pools: Map<string, number>; shared: number } {
  let left = Math.max(ats, 0);
  const pools = new Map<string, number>();
  reserves.forEach(({ connectionId, reserve }, i) => {
    if (pools.has(connectionId)) {
      throw invalidInput(`reserves[${i}].connectionId`, `duplicate connection ${connectionId}`);
    }
    // reserve > 0 is false for NaN; an infinite reserve simply takes everything left.
    const granted = reserve > 0 ? Math.min(Math.floor(reserve), left) : 0;
    pools.set(connectionId, granted);
    left -= granted;
  });
  return { pools, shared: left };
}

/**
 * The quantity one channel may show, from its own pool and the shared remainder, applying
 * the policy steps in the documented order:
 *   1. visible = ownPool + floor(shared * (100 - holdBackPercent) / 100)
 *      (the percent holds back part of the shared remainder, never the channel's own pool)
 *   2. minus holdBackUnits, clamped at 0
 *   3. zeroBelow: if visible < zeroBelow then 0
 *   4. maxCap: min(visible, maxCap)
 * The result is never negative and never above ownPool + shared. Out-of-range policy
 * values (which validatePolicy reports) are clamped rather than trusted, so even an
 * unvalidated policy cannot show stock that is not there.
 */
export function targetFor(ownPool: number, shared: number, policy: BufferPolicy): number {
  const pool = whole(ownPool);
  const rest = whole(shared);
  const percent = Math.min(100, Math.max(0, finiteOr(policy.holdBackPercent, 0)));
  // Integer arithmetic first: shared * (100 - p) is exact below 2^53 for integer p.
  let visible = pool + Math.floor((rest * (100 - percent)) / 100);
  visible = Math.max(0, visible - Math.ceil(Math.max(0, finiteOr(policy.holdBackUnits, 0))));
  if (visible < finiteOr(policy.zeroBelow, 0)) visible = 0;
  const cap = policy.maxCap;
  if (cap !== undefined && !Number.isNaN(cap)) visible = Math.min(visible, Math.max(0, Math.floor(cap)));
  return Math.max(0, visible);
}

/**
 * Targets of every channel listing one SKU: pools in `channels` order (= pool priority),
 * then each channel's policy on its pool and the shared remainder. A channel without a
 * reserve has a pool of 0 and sees only its share of the remainder.
 */
export function targetsForSku(ats: number, channels: readonly ChannelPolicy[]): Map<ConnectionId, number> {
  const { pools, shared } = allocatePools(
    ats,
    channels.map((c) => ({ connectionId: c.connectionId, reserve: c.policy.reserve ?? 0 })),
  );
  const targets = new Map<ConnectionId, number>();
  for (const c of channels) targets.set(c.connectionId, targetFor(pools.get(c.connectionId) ?? 0, shared, c.policy));
  return targets;
}

/** A non-negative whole number of units; anything else (NaN, negative, fraction) rounds down toward 0. */
function whole(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function finiteOr(n: number | undefined, fallback: number): number {
  return n !== undefined && Number.isFinite(n) ? n : fallback;
}
