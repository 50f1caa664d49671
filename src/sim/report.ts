// What a simulation writes: report.json (the documented fields first), report.md and a
// self-contained chart (HTML with inline SVG, no network), per run; and for --compare
// one side-by-side table (compare.json, compare.md, compare.html).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SimReport } from './types.js';
import type { SplitOrders, WarehouseFigures } from './warehouse-report.js';

export const DOCUMENTED_FIELDS = [
  'strategy',
  'seed',
  'faultProfile',
  'orders',
  'oversoldOrders',
  'oversoldUnits',
  'undersellUnitSeconds',
  'propagationMs',
  'apiCalls',
  'throttled',
  'driftCorrectedUnits',
] as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const n = (x: number) => x.toLocaleString('en-US');
const calls = (r: SimReport) =>
  Object.entries(r.apiCalls)
    .map(([p, c]) => `${p} ${n(c)}`)
    .join(', ');

export function writeRunReport(dir: string, r: SimReport): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, 'report.json'), path.join(dir, 'report.md'), path.join(dir, 'chart.html')];
  writeFileSync(files[0]!, `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(files[1]!, runMarkdown(r));
  writeFileSync(files[2]!, htmlPage(`stocksync simulate: ${r.strategy}, ${r.faultProfile}, seed ${r.seed}`, [r]));
  return files;
}

function runMarkdown(r: SimReport): string {
  const w = r.workload as { hash: string; skus: number; channels: string[]; durationSec: number; orderRate: number };
  const clock = r.clock as { scale: number; platformDurationSec: number };
  const p = r.propagationMs;
  const defs = r.definitions as Record<string, string>;
  return `# Simulation: ${r.strategy}, faults ${r.faultProfile}, seed ${r.seed}

${(r.strategyPlan as { description: string }).description}.
Workload ${w.hash.slice(0, 12)}: ${w.skus} SKUs on ${w.channels.join(', ')}, ${w.durationSec} s at ${w.orderRate} orders/s
(clock x${clock.scale}: about ${Math.round(clock.platformDurationSec / 60)} platform minutes).

| measure | value |
| --- | --- |
| orders placed (refused at 0) | ${n(r.orders)} (${n(r.refused as number)}) |
| oversold orders / units | **${n(r.oversoldOrders)} / ${n(r.oversoldUnits)}** |${r.misroutedOrders === undefined ? '' : `\n| misrouted orders / units (sent whole after a split across warehouses) | ${n(r.misroutedOrders as number)} / ${n(r.misroutedUnits as number)} |`}
| undersell unit-seconds (real) | ${n(r.undersellUnitSeconds)} |
| propagation ms p50 / p95 / p99 / max | ${p.p50} / ${p.p95} / ${p.p99} / ${p.max} |
| API calls | ${calls(r)} |
| throttled (429) | ${n(r.throttled)} |
| drift corrected units | ${n(r.driftCorrectedUnits)} |
| orders never at the 3PL (lost) | ${n(r.lostOrders as number)} |
| cancelled after reaching the 3PL (shipped anyway) | ${n(r.cancelledAfterWarehouse as number)} |
| settled after the workload | ${r.settled ? 'yes' : 'no'} |

${r.warehouses ? warehousesMarkdown(r.warehouses as WarehousesSection) : ''}${r.chaos ? chaosMarkdown(r.chaos as ChaosSection) : ''}Definitions:
${Object.entries(defs)
  .map(([k, v]) => `- **${k}**: ${v}`)
  .join('\n')}

Every field: [report.json](report.json). Chart: [chart.html](chart.html).
`;
}

interface WarehousesSection {
  byWarehouse: Record<string, WarehouseFigures>;
  splitOrders: SplitOrders;
}

/** Per-warehouse figures of a run with several 3PLs (src/sim/warehouse-report.ts). */
function warehousesMarkdown(w: WarehousesSection): string {
  const rows = Object.entries(w.byWarehouse).map(
    ([id, f]) =>
      `| ${id} | ${n(f.ordersReceived)} / ${n(f.unitsReceived)} | **${n(f.oversoldOrders)} / ${n(f.oversoldUnits)}** | ${n(f.misroutedOrders)} / ${n(f.misroutedUnits)} | ${n(f.stuckInExceptionAtEnd.orders)} | ${n(f.receivedUnits)} / ${n(f.returnedUnits)} / ${n(f.shrunkUnits)} | ${n(f.onHandAtEnd)} |`,
  );
  return `| warehouse | orders / units received | oversold orders / units | misrouted orders / units | in Exception at end | units received / returned / shrunk | on hand at end |
| --- | ---: | ---: | ---: | ---: | --- | ---: |
${rows.join('\n')}

Orders routed across warehouses: ${n(w.splitOrders.orders)}; their units claimed at a warehouse that did not receive the order: ${n(w.splitOrders.unitsClaimedAwayFromShipper)} (${w.splitOrders.meaning}).

`;
}

interface ChaosSection {
  profile: string;
  engines: number;
  database: string;
  kills: number;
  deploys: number;
  pauses: number;
  postgresRestarts: number;
  ordersLost: number;
  ordersRecordedTwice: number;
  claimsDoubled: number;
  unitsPushedTwice: number;
  leaseHandOverMs: { p50: number; max: number; count: number; notHandedOver: number };
  oversoldUnitsWithoutChaos?: number;
  definitions: Record<string, string>;
}

const withoutChaosHint = (profile: string) => `not run (add --chaos none,${profile})`;

/** The chaos part of a run with several engines (src/sim/chaos-run.ts). */
function chaosMarkdown(c: ChaosSection): string {
  const h = c.leaseHandOverMs;
  return `Chaos \`${c.profile}\` on ${c.engines} engine processes, ${c.database} PostgreSQL: ${c.kills} SIGKILLs, ${c.deploys} deploys (SIGTERM), ${c.pauses} pauses past the lease, ${c.postgresRestarts} PostgreSQL restarts.

| chaos measure | value |
| --- | --- |
| orders lost / recorded twice | **${n(c.ordersLost)} / ${n(c.ordersRecordedTwice)}** |
| claims doubled | **${n(c.claimsDoubled)}** |
| units pushed to the 3PL twice | **${n(c.unitsPushedTwice)}** |
| lease hand-over ms p50 / max (hand-overs; not handed over) | ${h.p50} / ${h.max} (${h.count}; ${h.notHandedOver}) |
| oversold units without chaos (same seed) | ${c.oversoldUnitsWithoutChaos === undefined ? withoutChaosHint(c.profile) : n(c.oversoldUnitsWithoutChaos)} |

${Object.entries(c.definitions)
  .map(([k, v]) => `- **${k}**: ${v}`)
  .join('\n')}

`;
}

