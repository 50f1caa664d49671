// `stocksync simulate`: one strategy, or every strategy on the same seed and faults
// (--compare), each on a fresh database of one embedded PostgreSQL (or DATABASE_URL's
// server), writing the reports under the report directory.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { scratchServer } from '../harness/database.js';
import { machineInfo } from '../harness/machine.js';
import { StocksyncError } from '../errors.js';
import { writeCompare, writeRunReport } from './report.js';
import { readSeedReports, seedRunDir, writeSeedsSummary } from './seeds-summary.js';
import { runSimulation } from './run.js';
import type { SimReport } from './types.js';
import { STRATEGIES, type FaultProfileName, type Strategy } from './strategies.js';
import { CHAOS_PROFILES, type ChaosProfileName } from './chaos.js';
import type { SimChannel } from './workload.js';

export interface SimulateOptions {
  seed: number;
  /** Several seeds: every run of each, under seed-<n>/, and one table over them (seeds.md). */
  seeds?: number[];
  /** The strategies to run (default: `strategy`, or every one with `compare`). */
  strategies?: Strategy[];
  flashIntensity?: number;
  /** 2: two 3PLs, channels selling from different ones (warehouse-layout.ts). */
  warehouses?: 1 | 2;
  skus: number;
  channels: SimChannel[];
  durationSec: number;
  orderRate: number;
  faultProfiles: FaultProfileName[];
  strategy: Strategy;
  compare: boolean;
  reportDir: string;
  scale: number;
  sampleMs?: number;
  settleMs?: number;
  /** Run the engine as this many `stocksync start` processes (else in this process). */
  engines?: number;
  /** With `engines`: the chaos profiles to run, each a run of its own (`none` first, the others compared with it). */
  chaos?: ChaosProfileName[];
  log: (line: string) => void;
}

export interface SimulateResult {
  reports: SimReport[];
  files: string[];
}

/**
 * The side-by-side table rebuilt from the runs already under `reportDir`
 * (`<profile>-<strategy>/report.json`, as --compare writes them), so that the strategies
 * can be run one at a time, e.g. each between other benchmarks, and still give one table.
 */
export function compareFromReports(reportDir: string, faultProfiles: readonly FaultProfileName[]): SimulateResult {
  const reports: SimReport[] = [];
  const missing: string[] = [];
  for (const faultProfile of faultProfiles) {
    for (const strategy of STRATEGIES) {
      const file = path.join(reportDir, `${faultProfile}-${strategy}`, 'report.json');
      if (existsSync(file)) reports.push(JSON.parse(readFileSync(file, 'utf8')) as SimReport);
      else missing.push(file);
    }
  }
  if (missing.length > 0) throw new StocksyncError('NOT_FOUND', `no report at ${missing.join(', ')}: run those strategies first`, { missing });
  const workloads = new Set(reports.map((r) => `seed ${r.seed} workload ${(r.workload as { hash: string }).hash.slice(0, 12)}`));
  if (workloads.size > 1)
    throw new StocksyncError(
      'INPUT_INVALID',
      `the runs under ${reportDir} played different workloads (${[...workloads].join('; ')}): one table needs one seed and one workload`,
    );
  const title = `stocksync simulate --compare (seed ${reports[0]!.seed}, faults ${faultProfiles.join(', ')})`;
  return { reports, files: writeCompare(reportDir, reports, title) };
}

