// `stocksync simulate`: the oversell simulation (issue 5). Runs the real engine against
// the sandbox with the 3PL as ground truth and writes report.json, report.md and a chart;
// --compare runs every strategy on the same seed and faults. Flags are checked before
// anything starts: a bad one is a usage error (exit 2) naming the flag.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { invalidInput } from '../../errors.js';
import { printJson } from '../context.js';
import { parseInteger, parsePositiveNumber } from '../parse.js';

const STRATEGY_NAMES = ['full', 'full-static', 'webhooks-only', 'polling-only', 'no-buffers'] as const;
const PROFILES = ['none', 'lossy', 'hostile'] as const;
const CHANNELS = ['shopify', 'amazon', 'woocommerce'] as const;
const CHAOS = ['none', 'standard'] as const;
/** Strategies that switch no layer off: engine processes run every layer, as `stocksync start` does. */
const ALL_LAYERS = ['full', 'full-static', 'no-buffers'];

interface Flags {
  seed: number;
  seeds?: number[];
  strategies?: (typeof STRATEGY_NAMES)[number][];
  flashIntensity?: number;
  warehouses: number;
  skus: number;
  channels: (typeof CHANNELS)[number][];
  duration: number;
  orderRate: number;
  faultProfile: (typeof PROFILES)[number][];
  strategy: (typeof STRATEGY_NAMES)[number];
  reportDir: string;
  compare?: boolean;
  fromReports?: boolean;
  scale: number;
  sampleMs?: number;
  settle?: number;
  json?: boolean;
  engines?: number;
  chaos?: (typeof CHAOS)[number][];
}

function listOf<T extends string>(allowed: readonly T[], what: string) {
  return (value: string): T[] => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (items.length === 0) throw new InvalidArgumentError(`give at least one ${what} (${allowed.join(', ')})`);
    const bad = items.filter((s) => !(allowed as readonly string[]).includes(s));
    if (bad.length > 0) throw new InvalidArgumentError(`unknown ${what} ${bad.map((b) => `"${b}"`).join(', ')}; allowed: ${allowed.join(', ')}`);
    if (new Set(items).size !== items.length) throw new InvalidArgumentError(`a ${what} is listed twice`);
    return items as T[];
  };
}

/** "11,23,57": distinct integer seeds. */
function seedList(value: string): number[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new InvalidArgumentError('give at least one seed');
  const seeds = items.map((s) => {
    if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new InvalidArgumentError(`"${s}" is not an integer seed`);
    return Number(s);
  });
  if (new Set(seeds).size !== seeds.length) throw new InvalidArgumentError('a seed is listed twice');
  return seeds;
}

