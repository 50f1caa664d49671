// Orders recorded per second (8 concurrent writers, 1,000 SKUs on 5 channels, each order
// updating the target of 5 listings) versus `pgbench -N -c 8` on the same server.
// Run: npm run bench:orders   (add DATABASE_URL=... to use another server)
import { readdirSync, readFileSync } from 'node:fs';
import { createPool, type Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { syncCatalog } from '../src/engine/catalog.js';
import { createOrderBatcher } from '../src/engine/order-batcher.js';
import { initPgbench, runPgbench } from './lib/pgbench.js';
import { scratchServer } from '../src/harness/database.js';
import { loadNow, loadVerdict, machine, machineLine, medianIndex, round, sleep, writeResult, type Load } from './lib/report.js';

const WRITERS = 8;
const SKUS = 1000;
const CHANNELS = 5;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GOAL_RATIO = 0.5;
const RECORDER_CONNECTIONS = Number(process.env.BENCH_RECORDER_CONNECTIONS ?? 2);
const PGBENCH_SCALE = 10;
const COMMAND = 'flock /tmp/stocksync-bench.lock npm run bench:orders';

interface Round {
  ordersPerSecond: number;
  pgbenchTps: number;
  ratio: number;
  /** orders per committed transaction of the bench database: the batch size reached */
  ordersPerCommit: number;
  /** CPU per order (ours) and per pgbench transaction, microseconds; null where unreadable */
  cpuUs: { node: number; postgresPerOrder: number | null; postgresPerPgbenchTx: number | null };
  load: Load;
}

async function main(): Promise<void> {
  const server = await scratchServer();
  try {
    const url = await server.createDatabase('bench_orders');
    const db = createPool(url, WRITERS);
    await migrate(db);
    await syncCatalog(db, catalog());
    // Plenty of stock, so that every order lowers the target of all 5 listings.
    await db.query(`UPDATE sku_stock SET available = 1000000`);
    await db.query(`UPDATE listings SET target = 1000000`);
    const serverCpu = await serverCpuReader(db);

    // Rounds alternate ours and pgbench so both see the same machine load.
    const pgbenchUrl = await server.createDatabase('bench_pgbench');
    initPgbench(pgbenchUrl, PGBENCH_SCALE);
    const rounds: Round[] = [];
    let total = 0;
    let pgbenchCommand = '';
    for (let r = 0; r < ROUNDS; r++) {
      const before = loadNow();
      const commits0 = await commits(db);
      const node0 = process.cpuUsage();
      const pg0 = serverCpu();
      const orders = await runWriters(db, SECONDS, r);
      const nodeCpu = process.cpuUsage(node0);
      const pg1 = serverCpu();
      const orderCommits = (await commits(db)) - commits0;
      total += orders;
      const pgbench = runPgbench(pgbenchUrl, { clients: WRITERS, seconds: SECONDS, scale: PGBENCH_SCALE, init: false });
      await backendsGone(db, 'bench_pgbench'); // an exited backend's CPU counts once the postmaster reaps it
      const pg2 = serverCpu();
      pgbenchCommand = pgbench.command;
      rounds.push({
        ordersPerSecond: Math.round(orders / SECONDS),
        pgbenchTps: Math.round(pgbench.tps),
        ratio: round(orders / SECONDS / pgbench.tps, 3),
        ordersPerCommit: round(orders / orderCommits, 2),
        cpuUs: {
          node: Math.round((nodeCpu.user + nodeCpu.system) / orders),
          postgresPerOrder: pg0 === null || pg1 === null ? null : Math.round(((pg1 - pg0) * 1000) / orders),
          postgresPerPgbenchTx: pg1 === null || pg2 === null ? null : Math.round(((pg2 - pg1) * 1000) / (pgbench.tps * SECONDS)),
        },
        load: { before, after: loadNow() },
      });
    }
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM orders`);
    if (rows[0].n !== total) throw new Error(`expected ${total} orders, found ${rows[0].n}`);
    await db.end();
    const result = summarise(rounds, server.kind, pgbenchCommand);
    console.log(JSON.stringify(result, null, 2));
    const suffix = server.kind === 'embedded' ? '' : '-database-url';
    writeResult(`orders${suffix}`, result, markdown(result));
  } finally {
    await server.stop();
  }
}

function summarise(rounds: Round[], serverKind: string, pgbenchCommand: string) {
  // Each round pairs ours with pgbench under the same load: the median round by ratio is
  // reported whole (a median of each column would pair numbers from different rounds).
  const medianRound = medianIndex(rounds, (r) => r.ratio);
  const { ordersPerSecond, pgbenchTps, ratio } = rounds[medianRound]!;
  return {
    benchmark: 'orders recorded per second',
    command: COMMAND,
    server: serverKind,
    workload: { writers: WRITERS, recorderConnections: RECORDER_CONNECTIONS, skus: SKUS, channels: CHANNELS, listingsPerOrder: CHANNELS, seconds: SECONDS },
    ordersPerSecond,
    pgbench: { tps: pgbenchTps, command: pgbenchCommand },
    ratio,
    medianRound,
    rounds,
    load: loadVerdict(rounds.map((r) => r.load)),
    note: 'the median round by ratio; ours and pgbench alternate on the same server; other work on the machine shows in load',
    goal: `>= ${GOAL_RATIO} x pgbench tps`,
    met: ratio >= GOAL_RATIO,
    machine: machine(),
  };
}

function markdown(r: ReturnType<typeof summarise>): string {
  const cpu = (x: number | null) => (x === null ? '-' : String(x));
  const lines = [
    '# Orders benchmark',
    '',
    `Orders recorded per second: ${WRITERS} concurrent writers, ${SKUS.toLocaleString('en')} SKUs on ${CHANNELS} channels, each order`,
    `claiming 1 unit and updating the targets of its ${CHANNELS} listings, through the coalescing order recorder`,
    `(${r.workload.recorderConnections} connections), on the ${r.server} PostgreSQL; versus \`${r.pgbench.command}\` on the same`,
    'server, rounds alternating; the round with the median ratio is the result.',
    '',
    `Command: \`${r.command}\` (\`DATABASE_URL=...\` for another server; \`BENCH_ROUNDS\`, \`BENCH_SECONDS\`).`,
    '',
    '| | orders/s | pgbench -N tps | ratio | orders per commit | CPU us per order: Node / PostgreSQL | PostgreSQL CPU us per pgbench tx | 1-min load before / after |',
    '|---|---|---|---|---|---|---|---|',
    ...r.rounds.map(
      (x, i) =>
        `| round ${i + 1} | ${x.ordersPerSecond} | ${x.pgbenchTps} | ${x.ratio} | ${x.ordersPerCommit} | ${x.cpuUs.node} / ${cpu(x.cpuUs.postgresPerOrder)} | ${cpu(x.cpuUs.postgresPerPgbenchTx)} | ${x.load.before[0]} / ${x.load.after[0]} |`,
    ),
    `| **median round (${r.medianRound + 1})** | **${r.ordersPerSecond}** | **${r.pgbench.tps}** | **${r.ratio}** | | | | |`,
    '',
    `Goal: ${r.goal}: **${r.met ? 'met' : 'not met'}** (${r.ratio}${r.met ? '' : `, ${round((1 - r.ratio / GOAL_RATIO) * 100)} % short`}).`,
    `Machine load: ${r.load}.`,
    ...(r.load.startsWith('overloaded')
      ? [
          `With the machine overloaded pgbench ran at ${Math.min(...r.rounds.map((x) => x.pgbenchTps))} to ${Math.max(...r.rounds.map((x) => x.pgbenchTps))} tps (about 4,000 on a quiet one): the ratio says how the two share a busy machine, not what a quiet one would give.`,
        ]
      : []),
    '',
    ...limits(r),
    '',
    `Machine: ${machineLine(r.machine)}.`,
  ];
  return lines.join('\n');
}

/** What the run's own measurements say limits it. */
function limits(r: ReturnType<typeof summarise>): string[] {
  const m = r.rounds[r.medianRound]!;
  const ours = m.cpuUs.postgresPerOrder === null ? null : m.cpuUs.node + m.cpuUs.postgresPerOrder;
  return [
    "Before commit fcb9fdb (four round trips a batch, the listings' policies read and returned as JSON by every",
    'batch, listings at fillfactor 100): median 0.377, measured at commit a9708a1 (load 3.6 to 4.2). At commit',
    'a6c4993 (two round trips, but two batches of about 3.6 orders side by side): rounds 0.695, 0.317 and 0.553',
    "(load 2.3 to 5.1): the rounds spread as widely as the machine's load moves. A second run of this commit's",
    'code right after the one above (load 2.3 to 4.4, pgbench 965 to 1,760 tps): rounds 0.568, 0.705 and 0.391,',
    'median 0.568; its PostgreSQL CPU per pgbench transaction read 7 us in one round, a reading taken before',
    "pgbench's backends were reaped (the benchmark now waits for them).",
    '',
    'What limits it, measured (median round):',
    `- Each batch (${m.ordersPerCommit} orders per commit here) is two round trips: BEGIN pipelined with one statement`,
    "  (orders, lines, claims and ledger entries inserted, stock locked and updated, the channels' own sales),",
    '  then the catalogue version check and the targets update pipelined with the COMMIT. The targets are',
    "  computed in Node from the listings' policies cached with the catalogue.",
    ours === null
      ? '- CPU per order could not be read from /proc for this server.'
      : `- CPU per order: Node ${m.cpuUs.node} us + PostgreSQL ${m.cpuUs.postgresPerOrder} us = ${ours} us, against ${m.cpuUs.postgresPerPgbenchTx} us of PostgreSQL per pgbench transaction (pgbench's client is C, a few us). Both share 2 cores with the rest of the machine; an order writes 4 rows with their indexes and 6 foreign-key checks, locks and updates a stock row and updates 5 listings.`,
    `- The ${WRITERS} writers wait for their order: throughput is ${WRITERS} orders per batch latency, so every round trip and every scheduling delay on the loaded machine is throughput lost; pgbench's ${WRITERS} clients each keep their own backend busy.`,
  ];
}

async function backendsGone(db: Db, database: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1`, [database]);
    if (rows[0]!.n === 0) break;
    await sleep(20);
  }
  await sleep(100);
}

/** Committed transactions of this database so far (the stats are flushed at most once a second: good enough over 10 s). */
async function commits(db: Db): Promise<number> {
  await db.query(`SELECT pg_stat_force_next_flush()`);
  const { rows } = await db.query<{ n: string }>(`SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()`);
  return Number(rows[0]!.n);
}

/**
 * CPU time (ms) used so far by the PostgreSQL server: its postmaster and live children plus
 * the children it reaped (pgbench's backends exit). Null where /proc cannot tell (a remote
 * server, another user's processes).
 */
async function serverCpuReader(db: Db): Promise<() => number | null> {
  const { rows } = await db.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
  const postmaster = procStat(rows[0]!.pid)?.ppid;
  if (postmaster === undefined) return () => null;
  const tick = 10; // ms per clock tick (USER_HZ = 100 on Linux)
  return () => {
    const pm = procStat(postmaster);
    if (!pm) return null;
    let ticks = pm.ticks + pm.childTicks;
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const st = procStat(Number(d));
      if (st && st.ppid === postmaster) ticks += st.ticks;
    }
    return ticks * tick;
  };
}

function procStat(pid: number): { ppid: number; ticks: number; childTicks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), childTicks: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

async function runWriters(db: Db, seconds: number, round: number): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let n = 0;
  let seq = 0;
  const recorder = createOrderBatcher(db, { concurrency: RECORDER_CONNECTIONS });
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
      {
        ...base,
        id: 'wh',
        kind: 'warehouse' as const,
        platform: 'shipbob',
        baseUrl: 'http://127.0.0.1:1',
        fulfilledBy: null,
        locations: [{ code: 'main', sellable: true }],
      },
      ...Array.from({ length: CHANNELS }, (_, i) => ({
        ...base,
        id: `ch${i}`,
        kind: 'channel' as const,
        platform: 'shopify',
        baseUrl: 'http://127.0.0.1:1',
        fulfilledBy: 'wh',
      })),
    ],
    skus: Array.from({ length: SKUS }, (_, s) => ({
      sku: `SKU-${s}`,
      listings: Object.fromEntries(Array.from({ length: CHANNELS }, (_, i) => [`ch${i}`, { inventoryItemId: `gid://shopify/InventoryItem/${s}${i}` }])),
    })),
  };
}

// BENCH_REPORT_ONLY=1 rewrites the Markdown from the committed JSON, measuring nothing.
if (process.env.BENCH_REPORT_ONLY) {
  const suffix = process.env.DATABASE_URL ? '-database-url' : '';
  const result = JSON.parse(readFileSync(`bench/results/orders${suffix}.json`, 'utf8')) as ReturnType<typeof summarise>;
  writeResult(`orders${suffix}`, result, markdown(result));
} else {
  await main();
}
