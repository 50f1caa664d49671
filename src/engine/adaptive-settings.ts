// The settings adaptive buffers plan with, one set per process, taken from the config at
// start (`adaptive:` in stocksync.yaml). Every process of one deployment reads the same
// file, so they plan alike; operations reach them without threading them through every call.
import { DEFAULT_SCARCITY, type ScarcitySettings } from '../domain/buffer-modes.js';

export interface AdaptiveSettings extends ScarcitySettings {
  /** Time constant of the sales velocity (an exponentially decayed rate), ms. */
  velocityWindowMs: number;
  /** A connection's lowering latency until it has measured some, ms. */
  defaultLatencyMs: number;
  /** Fewest measured lowerings before a connection's own latency is used. */
  minLatencySamples: number;
  /** How often partitioned SKUs are re-planned (adaptive leaving, held raises granted), ms. */
  replanIntervalMs: number;
}

export const DEFAULT_ADAPTIVE: AdaptiveSettings = {
  ...DEFAULT_SCARCITY,
  velocityWindowMs: 10 * 60_000,
  defaultLatencyMs: 2_000,
  minLatencySamples: 5,
  replanIntervalMs: 1_000,
};

let current: AdaptiveSettings = DEFAULT_ADAPTIVE;

export function adaptiveSettings(): AdaptiveSettings {
  return current;
}

export function configureAdaptive(settings: Partial<AdaptiveSettings>): void {
  current = { ...DEFAULT_ADAPTIVE, ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) };
}
