import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Rng } from './rng.js';

/**
 * A network's worth of delay on every platform request: a fixed part plus a uniform
 * jitter, drawn from the instance's own seeded stream, so that benchmarks no longer run
 * against a server that answers instantly. Off by default (tests stay fast). Applied by
 * the server to every route an instance registers (sandbox/server.ts), whatever the
 * platform; the control API under /_sandbox is never delayed.
 *
 * Real milliseconds, like the fault profiles' request latency, and independent of it
 * (a fault profile's latency is drawn on top).
 */
export interface LatencySetting {
  fixedMs: number;
  jitterMs: number;
}

export const NO_LATENCY: LatencySetting = { fixedMs: 0, jitterMs: 0 };

export const latencySchema = z.object({
  fixedMs: z.number().min(0).max(60_000),
  jitterMs: z.number().min(0).max(60_000).default(0),
});

export interface Latency {
  get(): LatencySetting;
  set(setting: LatencySetting): void;
  /** The delay for one request, drawn now: fixedMs + jitterMs x uniform[0, 1). */
  draw(): number;
}

export function createLatency(rng: Rng, initial: LatencySetting = NO_LATENCY): Latency {
  let current = { ...initial };
  return {
    get: () => ({ ...current }),
    set(setting) {
      current = { fixedMs: setting.fixedMs, jitterMs: setting.jitterMs };
    },
    draw() {
      if (current.fixedMs <= 0 && current.jitterMs <= 0) return 0;
      // one draw per request even without jitter: turning jitter on later does not
      // shift which requests get which delay relative to a run that had it on all along
      const u = rng.next();
      return current.fixedMs + current.jitterMs * u;
    },
  };
}

/** Delays every request of the routes registered in `scope` (an instance's own scope). */
export function delayRequests(scope: FastifyInstance, latency: Latency): void {
  scope.addHook('onRequest', async () => {
    const ms = latency.draw();
    if (ms > 0) await new Promise<void>((resolve) => setTimeout(resolve, ms));
  });
}

/** `latency` given once for every instance, or per instance keyed "platform/name", by platform, or "default". */
export type LatencyOption = LatencySetting | Partial<Record<string, LatencySetting>>;

export function latencyFor(option: LatencyOption | undefined, key: string, platform: string): LatencySetting {
  if (option === undefined) return NO_LATENCY;
  if ('fixedMs' in option && typeof option.fixedMs === 'number') return option as LatencySetting;
  const per = option as Partial<Record<string, LatencySetting>>;
  return per[key] ?? per[platform] ?? per['default'] ?? NO_LATENCY;
}