export function compareMarkdown(reports: readonly SimReport[], title: string): string {
  const byProfile = new Map<string, SimReport[]>();
  for (const r of reports) byProfile.set(r.faultProfile, [...(byProfile.get(r.faultProfile) ?? []), r]);
  const rows: string[] = [];
  for (const [profile, rs] of byProfile) {
    rows.push(`\n### faults: ${profile}\n`);
    rows.push(
      `| strategy | orders | oversold orders | oversold units | undersell unit-s | propagation p50 / p95 / p99 / max ms | API calls | throttled | drift corrected units | lost orders |`,
    );
    rows.push(`| --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |`);
    for (const r of rs) {
      const p = r.propagationMs;
      rows.push(
        `| ${r.strategy} | ${n(r.orders)} | ${n(r.oversoldOrders)} | **${n(r.oversoldUnits)}** | ${n(r.undersellUnitSeconds)} | ${n(p.p50)} / ${n(p.p95)} / ${n(p.p99)} / ${n(p.max)} | ${calls(r)} | ${n(r.throttled)} | ${n(r.driftCorrectedUnits)} | ${n(r.lostOrders as number)} |`,
      );
    }
  }
  const first = reports[0];
  const w = first?.workload as { hash: string; skus: number; channels: string[]; durationSec: number; orderRate: number } | undefined;
  return `# ${title}\n\n${w ? `Seed ${first!.seed}, workload ${w.hash.slice(0, 12)}: ${w.skus} SKUs on ${w.channels.join(', ')}, ${w.durationSec} s at ${w.orderRate} orders/s plus flash sales, clock x${(first!.clock as { scale: number }).scale}.\n` : ''}${rows.join('\n')}\n`;
}

export function writeCompare(dir: string, reports: readonly SimReport[], title: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, 'compare.json'), path.join(dir, 'compare.md'), path.join(dir, 'compare.html')];
  writeFileSync(
    files[0]!,
    `${JSON.stringify(
      reports.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'definitions'))),
      null,
      2,
    )}\n`,
  );
  writeFileSync(files[1]!, compareMarkdown(reports, title));
  writeFileSync(files[2]!, htmlPage(title, reports));
  return files;
}

/** Bars per measure, one per run, inline SVG. */
function htmlPage(title: string, reports: readonly SimReport[]): string {
  const measures: { label: string; value: (r: SimReport) => number }[] = [
    { label: 'oversold units', value: (r) => r.oversoldUnits },
    { label: 'undersell unit-seconds', value: (r) => r.undersellUnitSeconds },
    { label: 'propagation p99 (ms)', value: (r) => r.propagationMs.p99 },
    { label: 'propagation p50 (ms)', value: (r) => r.propagationMs.p50 },
    { label: 'API calls (all platforms)', value: (r) => Object.values(r.apiCalls).reduce((a, b) => a + b, 0) },
    { label: 'throttled', value: (r) => r.throttled },
  ];
  const colours = ['#2b6cb0', '#c05621', '#2f855a', '#6b46c1', '#b83280', '#718096'];
  const labelOf = (r: SimReport) => `${r.strategy} / ${r.faultProfile}`;
  const charts = measures.map((m) => {
    const values = reports.map(m.value);
    const max = Math.max(1, ...values);
    const h = 22;
    const width = 640;
    const bars = reports.map((r, i) => {
      const w = Math.round((values[i]! / max) * (width - 260));
      return `<g transform="translate(0,${i * h})"><text x="0" y="15" font-size="12">${esc(labelOf(r))}</text><rect x="180" y="3" width="${Math.max(w, 1)}" height="15" fill="${colours[['full', 'full-static', 'webhooks-only', 'polling-only', 'no-buffers'].indexOf(r.strategy)] ?? '#444'}"/><text x="${186 + w}" y="15" font-size="12">${n(values[i]!)}</text></g>`;
    });
    return `<h2>${esc(m.label)}</h2><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${reports.length * h + 4}">${bars.join('')}</svg>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:760px}h2{font-size:15px;margin:1.2em 0 .3em}</style></head>
<body><h1 style="font-size:20px">${esc(title)}</h1>
<p>Seed ${reports[0]?.seed ?? ''}. Shorter is better everywhere. Numbers: report.json / compare.json next to this page.</p>
${charts.join('\n')}
</body></html>
`;
}
