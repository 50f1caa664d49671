// What the simulation's modules share: the options of a run, the report's shape and the
// small numeric helpers. A leaf: it imports types only, so every other module of src/sim
// can import it without a cycle.
import type { ScratchServer } from '../harness/database.js';
import type { ChaosProfile } from './chaos.js';
import type { FaultProfileName, Strategy } from './strategies.js';
import type { SimChannel, WorkloadParams } from './workload.js';

export interface RunOptions extends WorkloadParams {
  strategy: Strategy;
  faultProfile: FaultProfileName;
  /** Real ms between samples of every channel's count against the ground truth. */
  sampleMs?: number;
  /** Real ms the run may wait after the workload for the engine to settle (default from the strategy). */
  settleMs?: number;
  onProgress?: (line: string) => void;
  logLevel?: string;
  /** Every request to this channel's sandbox takes `latencyMs` real ms (a deliberately slow channel). */
  slowChannel?: { channel: SimChannel; latencyMs: number };
  /** Run the engine as `engines` processes (`stocksync start`) under the chaos profile, instead of in this process. */
  fleet?: FleetRun;
}

export interface FleetRun {
  engines: number;
  chaos: ChaosProfile;
  /** The PostgreSQL server the run's database is on: the chaos restarts it. */
  server: ScratchServer;
  /** Where the engines' config and logs go. */
  dir: string;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface SimReport {
  strategy: Strategy;
  seed: number;
  faultProfile: FaultProfileName;
  orders: number;
  oversoldOrders: number;
  oversoldUnits: number;
  undersellUnitSeconds: number;
  propagationMs: Percentiles;
  apiCalls: Record<string, number>;
  throttled: number;
  driftCorrectedUnits: number;
  // more than the documented fields:
  [extra: string]: unknown;
}

/** Nearest-rank percentiles; all 0 for no values. */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted.at(-1) ?? 0 };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `x` rounded to `digits` decimals. */
export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
