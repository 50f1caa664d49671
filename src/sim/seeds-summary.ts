// One table over several seeds (`simulate --seeds`): per fault profile and strategy, the
// totals over every seed run, then one row per seed, so that a result that holds on one
// seed only shows. Built from the report.json files under the report directory
// (`seed-<n>/<profile>-<strategy>/`), so runs made one at a time still give one table.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SimReport } from './types.js';

export interface SeedsRow {
  strategy: string;
  faultProfile: string;
  seeds: number[];
  orders: number;
  oversoldOrders: number;
  oversoldUnits: number;
  undersellUnitSeconds: number;
  refusedShoppers: number;
  attemptedOrders: number;
}

/** The directory of one run under a --seeds report directory. */
export function seedRunDir(reportDir: string, seed: number, faultProfile: string, strategy: string): string {
  return path.join(reportDir, `seed-${seed}`, `${faultProfile}-${strategy}`);
}

/** Every report.json under `reportDir`'s seed-<n> folders. */
export function readSeedReports(reportDir: string): SimReport[] {
  if (!existsSync(reportDir)) return [];
  const reports: SimReport[] = [];
  for (const seedDir of readdirSync(reportDir)
    .filter((d) => /^seed-\d+$/.test(d))
    .sort()) {
    for (const run of readdirSync(path.join(reportDir, seedDir)).sort()) {
      const file = path.join(reportDir, seedDir, run, 'report.json');
      if (existsSync(file)) reports.push(JSON.parse(readFileSync(file, 'utf8')) as SimReport);
    }
  }
  return reports;
}

export function summariseSeeds(reports: readonly SimReport[]): SeedsRow[] {
  const rows = new Map<string, SeedsRow>();
  for (const r of reports) {
    const key = `${r.faultProfile}\u0000${r.strategy}`;
    const row = rows.get(key) ?? {
      strategy: r.strategy,
      faultProfile: r.faultProfile,
      seeds: [],
      orders: 0,
      oversoldOrders: 0,
      oversoldUnits: 0,
      undersellUnitSeconds: 0,
      refusedShoppers: 0,
      attemptedOrders: 0,
    };
    row.seeds.push(r.seed);
    row.orders += r.orders;
    row.oversoldOrders += r.oversoldOrders;
    row.oversoldUnits += r.oversoldUnits;
    row.undersellUnitSeconds = Math.round((row.undersellUnitSeconds + r.undersellUnitSeconds) * 10) / 10;
    row.refusedShoppers += (r.refused as number | undefined) ?? 0;
    row.attemptedOrders += (r.attempted as number | undefined) ?? r.orders;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => a.faultProfile.localeCompare(b.faultProfile) || a.strategy.localeCompare(b.strategy));
}

const n = (x: number) => x.toLocaleString('en-US');

export function seedsMarkdown(reports: readonly SimReport[], title: string): string {
  const rows = summariseSeeds(reports);
  const lines = [
    `# ${title}`,
    '',
    'Totals over the seeds run (undersell: unit-seconds a channel showed less than the true ATS, real time; refused: shoppers a channel turned away at 0).',
    '',
  ];
  lines.push('| faults | strategy | seeds | orders | oversold orders | oversold units | undersell unit-s | refused shoppers |');
  lines.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    lines.push(
      `| ${r.faultProfile} | ${r.strategy} | ${r.seeds.join(', ')} | ${n(r.orders)} | ${n(r.oversoldOrders)} | **${n(r.oversoldUnits)}** | ${n(r.undersellUnitSeconds)} | ${n(r.refusedShoppers)} |`,
    );
  }
  lines.push('', '## Per seed', '');
  lines.push('| faults | strategy | seed | workload | orders | oversold orders | oversold units | undersell unit-s | refused | commit |');
  lines.push('| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |');
  const sorted = [...reports].sort((a, b) => a.faultProfile.localeCompare(b.faultProfile) || a.strategy.localeCompare(b.strategy) || a.seed - b.seed);
  for (const r of sorted) {
    const hash = (r.workload as { hash?: string } | undefined)?.hash?.slice(0, 12) ?? '';
    const commit = String((r.machine as { commit?: string } | undefined)?.commit ?? '').slice(0, 7);
    lines.push(
      `| ${r.faultProfile} | ${r.strategy} | ${r.seed} | ${hash} | ${n(r.orders)} | ${n(r.oversoldOrders)} | ${n(r.oversoldUnits)} | ${n(r.undersellUnitSeconds)} | ${n((r.refused as number | undefined) ?? 0)} | ${commit} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function writeSeedsSummary(reportDir: string, title: string): string[] {
  const reports = readSeedReports(reportDir);
  mkdirSync(reportDir, { recursive: true });
  const files = [path.join(reportDir, 'seeds.json'), path.join(reportDir, 'seeds.md')];
  writeFileSync(files[0]!, `${JSON.stringify({ title, summary: summariseSeeds(reports) }, null, 2)}\n`);
  writeFileSync(files[1]!, seedsMarkdown(reports, title));
  return files;
}
