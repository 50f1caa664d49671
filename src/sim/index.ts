// `stocksync simulate`: one strategy, or every strategy on the same seed and faults
// (--compare), each on a fresh database of one embedded PostgreSQL (or DATABASE_URL's
// server), writing the reports under the report directory.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { scratchServer } from '../harness/database.js';
import { machineInfo } from '../harness/machine.js';
import { StocksyncError } from '../errors.js';
import { writeCompare, writeRunReport } from './report.js';
import { runSimulation } from './run.js';
import type { SimReport } from './types.js';
import { STRATEGIES, type FaultProfileName, type Strategy } from './strategies.js';
import type { SimChannel } from './workload.js';

export interface SimulateOptions {
  seed: number;
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
  if (workloads.size > 1) throw new StocksyncError('INPUT_INVALID', `the runs under ${reportDir} played different workloads (${[...workloads].join('; ')}): one table needs one seed and one workload`);
  const title = `stocksync simulate --compare (seed ${reports[0]!.seed}, faults ${faultProfiles.join(', ')})`;
  return { reports, files: writeCompare(reportDir, reports, title) };
}

export async function simulate(o: SimulateOptions): Promise<SimulateResult> {
  const server = await scratchServer();
  const reports: SimReport[] = [];
  const files: string[] = [];
  const strategies = o.compare ? STRATEGIES : [o.strategy];
  try {
    for (const faultProfile of o.faultProfiles) {
      for (const strategy of strategies) {
        // Taken before the run: the commit is the code this run loaded, whatever lands meanwhile.
        const machine = { ...machineInfo(), database: server.kind };
        const url = await server.createDatabase(`stocksync_sim_${strategy.replace(/-/g, '_')}_${faultProfile}`);
        o.log(`running ${strategy} with faults ${faultProfile} (seed ${o.seed})`);
        const report = await runSimulation(url, {
          seed: o.seed, skus: o.skus, channels: o.channels, durationSec: o.durationSec, orderRate: o.orderRate, scale: o.scale,
          strategy, faultProfile,
          ...(o.sampleMs !== undefined && { sampleMs: o.sampleMs }),
          ...(o.settleMs !== undefined && { settleMs: o.settleMs }),
          onProgress: o.log,
        });
        report.machine = { ...machine, finished: new Date().toISOString() };
        reports.push(report);
        const dir = o.compare || o.faultProfiles.length > 1 ? path.join(o.reportDir, `${faultProfile}-${strategy}`) : o.reportDir;
        files.push(...writeRunReport(dir, report));
        o.log(`${strategy}/${faultProfile}: ${report.orders} orders, oversold ${report.oversoldOrders} orders / ${report.oversoldUnits} units, propagation p99 ${report.propagationMs.p99} ms -> ${dir}`);
      }
    }
    if (o.compare) files.push(...writeCompare(o.reportDir, reports, `stocksync simulate --compare (seed ${o.seed}, faults ${o.faultProfiles.join(', ')})`));
    return { reports, files };
  } finally {
    await server.stop();
  }
}
