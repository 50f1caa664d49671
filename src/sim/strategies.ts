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

export type Strategy = 'full' | 'full-static' | 'webhooks-only' | 'polling-only' | 'no-buffers';
export const STRATEGIES: readonly Strategy[] = ['full', 'full-static', 'webhooks-only', 'polling-only', 'no-buffers'];
export type FaultProfileName = 'none' | 'lossy' | 'hostile';
export const FAULT_PROFILE_NAMES: readonly FaultProfileName[] = ['none', 'lossy', 'hostile'];

/**
 * `full`'s buffers: adaptive, the product's default (src/domain/buffer-modes.ts), with no
 * fixed hold-back: every channel shows the whole ATS while it is plentiful, and the channels
 * split it while it is scarce.
 */
export const ADAPTIVE_BUFFER: BufferPolicy = { mode: 'adaptive' };

/**
 * `full-static`'s buffers, the ones `full` had before adaptive buffers (tuned on seed 42):
 * hold one unit back and show 0 below 4 on every channel; on Amazon two units and below 5,
 * since Amazon both applies a quantity and reports an order about a platform minute late.
 */
export const STATIC_BUFFER: BufferPolicy = { mode: 'shared', holdBackUnits: 1, zeroBelow: 4 };
export const STATIC_AMAZON_BUFFER: BufferPolicy = { mode: 'shared', holdBackUnits: 2, zeroBelow: 5 };

export interface StrategyPlan {
  strategy: Strategy;
  description: string;
  layers: { webhooks: boolean; dispatch: boolean; polling: boolean; reconcile: boolean };
  /** Whether the sandbox's webhooks are subscribed to the engine. */
  webhooks: boolean;
  /** Platform seconds between polls, and the real ms they become. */
  pollPlatformSec: number | null;
  pollRealMs: number | null;
  /**
   * The same for the 3PLs: ShipBob sends no inventory webhook, so its connections poll at
   * its platform default (1 minute, src/config/platforms.ts) where the channels poll at 5.
   */
  warehousePollPlatformSec: number | null;
  warehousePollRealMs: number | null;
  /** Platform seconds between full reconciliations, and the cron that runs it in real time. */
  reconcilePlatformSec: number | null;
  reconcileCron: string | null;
  /** The buffer of every channel, but those in channelBuffers. */
  buffer: BufferPolicy;
  channelBuffers?: Partial<Record<SimChannel, BufferPolicy>>;
  /** The engine's `adaptive:` settings, in real time (the workload runs `scale` times faster). */
  adaptive: { velocityWindowMs: number; replanIntervalMs: number; defaultLatencyMs: number };
}

export function bufferFor(plan: StrategyPlan, channel: SimChannel): BufferPolicy {
  return plan.channelBuffers?.[channel] ?? plan.buffer;
}

const FULL_POLL_SEC = 5 * 60; // the engine's default poll interval
const WAREHOUSE_POLL_SEC = 60; // ShipBob's default (no inventory webhook)
const POLLING_ONLY_SEC = 15 * 60; // "as many commercial tools do"
const RECONCILE_SEC = 60 * 60;
const VELOCITY_WINDOW_SEC = 10 * 60; // hourly (daily in production would never run within a simulated few hours)

export function planFor(strategy: Strategy, scale: number): StrategyPlan {
  const real = (platformSec: number) => Math.max(1_000, Math.round((platformSec * 1000) / scale));
  // Velocity over the last 10 platform minutes; re-plans often enough that a raise held for
  // another channel's lowering waits a fraction of a platform second beyond it.
  const adaptive = { velocityWindowMs: Math.round((VELOCITY_WINDOW_SEC * 1000) / scale), replanIntervalMs: 250, defaultLatencyMs: 1_000 };
  const full = {
    layers: { webhooks: true, dispatch: true, polling: true, reconcile: true },
    webhooks: true,
    pollPlatformSec: FULL_POLL_SEC,
    pollRealMs: real(FULL_POLL_SEC),
    warehousePollPlatformSec: WAREHOUSE_POLL_SEC,
    warehousePollRealMs: real(WAREHOUSE_POLL_SEC),
    reconcilePlatformSec: RECONCILE_SEC,
    reconcileCron: everySeconds(real(RECONCILE_SEC) / 1000),
    adaptive,
  };
  // webhooks-only and polling-only carry full's buffers, so that the table compares layers
  // alone; no-buffers is the control with the buffers off.
  const buffers = { buffer: ADAPTIVE_BUFFER };
  switch (strategy) {
    case 'full':
      return {
        strategy,
        description:
          'all four layers (webhooks, micro-batch dispatch, 5-minute polls with the 3PL polled every minute, hourly reconciliation), adaptive buffers',
        ...full,
        ...buffers,
      };
    case 'full-static':
      return {
        strategy,
        description: 'all four layers, the static buffers full had before (hold back 1, zero below 4; Amazon 2 and 5)',
        ...full,
        buffer: STATIC_BUFFER,
        channelBuffers: { amazon: STATIC_AMAZON_BUFFER },
      };
    case 'no-buffers':
      return { strategy, description: 'all four layers, no buffer (shared mode, nothing held back)', ...full, buffer: { mode: 'shared' } };
    case 'webhooks-only':
      return {
        strategy,
        description: 'webhooks and dispatch only: no polling, no reconciliation; adaptive buffers',
        layers: { webhooks: true, dispatch: true, polling: false, reconcile: false },
        webhooks: true,
        pollPlatformSec: null,
        pollRealMs: null,
        warehousePollPlatformSec: null,
        warehousePollRealMs: null,
        reconcilePlatformSec: null,
        reconcileCron: null,
        adaptive,
        ...buffers,
      };
    case 'polling-only':
      return {
        strategy,
        description: '15-minute polls and dispatch only: no webhooks, no reconciliation; adaptive buffers',
        layers: { webhooks: false, dispatch: true, polling: true, reconcile: false },
        webhooks: false,
        pollPlatformSec: POLLING_ONLY_SEC,
        pollRealMs: real(POLLING_ONLY_SEC),
        warehousePollPlatformSec: POLLING_ONLY_SEC,
        warehousePollRealMs: real(POLLING_ONLY_SEC),
        reconcilePlatformSec: null,
        reconcileCron: null,
        adaptive,
        ...buffers,
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
  return `{ ${Object.entries(b)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ')} }`;
}