function intIn(min: number, max: number) {
  return (value: string): number => {
    const v = parseInteger(value);
    if (v < min || v > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return v;
  };
}

/** "90", "90s", "3m", "1m30s": real seconds of shopping. */
function parseSeconds(value: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(value.trim());
  const sec = m && value.trim() !== '' ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : NaN;
  if (!Number.isFinite(sec) || sec <= 0 || sec > 24 * 3600) throw new InvalidArgumentError('must be a duration such as 90, 90s or 3m (real time, above 0)');
  return sec;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('run the oversell simulation: the real engine against the sandbox, the 3PL as ground truth')
    .addOption(new Option('--seed <n>', 'seed of the workload and of every fault').argParser(parseInteger).default(1))
    .addOption(new Option('--seeds <list>', 'several seeds, comma-separated: each run under seed-<n>/, one table over them (seeds.md)').argParser(seedList))
    .addOption(new Option('--strategies <list>', 'several strategies, comma-separated (e.g. full,full-static)').argParser(listOf(STRATEGY_NAMES, 'strategy')))
    .addOption(new Option('--flash-intensity <x>', 'orders per flash sale as a multiple of the default 8-24').argParser(parsePositiveNumber).default(1))
    .addOption(
      new Option('--warehouses <n>', '3PLs: 1, or 2 (east and west, stock split, channels selling from different ones)').argParser(intIn(1, 2)).default(1),
    )
    .addOption(new Option('--skus <n>', 'number of SKUs').argParser(intIn(1, 5_000)).default(150))
    .addOption(
      new Option('--channels <list>', 'channels, comma-separated').argParser(listOf(CHANNELS, 'channel')).default([...CHANNELS], 'shopify,amazon,woocommerce'),
    )
    .addOption(new Option('--duration <time>', 'real time of shopping (90, 90s, 3m)').argParser(parseSeconds).default(60, '60s'))
    .addOption(new Option('--order-rate <n>', 'orders per real second over all channels (flash sales on top)').argParser(parsePositiveNumber).default(20))
    .addOption(
      new Option('--fault-profile <list>', 'fault profile, or several comma-separated (none, lossy, hostile)')
        .argParser(listOf(PROFILES, 'fault profile'))
        .default(['none'], 'none'),
    )
    .addOption(new Option('--strategy <name>', 'sync strategy').choices(STRATEGY_NAMES).default('full'))
    .addOption(new Option('--compare', 'run every strategy on the same seed and faults; one side-by-side table'))
    .addOption(new Option('--from-reports', 'with --compare: run nothing, rebuild the table from the runs already under --report-dir'))
    .addOption(new Option('--report-dir <dir>', 'where the reports go').default('./simulation-report'))
    .addOption(new Option('--scale <x>', 'clock compression: platform seconds per real second').argParser(parsePositiveNumber).default(60))
    .addOption(new Option('--sample-ms <ms>', 'real ms between samples of every channel against the truth').argParser(intIn(20, 10_000)))
    .addOption(new Option('--settle <time>', 'longest real wait for the engine to settle after the workload').argParser(parseSeconds))
    .addOption(new Option('--json', 'print the report(s) as JSON on stdout'))
    .addOption(
      new Option('--engines <n>', 'run the engine as N `stocksync start` processes on one PostgreSQL, webhooks spread over them').argParser(intIn(1, 8)),
    )
    .addOption(
      new Option(
        '--chaos <list>',
        'with --engines: chaos profile(s), comma-separated (none, standard); none runs first, the others are compared with it',
      ).argParser(listOf(CHAOS, 'chaos profile')),
    )
    .addHelpText(
      'after',
      `
Strategies: full = webhooks + micro-batch dispatch + 5-minute polls + hourly reconciliation,
with adaptive buffers (shared while plentiful, partitioned while scarce); full-static = full with the
static buffers it had before (holdBackUnits 1, zeroBelow 4; on Amazon 2 and 5); webhooks-only and
polling-only (15-minute polls), both with full's buffers; no-buffers = full without buffers. With --scale 60 one real second is one platform minute:
the sandbox's delays, the poll intervals, the reconciliation schedule and the 3PL's rate
limit are all divided by it (so polling-only polls every 15 real seconds).
DATABASE_URL set: each run gets a fresh database on that server; else an embedded PostgreSQL.
--engines N: N engine processes on that database behind a round-robin webhook forwarder
(strategies full, full-static, no-buffers). --chaos standard: every 5 s, in turn, SIGKILL a
random engine and start it again, SIGTERM one (a deploy) and start it again, SIGSTOP one for
20 s (past its 15 s lease) then SIGCONT, SIGKILL another, restart PostgreSQL (the embedded
server; DATABASE_URL's through pg_ctlcluster when it is a local cluster, else skipped).
The report adds orders lost, recorded twice, claims doubled, units pushed to the 3PL twice
and the lease hand-over time; --chaos none,standard runs both and compares the oversells.
--warehouses 2: two 3PLs, east and west, each SKU's stock split between them (a fifth of the
SKUs only at east, a fifth only at west), receipts, returns and shrinkage at one of them;
Shopify sells from [east, west], Amazon from [west], WooCommerce from [east]. Each 3PL
judges its own orders (an order short at its warehouse is oversold whatever the other
holds); the report adds per-warehouse figures. Strategies full, full-static, no-buffers.`,
    )
    .action(async (f: Flags) => {
      const { compareFromReports, seedsFromReports, simulate } = await import('../../sim/index.js');
      const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
      if (f.fromReports && !f.compare && !f.seeds) throw invalidInput('--from-reports', 'goes with --compare or --seeds');
      if (f.compare && f.strategies) throw invalidInput('--strategies', 'goes without --compare (which runs every strategy)');
      if (f.chaos && f.engines === undefined) throw invalidInput('--chaos', 'goes with --engines (the chaos acts on engine processes)');
      if (f.warehouses === 2) {
        if (f.engines !== undefined) throw invalidInput('--warehouses', '2 runs the engine in this process: not with --engines');
        const partial = (f.compare ? STRATEGY_NAMES : (f.strategies ?? [f.strategy])).filter((s) => !ALL_LAYERS.includes(s));
        if (partial.length > 0)
          throw invalidInput('--warehouses', `2 needs the engine to poll both 3PLs: not with ${partial.join(', ')} (use ${ALL_LAYERS.join(', ')})`);
      }
      if (f.engines !== undefined) {
        const partial = (f.compare ? STRATEGY_NAMES : (f.strategies ?? [f.strategy])).filter((s) => !ALL_LAYERS.includes(s));
        if (partial.length > 0)
          throw invalidInput('--engines', `runs every layer, as stocksync start does: not with ${partial.join(', ')} (use ${ALL_LAYERS.join(', ')})`);
      }
      const rebuilt = f.fromReports ? (f.seeds ? seedsFromReports(f.reportDir) : compareFromReports(f.reportDir, f.faultProfile)) : undefined;
      const { reports, files } =
        rebuilt ??
        (await simulate({
          ...(f.seeds && { seeds: f.seeds }),
          ...(f.strategies && { strategies: f.strategies }),
          flashIntensity: f.flashIntensity ?? 1,
          ...(f.warehouses === 2 && { warehouses: 2 as const }),
          seed: f.seed,
          skus: f.skus,
          channels: f.channels,
          durationSec: f.duration,
          orderRate: f.orderRate,
          faultProfiles: f.faultProfile,
          strategy: f.strategy,
          compare: f.compare === true,
          reportDir: f.reportDir,
          scale: f.scale,
          ...(f.sampleMs !== undefined && { sampleMs: f.sampleMs }),
          ...(f.settle !== undefined && { settleMs: f.settle * 1000 }),
          ...(f.engines !== undefined && { engines: f.engines, chaos: f.chaos ?? ['none'] }),
          log,
        }));
      if (f.json) printJson(f.compare ? reports : reports.length === 1 ? reports[0] : reports);
      else {
        for (const r of reports) {
          process.stdout.write(
            `${r.strategy}/${r.faultProfile}: ${r.orders} orders, oversold ${r.oversoldOrders} orders (${r.oversoldUnits} units), undersell ${r.undersellUnitSeconds} unit-s, propagation p99 ${r.propagationMs.p99} ms${r.misroutedOrders === undefined ? '' : `, misrouted ${String(r.misroutedOrders)} orders (${String(r.misroutedUnits)} units)`}${chaosLine(r.chaos)}\n`,
          );
        }
        process.stdout.write(`wrote ${files.length} files under ${f.reportDir}\n`);
      }
    });
}

/** The chaos counts of a run with engines, for the summary line. */
function chaosLine(chaos: unknown): string {
  if (!chaos) return '';
  const c = chaos as {
    profile: string;
    ordersLost: number;
    ordersRecordedTwice: number;
    claimsDoubled: number;
    unitsPushedTwice: number;
    leaseHandOverMs: { p50: number; max: number };
  };
  return `; chaos ${c.profile}: lost ${c.ordersLost}, recorded twice ${c.ordersRecordedTwice}, claims doubled ${c.claimsDoubled}, units pushed twice ${c.unitsPushedTwice}, hand-over p50 ${c.leaseHandOverMs.p50} ms / max ${c.leaseHandOverMs.max} ms`;
}
