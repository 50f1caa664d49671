// bench:reconcile's engine process: the four reconciliations at once, with the real
// connectors, in a process that does nothing else, so that its memory is the engine's.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import pino, { type Logger } from 'pino';
import { createConnector } from '../../src/connectors/index.js';
import type { ChannelConnector, WarehouseConnector } from '../../src/connectors/types.js';
import { reconcileConnection, type ReconcileReport } from '../../src/engine/workers/reconciler.js';
import { createPool } from '../../src/store/db.js';
import { round } from './report.js';

export type Platform = 'shopify' | 'woocommerce' | 'amazon' | 'warehouse';
export const PLATFORMS: readonly Platform[] = ['shopify', 'woocommerce', 'amazon', 'warehouse'];
export type ConnectionId = 'wh' | 'shop' | 'woo' | 'amazon';

export interface ConnectionRun {
  connection: string;
  seconds: number;
  readSeconds: number;
  checked: number;
  drifted: number;
  driftUnits: number;
  bound: number;
}

export interface EngineRun {
  results: ConnectionRun[];
  seconds: number;
  /** Bytes: the engine process's high-water RSS (getrusage), from its start. */
  peak: number;
  baseline: number;
  heapPeak: number;
}

/** What the bench process tells the engine process (as JSON in RECONCILE_ENGINE). */
export interface EngineConfig {
  dbUrl: string;
  sandbox: Record<Platform, string>;
  bounds: Record<ConnectionId, number>;
  shopify: { plan: string; fullRead: string };
  amazonScale: number;
}

/**
 * The four connectors as the engine process makes them; `fullRead` overrides Shopify's and
 * Amazon's full-read path (the paged reference reads with `paged`).
 */
export async function benchConnectors(
  cfg: EngineConfig,
  log: Logger,
  fullRead?: 'paged',
): Promise<Record<ConnectionId, ChannelConnector | WarehouseConnector>> {
  const s = (p: Platform) => cfg.sandbox[p];
  return {
    wh: (await createConnector('shipbob', {
      connectionId: 'wh',
      baseUrl: `${s('warehouse')}/warehouse/wh`,
      options: { location: 'main' },
      credentials: { accessToken: 'sandbox-token-wh', webhookSecret: `whsec_${createHash('sha256').update('wh').digest('base64')}` },
    })) as WarehouseConnector,
    shop: (await createConnector('shopify', {
      connectionId: 'shop',
      baseUrl: `${s('shopify')}/shopify/shop`,
      options: { plan: cfg.shopify.plan, fullRead: fullRead ?? cfg.shopify.fullRead },
      credentials: { accessToken: 'shpat_shop', webhookSecret: 'sandbox-app-secret' },
      log,
    })) as ChannelConnector,
    woo: (await createConnector('woocommerce', {
      connectionId: 'woo',
      baseUrl: `${s('woocommerce')}/woocommerce/store`,
      options: {},
      credentials: { consumerKey: 'ck_store', consumerSecret: 'cs_store', webhookSecret: 'whsec_store' },
    })) as ChannelConnector,
    amazon: (await createConnector('amazon', {
      connectionId: 'amazon',
      baseUrl: `${s('amazon')}/amazon/seller`,
      // The paged reads this benchmark measures; BENCH_AMAZON_FULL_READ=report (or auto) reads through the Reports API.
      options: {
        sellerId: 'SELLER1',
        marketplaceId: 'ATVPDKIKX0DER',
        rateScale: cfg.amazonScale,
        fullRead: fullRead ?? process.env.BENCH_AMAZON_FULL_READ ?? 'paged',
      },
      credentials: { accessToken: 'Atza|seller', notificationToken: 'bench-token' },
    })) as ChannelConnector,
  };
}

/** In the engine child: the four reconciliations at once; prints an EngineRun line. */
export async function engineProcess(cfg: EngineConfig): Promise<void> {
  const db = createPool(cfg.dbUrl, 10);
  const log = pino({ level: process.env.BENCH_LOG ?? 'warn' }, pino.destination(2));
  const connectors = await benchConnectors(cfg, log);
  const baseline = process.memoryUsage().rss;
  let heapPeak = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 50);
  // BENCH_MEM_TRACE=1 (development only: it forces collections, needs --expose-gc in
  // NODE_OPTIONS): every 10 s, memory as sampled, then the live heap after a full collection.
  const tracer =
    process.env.BENCH_MEM_TRACE === '1'
      ? setInterval(() => {
          const m = process.memoryUsage();
          global.gc?.();
          const mb = (x: number) => round(x / 2 ** 20);
          console.error(
            `  mem: rss ${mb(m.rss)} heapUsed ${mb(m.heapUsed)} heapTotal ${mb(m.heapTotal)} external ${mb(m.external)} MB; live after gc ${mb(process.memoryUsage().heapUsed)} MB`,
          );
        }, 10_000)
      : undefined;
  // BENCH_HEAP_PROFILE=file (development only): V8's sampling heap profile of every
  // allocation of the run, collected or not (what churns, not only what stays), written to
  // `file` at the end; src/ frames name who allocated.
  const profiler = process.env.BENCH_HEAP_PROFILE ? await startAllocationProfile() : undefined;
  const t0 = performance.now();
  const results = await Promise.all(
    (Object.keys(connectors) as ConnectionId[]).map(async (id) => {
      let readAt = 0;
      const report: ReconcileReport = await reconcileConnection({
        db,
        log,
        connectionId: id,
        connector: connectors[id],
        trigger: 'manual',
        onProgress: (checked, total) => {
          if (total === null || checked >= total) readAt = performance.now();
        },
      });
      const end = performance.now();
      return {
        connection: id,
        seconds: round((end - t0) / 1000, 1),
        readSeconds: round((readAt - t0) / 1000, 1),
        checked: report.checked,
        drifted: report.drifted,
        driftUnits: report.driftUnits,
        bound: cfg.bounds[id],
      } satisfies ConnectionRun;
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  if (profiler) writeFileSync(process.env.BENCH_HEAP_PROFILE!, JSON.stringify(await profiler.stop()));
  clearInterval(sampler);
  clearInterval(tracer);
  await db.end();
  const run: EngineRun = { results, seconds, peak: process.resourceUsage().maxRSS * 1024, baseline, heapPeak };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

async function startAllocationProfile(): Promise<{ stop(): Promise<unknown> }> {
  const session = new Session();
  session.connect();
  // Node 20's typings lack the two include* flags V8 takes.
  const params = { samplingInterval: 64 * 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
  await session.post('HeapProfiler.startSampling', params as { samplingInterval: number });
  return { stop: async () => (await session.post('HeapProfiler.stopSampling')).profile };
}
