// Catalogue discovery of BENCH_SKUS SKUs (default 20,000) on 3 channels (Shopify,
// WooCommerce, Amazon) and the 3PL, against the sandbox with faults off: the wall time of
// one discovery run (read every catalogue page by page, match, apply) and the engine
// process's peak memory, versus the floor that the platforms' documented rate limits and
// page sizes set (floors() below shows the arithmetic). Each platform's sandbox runs in a
// child process of its own; the discovery runs in an engine child that does nothing else,
// so its high-water RSS is discovery's. Every channel lists every SKU; 1 % of the Shopify
// variants carry no SKU but the warehouse product's barcode (matched by barcode). A first
// run on an empty database: every SKU is new, so the run also reads the 3PL's levels
// before the new listings become pushable.
// Run: npm run bench:discovery   (BENCH_SKUS, BENCH_RUNS, BENCH_AMAZON_SCALE (10),
// BENCH_SHOPIFY_PLAN (plus)). Below 1,000 SKUs (a smoke run) no result file is written.
import { fileURLToPath } from 'node:url';
import { syncCatalog } from '../src/engine/catalog.js';
import { runDiscovery } from '../src/engine/catalog-discovery/run.js';
import type { DiscoveryReport } from '../src/engine/catalog-discovery/report.js';
import { amazonSellerId, discoveryCatalog, discoveryConnectors, type SandboxConnection } from '../src/harness/discovery-stack.js';
import { scratchServer } from '../src/harness/database.js';
import { createPool } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { runChild, serveChild, startChild } from './lib/load.js';
import { loadNow, loadVerdict, machine, machineLine, median, medianIndex, RUNS, round, writeResult, type Load } from './lib/report.js';

const SKUS = Number(process.env.BENCH_SKUS ?? 20_000);
const AMAZON_SCALE = Number(process.env.BENCH_AMAZON_SCALE ?? 10);
const PLAN = process.env.BENCH_SHOPIFY_PLAN ?? 'plus';
const RESTORE: Record<string, number> = { standard: 100, advanced: 200, plus: 1000, enterprise: 2000 };
const SHOPIFY = { restore: RESTORE[PLAN]!, bucket: RESTORE[PLAN]! * 10, pageSize: 250, pageCost: 2 + 3 * 250 };
const WAREHOUSE = { perMinute: 150, pageSize: 250 };
const AMAZON = { rate: 5, burst: 5, perCall: 20, perSearch: 1000 };
const WOO = { perPage: 100 };
const GOAL_RATIO = 1.2;

type Platform = 'shopify' | 'woocommerce' | 'amazon' | 'warehouse';
const PLATFORMS: readonly Platform[] = ['warehouse', 'shopify', 'woocommerce', 'amazon'];
const NAME: Record<Platform, string> = { warehouse: 'wh', shopify: 'shop', woocommerce: 'woo', amazon: 'amz' };
const sku = (i: number) => `D${String(i).padStart(6, '0')}`;
const barcode = (i: number) => `40${String(i).padStart(11, '0')}`;

async function serve(only: Platform): Promise<void> {
  const { startSandbox } = await import('../sandbox/server.js');
  const skus = Array.from({ length: SKUS }, (_, i) => ({
    // 1 % of the Shopify variants with a blank SKU: found by the warehouse product's barcode
    sku: only === 'shopify' && i % 100 === 7 ? ' ' : sku(i),
    quantity: 5,
    ...((only === 'warehouse' || only === 'shopify') && { barcode: barcode(i) }),
  }));
  const options: Record<Platform, Record<string, unknown>> = {
    warehouse: {},
    shopify: { plan: PLAN },
    woocommerce: {},
    amazon: { sellerId: amazonSellerId('amz'), rateScale: AMAZON_SCALE },
  };
  const sandbox = await startSandbox({
    port: 0,
    seed: 12,
    faults: 'none',
    timeScale: 0.001,
    instances: [{ platform: only, name: NAME[only], skus, options: options[only] }],
  });
  serveChild(sandbox.url, () => sandbox.close());
}