export async function simulate(o: SimulateOptions): Promise<SimulateResult> {
  const server = await scratchServer();
  const reports: SimReport[] = [];
  const files: string[] = [];
  const strategies = o.strategies ?? (o.compare ? STRATEGIES : [o.strategy]);
  const seeds = o.seeds ?? [o.seed];
  const bySeeds = o.seeds !== undefined;
  try {
    for (const seed of seeds) {
      const seedReports: SimReport[] = [];
      for (const faultProfile of o.faultProfiles) {
        for (const strategy of strategies) {
          // `none` first: a chaos run's oversold units are compared with it.
          const chaosProfiles = o.engines === undefined ? [undefined] : [...(o.chaos ?? ['none'])].sort((a, b) => Number(a !== 'none') - Number(b !== 'none'));
          let withoutChaos: SimReport | undefined;
          for (const chaos of chaosProfiles) {
            // Taken before the run: the commit is the code this run loaded, whatever lands meanwhile.
            const machine = { ...machineInfo(), database: server.kind };
            const url = await server.createDatabase(`stocksync_sim_${strategy.replace(/-/g, '_')}_${faultProfile}${chaos ? `_chaos_${chaos}` : ''}`);
            const base = bySeeds
              ? seedRunDir(o.reportDir, seed, faultProfile, strategy)
              : strategies.length > 1 || o.faultProfiles.length > 1
                ? path.join(o.reportDir, `${faultProfile}-${strategy}`)
                : o.reportDir;
            const dir = chaos !== undefined && chaosProfiles.length > 1 ? path.join(base, `chaos-${chaos}`) : base;
            o.log(`running ${strategy} with faults ${faultProfile} (seed ${seed})${chaos ? `, ${o.engines} engines, chaos ${chaos}` : ''}`);
            const report = await runSimulation(url, {
              seed,
              skus: o.skus,
              channels: o.channels,
              durationSec: o.durationSec,
              orderRate: o.orderRate,
              scale: o.scale,
              strategy,
              faultProfile,
              ...(o.flashIntensity !== undefined && { flashIntensity: o.flashIntensity }),
              ...(o.warehouses === 2 && { warehouses: 2 as const }),
              ...(o.sampleMs !== undefined && { sampleMs: o.sampleMs }),
              ...(o.settleMs !== undefined && { settleMs: o.settleMs }),
              ...(chaos !== undefined && { fleet: { engines: o.engines!, chaos: CHAOS_PROFILES[chaos], server, dir: path.join(dir, 'engines') } }),
              onProgress: o.log,
            });
            report.machine = { ...machine, finished: new Date().toISOString() };
            if (chaos === 'none') withoutChaos = report;
            else if (withoutChaos && report.chaos) (report.chaos as Record<string, unknown>).oversoldUnitsWithoutChaos = withoutChaos.oversoldUnits;
            reports.push(report);
            seedReports.push(report);
            files.push(...writeRunReport(dir, report));
            o.log(
              `${strategy}/${faultProfile}${chaos ? `/chaos ${chaos}` : ''}: ${report.orders} orders, oversold ${report.oversoldOrders} orders / ${report.oversoldUnits} units, propagation p99 ${report.propagationMs.p99} ms -> ${dir}`,
            );
          }
        }
      }
      if (o.compare && !bySeeds)
        files.push(...writeCompare(o.reportDir, seedReports, `stocksync simulate --compare (seed ${seed}, faults ${o.faultProfiles.join(', ')})`));
      // Rewritten after every seed: a long series interrupted still leaves its table.
      if (bySeeds) files.push(...writeSeedsSummary(o.reportDir, seedsTitle(o.reportDir)));
    }
    return { reports, files: [...new Set(files)] };
  } finally {
    await server.stop();
  }
}

export function seedsTitle(reportDir: string): string {
  const seeds = [...new Set(readSeedReports(reportDir).map((r) => r.seed))].sort((a, b) => a - b);
  return `stocksync simulate --seeds ${seeds.join(',')}`;
}

/** The --seeds table rebuilt from the runs already under `reportDir`. */
export function seedsFromReports(reportDir: string): SimulateResult {
  const reports = readSeedReports(reportDir);
  if (reports.length === 0) throw new StocksyncError('NOT_FOUND', `no seed-<n>/<profile>-<strategy>/report.json under ${reportDir}: run some seeds first`);
  return { reports, files: writeSeedsSummary(reportDir, seedsTitle(reportDir)) };
}
