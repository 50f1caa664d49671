// Shared by the benchmarks: several runs with the median kept, the machine's load around
// each run (2 cores shared with other work), and the result written as JSON + Markdown.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { machineInfo } from '../../src/harness/machine.js';

export const RUNS = Number(process.env.BENCH_RUNS ?? 3);

export interface Load {
  /** 1, 5 and 15 minute load averages (os.loadavg) */
  before: number[];
  after: number[];
}

export function loadNow(): number[] {
  return os.loadavg().map((x) => Number(x.toFixed(2)));
}

/** How loaded the machine was, in words, from the 1-minute load averages around the runs. */
export function loadVerdict(loads: readonly Load[]): string {
  const cores = os.cpus().length;
  const worst = Math.max(...loads.flatMap((l) => [l.before[0]!, l.after[0]!]));
  const best = Math.min(...loads.flatMap((l) => [l.before[0]!, l.after[0]!]));
  const share = worst / cores;
  const word = share < 0.6 ? 'lightly loaded' : share < 1.2 ? 'busy' : 'overloaded';
  return `${word}: 1-minute load ${best}..${worst} on ${cores} cores (this benchmark included)`;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor((s.length - 1) / 2)]!;
}

/** Index of the run whose `key` is the median (the run reported in full). */
export function medianIndex<T>(runs: readonly T[], key: (r: T) => number): number {
  const order = runs.map((r, i) => ({ v: key(r), i })).sort((a, b) => a.v - b.v);
  return order[Math.floor((order.length - 1) / 2)]!.i;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function machine(): Record<string, unknown> {
  return machineInfo();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Writes bench/results/<name>.json and <name>.md. */
export function writeResult(name: string, json: unknown, md: string): void {
  writeFileSync(`bench/results/${name}.json`, `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(`bench/results/${name}.md`, md.endsWith('\n') ? md : `${md}\n`);
}

export function machineLine(m: Record<string, unknown>): string {
  return `${m['cores']} x ${m['cpuModel']}, ${m['memoryGiB']} GiB, Node ${m['node']}, ${m['platform']}; commit ${m['commit']}, ${m['date']}`;
}