function floors(n: number) {
  const shopPages = Math.ceil(n / SHOPIFY.pageSize);
  const whPages = Math.ceil(n / WAREHOUSE.pageSize);
  // one search pages through 1,000 results: each further window re-reads its boundary page
  const amazonCalls = Math.ceil(n / AMAZON.perCall) + Math.max(0, Math.ceil(n / AMAZON.perSearch) - 1);
  const amazonAt = (scale: number) => Math.max(0, amazonCalls - AMAZON.burst) / (AMAZON.rate * scale);
  return {
    // the products, then (every SKU is new on a first run) the levels of the new SKUs
    wh: {
      seconds: Math.floor((2 * whPages - 1) / WAREHOUSE.perMinute) * 60,
      how: `${whPages} GET /product pages + ${whPages} GET /inventory pages of ${WAREHOUSE.pageSize}; ${WAREHOUSE.perMinute} requests per 60 s window`,
    },
    shop: {
      seconds: round(Math.max(0, shopPages * SHOPIFY.pageCost - SHOPIFY.bucket) / SHOPIFY.restore, 1),
      how: `${shopPages} productVariants pages of ${SHOPIFY.pageSize} at ${SHOPIFY.pageCost} points, minus the full bucket ${SHOPIFY.bucket}, at ${SHOPIFY.restore} points/s (${PLAN})`,
    },
    woo: { seconds: 0, how: `${Math.ceil(n / WOO.perPage)} product pages of ${WOO.perPage}; WooCommerce documents no rate limit` },
    amz: {
      seconds: round(amazonAt(AMAZON_SCALE), 1),
      how: `${amazonCalls} searchListingsItems of ${AMAZON.perCall} at ${AMAZON.rate}/s x rateScale ${AMAZON_SCALE}; unscaled ${round(amazonAt(1))} s`,
    },
  };
}

interface EngineRun {
  seconds: number;
  peak: number;
  baseline: number;
  heapPeak: number;
  report: DiscoveryReport;
}

/** In the engine child: one discovery run; prints an EngineRun line. */
async function engineProcess(cfg: { dbUrl: string; sandbox: Record<Platform, string> }): Promise<void> {
  const db = createPool(cfg.dbUrl, 10);
  const connectors = await discoveryConnectors('', connectionsOf(cfg.sandbox));
  const baseline = process.memoryUsage().rss;
  let heapPeak = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 50);
  const t0 = performance.now();
  const outcome = await runDiscovery({ db, connectors, configSkus: [], caseFold: false, trigger: 'bench', listLimit: 20 });
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  await db.end();
  if (outcome.status !== 'ran') throw new Error('discovery busy');
  const run: EngineRun = { seconds, peak: process.resourceUsage().maxRSS * 1024, baseline, heapPeak, report: outcome.report };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

function connectionsOf(sandbox: Record<Platform, string>): SandboxConnection[] {
  return PLATFORMS.map((p) => ({
    platform: p,
    name: NAME[p],
    id: NAME[p],
    sandboxUrl: sandbox[p],
    options: p === 'amazon' ? { rateScale: AMAZON_SCALE } : p === 'shopify' ? { plan: PLAN } : {},
  }));
}

interface Run {
  seconds: number;
  peakRssMB: number;
  baselineRssMB: number;
  heapUsedPeakMB: number;
  totals: DiscoveryReport['totals'];
  connections: { connection: string; items: number; pages: number }[];
  load: Load;
}

