// Propagation: from an order accepted by the engine to every other channel's push call
// issued, on the sandbox without faults. Goal (issue 4): p99 under 1 s.
// Run: npm run bench:propagation   (BENCH_SECONDS, BENCH_RATE to change the load)
import { writeFileSync } from 'node:fs';
import { createShopperDriver } from '../sandbox/shoppers/driver.js';
import { instanceTarget } from '../sandbox/shoppers/targets.js';
import { benchServer } from './lib/database.js';
import { machineInfo } from './lib/machine.js';
import { startStackOn, type ChannelPlatform } from './lib/stack.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_RATE ?? 20); // orders per second over all channels
const SKUS = 300;
const CHANNELS: ChannelPlatform[] = ['shopify', 'woocommerce', 'amazon'];

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const server = await benchServer();
  const waits: number[] = [];
  let recording = false;
  try {
    const url = await server.createDatabase('bench_propagation');
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
        await new Promise((r) => setTimeout(r, 200));
      }
      recording = true;
      const shoppers = createShopperDriver({ seed: 1, ratePerSecond: RATE, targets: CHANNELS.map((c) => instanceTarget(stack.instance(c))) });
      await shoppers.start();
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      await shoppers.stop();
      await new Promise((r) => setTimeout(r, 3000)); // the last pushes
      recording = false;
      const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM orders`);
      const sorted = [...waits].sort((a, b) => a - b);
      const result = {
        benchmark: 'propagation: order accepted -> every channel call issued',
        command: 'npm run bench:propagation',
        server: server.kind,
        workload: { channels: CHANNELS, skus: SKUS, ordersPerSecond: RATE, seconds: SECONDS, faults: 'none' },
        orders: rows[0].n,
        pushesMeasured: sorted.length,
        propagationMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 },
        goal: 'p99 < 1000 ms',
        met: percentile(sorted, 99) < 1000,
        shoppers: shoppers.stats(),
        machine: machineInfo(),
      };
      console.log(JSON.stringify(result, null, 2));
      writeFileSync('bench/results/propagation.json', JSON.stringify(result, null, 2) + '\n');
    } finally {
      await stack.close();
    }
  } finally {
    await server.stop();
  }
}

await main();
