// Propagation: from an order accepted by the engine to every other channel's push call
// issued, on the sandbox without faults. Goal (issue 4): p99 under 1 s.
// BENCH_RUNS runs (default 3), each on a fresh database and sandbox; the median run (by
// p99) is reported, every run is kept.
// Run: npm run bench:propagation   (BENCH_SECONDS, BENCH_RATE, BENCH_RUNS to change the load)
import { createShopperDriver, type ShopperStats } from '../sandbox/shoppers/driver.js';
import { instanceTarget } from '../sandbox/shoppers/targets.js';
import { benchServer } from './lib/database.js';
import { loadNow, loadVerdict, machine, machineLine, median, medianIndex, percentile, RUNS, sleep, writeResult, type Load } from './lib/report.js';
import { startStackOn, type ChannelPlatform } from './lib/stack.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_RATE ?? 20); // orders per second over all channels
const SKUS = 300;
const CHANNELS: ChannelPlatform[] = ['shopify', 'woocommerce', 'amazon'];
const GOAL_P99_MS = 1000;

interface Run {
  orders: number;
  pushesMeasured: number;
  propagationMs: { p50: number; p95: number; p99: number; max: number };
  shoppers: ShopperStats;
  load: Load;
}

async function once(run: number): Promise<Run> {
  const server = await benchServer();
  const waits: number[] = [];
  let recording = false;
  try {
    const url = await server.createDatabase(`bench_propagation_${run}`);
    const skus = Array.from({ length: SKUS }, (_, i) => ({ sku: `P${String(i).padStart(4, '0')}`, quantity: 1000 }));
    const stack = await startStackOn(url, {
      channels: CHANNELS, skus, timeScale: 0.01, logLevel: 'warn',
      onPushed: (_c, ms) => {
        if (recording) waits.push(ms);
      },
    });
    try {
      // Let the first full sync finish before measuring changes.
      for (;;) {
        const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM listings WHERE dirty`);
        if (rows[0].n === 0) break;
        await sleep(200);
      }
      const before = loadNow();
      recording = true;
      const shoppers = createShopperDriver({ seed: run + 1, ratePerSecond: RATE, targets: CHANNELS.map((c) => instanceTarget(stack.instance(c))) });
      await shoppers.start();
      await sleep(SECONDS * 1000);
      await shoppers.stop();
      await sleep(3000); // the last pushes
      recording = false;
      const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM orders`);
      const sorted = [...waits].sort((a, b) => a - b);
      return {
        orders: rows[0].n,
        pushesMeasured: sorted.length,
        propagationMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 },
        shoppers: shoppers.stats(),
        load: { before, after: loadNow() },
      };
    } finally {
      await stack.close();
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(await once(i));
    console.error(`run ${i + 1}/${RUNS}: ${JSON.stringify(runs.at(-1)!.propagationMs)}, load ${runs.at(-1)!.load.after[0]}`);
  }
  const m = runs[medianIndex(runs, (r) => r.propagationMs.p99)]!;
  const p50 = median(runs.map((r) => r.propagationMs.p50));
  const p99 = median(runs.map((r) => r.propagationMs.p99));
  const result = {
    benchmark: 'propagation: order accepted -> every channel call issued',
    command: 'npm run bench:propagation',
    server: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
    workload: { channels: CHANNELS, skus: SKUS, ordersPerSecond: RATE, seconds: SECONDS, faults: 'none', runs: RUNS, timeScale: 0.01, amazonRateScale: 50 },
    orders: m.orders,
    pushesMeasured: m.pushesMeasured,
    propagationMs: { p50, p95: median(runs.map((r) => r.propagationMs.p95)), p99, max: median(runs.map((r) => r.propagationMs.max)) },
    limit: 'none measured: the platform floor is the rate limit (Amazon 5 patch/s x rateScale 50 here; Shopify cost bucket), far from binding at this load',
    goal: `p99 < ${GOAL_P99_MS} ms`,
    ratioToGoal: Number((p99 / GOAL_P99_MS).toFixed(3)),
    met: p99 < GOAL_P99_MS,
    everyRun: runs.map((r) => ({ orders: r.orders, pushesMeasured: r.pushesMeasured, propagationMs: r.propagationMs, loadAverage: r.load })),
    machineLoad: loadVerdict(runs.map((r) => r.load)),
    shoppers: m.shoppers,
    machine: machine(),
  };
  console.log(JSON.stringify(result, null, 2));
  writeResult('propagation', result, `# Propagation benchmark

Order accepted by the engine -> every other channel's push call issued (shopify,
woocommerce, amazon on the sandbox, faults off), ${RATE} shopper orders/s for ${SECONDS} s,
${SKUS} SKUs. Median of ${RUNS} runs, each on a fresh embedded PostgreSQL and sandbox.

Command: \`npm run bench:propagation\`

| | p50 | p95 | p99 | max | pushes | orders | load 1m before/after |
|---|---|---|---|---|---|---|---|
${runs.map((r, i) => `| run ${i + 1} | ${r.propagationMs.p50} | ${r.propagationMs.p95} | ${r.propagationMs.p99} | ${r.propagationMs.max} | ${r.pushesMeasured} | ${r.orders} | ${r.load.before[0]} / ${r.load.after[0]} |`).join('\n')}
| **median** | **${p50}** | ${result.propagationMs.p95} | **${p99}** | ${result.propagationMs.max} | | | |

Goal: ${result.goal}: **${result.met ? 'met' : 'NOT met'}** (p99 is ${result.ratioToGoal}x the goal).
Limit: ${result.limit}.

Machine: ${machineLine(result.machine)}. ${result.machineLoad}.
`);
}

await main();