async function once(run: number): Promise<Run> {
  const server = await scratchServer();
  try {
    const url = await server.createDatabase(`bench_discovery_${run}`);
    const children = await Promise.all(PLATFORMS.map((p) => startChild(fileURLToPath(import.meta.url), { DISCOVERY_SERVE: p })));
    const sandbox = Object.fromEntries(PLATFORMS.map((p, i) => [p, children[i]!.url])) as Record<Platform, string>;
    try {
      const db = createPool(url, 4);
      await migrate(db);
      await syncCatalog(db, discoveryCatalog('', connectionsOf(sandbox)));
      await db.end();
      const before = loadNow();
      const engine = JSON.parse(await runChild(fileURLToPath(import.meta.url), { DISCOVERY_ENGINE: JSON.stringify({ dbUrl: url, sandbox }) })) as EngineRun;
      const t = engine.report.totals;
      // every SKU is sold on 3 channels: all of them must have matched (1 % on Shopify by barcode)
      if (t.matched !== 3 * SKUS || t.byBarcode !== Math.floor((SKUS + 92) / 100)) throw new Error(`unexpected totals ${JSON.stringify(t)}`);
      return {
        seconds: round(engine.seconds, 1),
        peakRssMB: round(engine.peak / 2 ** 20),
        baselineRssMB: round(engine.baseline / 2 ** 20),
        heapUsedPeakMB: round(engine.heapPeak / 2 ** 20),
        totals: t,
        connections: engine.report.connections.map((c) => ({ connection: c.connectionId, items: c.items, pages: c.pages })),
        load: { before, after: loadNow() },
      };
    } finally {
      await Promise.all(children.map((c) => c.stop()));
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const f = floors(SKUS);
  const floor = Math.max(...Object.values(f).map((x) => x.seconds));
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(await once(i));
    const r = runs.at(-1)!;
    console.error(
      `run ${i + 1}/${RUNS}: ${r.seconds} s (floor ${floor} s), peak rss ${r.peakRssMB} MB (baseline ${r.baselineRssMB}), heap peak ${r.heapUsedPeakMB} MB`,
    );
  }
  const seconds = median(runs.map((r) => r.seconds));
  const ratio = floor > 0 ? round(seconds / floor, 3) : null;
  const result = {
    benchmark: `catalogue discovery: ${SKUS} SKUs on shopify (${PLAN}), woocommerce, amazon + the 3PL, sandbox faults off`,
    command: 'npm run bench:discovery',
    workload: { skus: SKUS, channels: 3, byBarcode: '1 % of Shopify variants without SKU', amazonRateScale: AMAZON_SCALE, runs: RUNS },
    seconds,
    peakRssMB: median(runs.map((r) => r.peakRssMB)),
    heapUsedPeakMB: median(runs.map((r) => r.heapUsedPeakMB)),
    floor: { seconds: floor, perConnection: f },
    ratio,
    goal: `<= ${GOAL_RATIO} x the floor`,
    met: ratio !== null && ratio <= GOAL_RATIO,
    medianRun: runs[medianIndex(runs, (r) => r.seconds)],
    everyRun: runs,
    machineLoad: loadVerdict(runs.map((r) => r.load)),
    machine: machine(),
  };
  console.log(JSON.stringify(result, null, 2));
  if (SKUS < 1000) return console.error('(a smoke run: no result file written)');
  writeResult(
    'discovery',
    result,
    [
      `# Catalogue discovery: ${SKUS} SKUs on 3 channels + the 3PL`,
      '',
      `${result.seconds} s (median of ${RUNS}) against a floor of ${floor} s from the platforms' documented limits: ratio ${ratio}; goal ${result.goal}: ${result.met ? 'met' : 'missed'}.`,
      `Peak RSS of the engine process ${result.peakRssMB} MB (heap peak ${result.heapUsedPeakMB} MB).`,
      '',
      '| connection | floor s | how |',
      '|---|---|---|',
      ...Object.entries(f).map(([id, x]) => `| ${id} | ${x.seconds} | ${x.how} |`),
      '',
      `Machine: ${machineLine(result.machine)}; ${result.machineLoad}.`,
    ].join('\n'),
  );
}

if (process.env.DISCOVERY_SERVE) await serve(process.env.DISCOVERY_SERVE as Platform);
else if (process.env.DISCOVERY_ENGINE) await engineProcess(JSON.parse(process.env.DISCOVERY_ENGINE) as { dbUrl: string; sandbox: Record<Platform, string> });
else await main();
