// Orders recorded per second (8 concurrent writers, 1,000 SKUs on 5 channels, each order
// updating the target of 5 listings) versus `pgbench -N -c 8` on the same server.
// Run: npm run bench:orders   (add DATABASE_URL=... to use another server)
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { createPool } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { syncCatalog } from '../src/engine/catalog.js';
import { createOrderRecorder } from '../src/engine/order-recorder.js';
import { machineInfo } from './lib/machine.js';
import { runPgbench } from './lib/pgbench.js';
import { benchServer } from './lib/database.js';

const WRITERS = 8;
const SKUS = 1000;
const CHANNELS = 5;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GOAL_RATIO = 0.5;
const RECORDER_CONNECTIONS = Number(process.env.BENCH_RECORDER_CONNECTIONS ?? 2);

async function main(): Promise<void> {
  const server = await benchServer();
  try {
    const url = await server.createDatabase('bench_orders');
    const db = createPool(url, WRITERS);
    await migrate(db);
    await syncCatalog(db, catalog());
    // Plenty of stock, so that every order lowers the target of all 5 listings.
    await db.query(`UPDATE sku_stock SET available = 1000000`);
    await db.query(`UPDATE listings SET target = 1000000`);

    // Rounds alternate ours and pgbench so both see the same machine load; medians kept.
    const pgbenchUrl = await server.createDatabase('bench_pgbench');
    const rounds: { ordersPerSecond: number; pgbenchTps: number; loadavg: number[] }[] = [];
    let total = 0;
    let pgbench = { tps: 0, command: '' };
    for (let r = 0; r < ROUNDS; r++) {
      const orders = await runWriters(db, SECONDS, r);
      total += orders;
      pgbench = runPgbench(pgbenchUrl, { clients: WRITERS, seconds: SECONDS, scale: 10 });
      rounds.push({ ordersPerSecond: Math.round(orders / SECONDS), pgbenchTps: Math.round(pgbench.tps), loadavg: os.loadavg().map((x) => Number(x.toFixed(2))) });
    }
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM orders`);
    if (rows[0].n !== total) throw new Error(`expected ${total} orders, found ${rows[0].n}`);
    await db.end();
    const ordersPerSecond = median(rounds.map((r) => r.ordersPerSecond));
    const pgbenchTps = median(rounds.map((r) => r.pgbenchTps));
    const ratio = ordersPerSecond / pgbenchTps;
    const result = {
      benchmark: 'orders recorded per second',
      command: 'npm run bench:orders',
      server: server.kind,
      workload: { writers: WRITERS, recorderConnections: RECORDER_CONNECTIONS, skus: SKUS, channels: CHANNELS, listingsPerOrder: CHANNELS, seconds: SECONDS },
      ordersPerSecond: Math.round(ordersPerSecond),
      pgbench: { tps: Math.round(pgbenchTps), command: pgbench.command },
      rounds,
      note: 'medians of the rounds; ours and pgbench alternate on the same embedded server; other work on the machine shows in loadavg',
      ratio: Number(ratio.toFixed(3)),
      goal: `>= ${GOAL_RATIO} x pgbench tps`,
      met: ratio >= GOAL_RATIO,
      machine: machineInfo(),
    };
    console.log(JSON.stringify(result, null, 2));
    const suffix = server.kind === 'embedded' ? '' : '-database-url';
    writeFileSync(`bench/results/orders${suffix}.json`, JSON.stringify(result, null, 2) + '\n');
  } finally {
    await server.stop();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function runWriters(db: ReturnType<typeof createPool>, seconds: number, round: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  let seq = 0;
  const recorder = createOrderRecorder(db, { concurrency: RECORDER_CONNECTIONS });
  const writer = async (w: number) => {
    let rnd = w + 1;
    while (Date.now() < deadline) {
      rnd = (rnd * 1103515245 + 12345) & 0x7fffffff;
      const sku = `SKU-${rnd % SKUS}`;
      const channel = `ch${(rnd >> 10) % CHANNELS}`;
      await recorder.record({ connectionId: channel, externalId: `o-${round}-${w}-${seq++}`, lines: [{ sku, quantity: 1 }] });
      n++;
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  return n;
}

function catalog() {
  const base = { credentialsEncrypted: null, pollIntervalMs: 300_000, reconcileCron: '0 3 * * *', options: {}, bufferPolicy: {} };
  return {
    connections: [
      { ...base, id: 'wh', kind: 'warehouse' as const, platform: 'warehouse', baseUrl: 'http://127.0.0.1:1', fulfilledBy: null, locations: [{ code: 'main', sellable: true }] },
      ...Array.from({ length: CHANNELS }, (_, i) => ({ ...base, id: `ch${i}`, kind: 'channel' as const, platform: 'shopify', baseUrl: 'http://127.0.0.1:1', fulfilledBy: 'wh' })),
    ],
    skus: Array.from({ length: SKUS }, (_, s) => ({
      sku: `SKU-${s}`,
      listings: Object.fromEntries(Array.from({ length: CHANNELS }, (_, i) => [`ch${i}`, { inventoryItemId: `gid://shopify/InventoryItem/${s}${i}` }])),
    })),
  };
}

await main();
