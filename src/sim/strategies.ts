// The strategies the simulation compares, and the compressed clock they run on.
//
// Clock: `scale` simulated seconds pass per real second (default 60: one real second is
// one platform minute). Everything that has a platform duration is divided by it:
// the sandbox's timeScale (webhook delays and retries, Amazon's order visibility and
// async apply, the 3PL's auto-ship, the Retry-After of an injected 429), poll intervals,
// the reconciliation schedule and the 3PL's rate limit (150 requests per platform minute). Request latency injected by the
// fault profiles is real milliseconds (as the sandbox defines it), and so is the engine's
// own work: a push that takes 100 real ms counts as 6 platform seconds. The compression
// therefore handicaps the engine, never flatters it.
import type { BufferPolicy } from '../domain/types.js';
import type { SimChannel } from './workload.js';

export type Strategy = 'full' | 'webhooks-only' | 'polling-only' | 'no-buffers';
export const STRATEGIES: readonly Strategy[] = ['full', 'webhooks-only', 'polling-only', 'no-buffers'];
export type FaultProfileName = 'none' | 'lossy' | 'hostile';
export const FAULT_PROFILE_NAMES: readonly FaultProfileName[] = ['none', 'lossy', 'hostile'];

/**
 * The buffers `full` applies: hold one unit back and show 0 below 4 on every channel;
 * on Amazon two units and below 5, since Amazon both applies a quantity and reports an
 * order about a platform minute late, so it sells on an old count for longer. With
 * holdBackUnits 1 and zeroBelow 3 everywhere, seed 42 at 28 orders/s oversold 7 units in
 * 8,486 orders, each on a SKU at 4 or fewer units during a burst.
 */
export const FULL_BUFFER: BufferPolicy = { holdBackUnits: 1, zeroBelow: 4 };
export const FULL_AMAZON_BUFFER: BufferPolicy = { holdBackUnits: 2, zeroBelow: 5 };

export interface StrategyPlan {
  strategy: Strategy;
  description: string;
  layers: { webhooks: boolean; dispatch: boolean; polling: boolean; reconcile: boolean };
  /** Whether the sandbox's webhooks are subscribed to the engine. */
  webhooks: boolean;
  /** Platform seconds between polls, and the real ms they become. */
  pollPlatformSec: number | null;
  pollRealMs: number | null;
  /** Platform seconds between full reconciliations, and the cron that runs it in real time. */
  reconcilePlatformSec: number | null;
  reconcileCron: string | null;
  /** The buffer of every channel, but those in channelBuffers. */
  buffer: BufferPolicy;
  channelBuffers?: Partial<Record<SimChannel, BufferPolicy>>;
}

export function bufferFor(plan: StrategyPlan, channel: SimChannel): BufferPolicy {
  return plan.channelBuffers?.[channel] ?? plan.buffer;
}

const FULL_POLL_SEC = 5 * 60; // the engine's default poll interval
const POLLING_ONLY_SEC = 15 * 60; // "as many commercial tools do"
const RECONCILE_SEC = 60 * 60; // hourly (daily in production would never run within a simulated few hours)

export function planFor(strategy: Strategy, scale: number): StrategyPlan {
  const real = (platformSec: number) => Math.max(1_000, Math.round((platformSec * 1000) / scale));
  const full = {
    layers: { webhooks: true, dispatch: true, polling: true, reconcile: true },
    webhooks: true,
    pollPlatformSec: FULL_POLL_SEC,
    pollRealMs: real(FULL_POLL_SEC),
    reconcilePlatformSec: RECONCILE_SEC,
    reconcileCron: everySeconds(real(RECONCILE_SEC) / 1000),
  };
  switch (strategy) {
    case 'full':
      return { strategy, description: 'all four layers (webhooks, micro-batch dispatch, 5-minute polls, hourly reconciliation) with buffers', ...full, buffer: FULL_BUFFER, channelBuffers: { amazon: FULL_AMAZON_BUFFER } };
    case 'no-buffers':
      return { strategy, description: 'all four layers, no buffer', ...full, buffer: {} };
    case 'webhooks-only':
      return {
        strategy, description: 'webhooks and dispatch only: no polling, no reconciliation, no buffer',
        layers: { webhooks: true, dispatch: true, polling: false, reconcile: false }, webhooks: true,
        pollPlatformSec: null, pollRealMs: null, reconcilePlatformSec: null, reconcileCron: null, buffer: {},
      };
    case 'polling-only':
      return {
        strategy, description: '15-minute polls and dispatch only: no webhooks, no reconciliation, no buffer',
        layers: { webhooks: false, dispatch: true, polling: true, reconcile: false }, webhooks: false,
        pollPlatformSec: POLLING_ONLY_SEC, pollRealMs: real(POLLING_ONLY_SEC), reconcilePlatformSec: null, reconcileCron: null, buffer: {},
      };
  }
}

/** A croner expression (seconds field) firing every `sec` real seconds, rounded to what cron can say. */
export function everySeconds(sec: number): string {
  const s = Math.max(1, Math.round(sec));
  if (s < 60) return `*/${s} * * * * *`;
  const m = Math.max(1, Math.round(s / 60));
  if (m < 60) return `0 */${m} * * * *`;
  return `0 0 */${Math.max(1, Math.round(m / 60))} * * *`;
}

export function bufferYaml(b: BufferPolicy): string {
  return `{ ${Object.entries(b).map(([k, v]) => `${k}: ${String(v)}`).join(', ')} }`;
}
