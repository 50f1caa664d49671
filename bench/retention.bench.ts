// Bounded storage: a merchant at 10,000 orders a day for 30 simulated days. Each order
// arrives as a webhook (a ~2 KB body in the inbox, then processed) and is recorded by the
// engine's order path with its raw payload; each day adds refused input and a
// reconciliation's drift rows; once a simulated day the engine's retention runs, at that
// day's clock. Reported: database size per day, and query latency on the last day against
// the first (the same queries, the same process, the same run).
// Run: flock /tmp/stocksync-bench.lock npm run bench:retention   (BENCH_DAYS, BENCH_ORDERS_PER_DAY)
import type { Db } from '../src/store/db.js';
import { createPool } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { syncCatalog } from '../src/engine/catalog.js';
import { createOrderBatcher } from '../src/engine/order-batcher.js';
import { recordOrder } from '../src/engine/record-orders.js';
import { pruneExpired } from '../src/engine/prune.js';
import { claimInboxEvents } from '../src/store/inbox.js';
import { statusReport, skuDetail } from '../src/store/status.js';
import { DEFAULT_RETENTION, storageBytes, type PruneCounts } from '../src/store/retention.js';
import { scratchServer } from '../src/harness/database.js';
import { benchCatalog, seedStock } from './lib/catalog.js';
import { loadNow, loadVerdict, machine, machineLine, percentile, round, writeResult, type Load } from './lib/report.js';

const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const ORDERS_PER_DAY = Number(process.env.BENCH_ORDERS_PER_DAY ?? 10_000);
const SKUS = 2_000;
const CHANNELS = [
  { id: 'shop', platform: 'shopify' },
  { id: 'woo', platform: 'woocommerce' },
  { id: 'amzn', platform: 'amazon' },
];
const REFUSED_PER_DAY = 200;
const DRIFT_ROWS_PER_DAY = 3 * 60;
const WRITERS = 8;
const LATENCY_SAMPLES = 200;
const COMMAND = 'flock /tmp/stocksync-bench.lock npm run bench:retention';
const DAY_MS = 86_400_000;

interface Day {
  day: number;
  databaseMB: number;
  tablesMB: Record<string, number>;
  pruned: PruneCounts;
}

interface Latencies {
  /** milliseconds, p50 and p95 */
  recordOrder: number[];
  claimInbox: number[];
  status: number[];
  sku: number[];
}

async function main(): Promise<void> {
  const server = await scratchServer();
  const load: Load = { before: loadNow(), after: [] };
  try {
    const url = await server.createDatabase('bench_retention');
    const db = createPool(url, WRITERS + 2);
    await migrate(db);
    await syncCatalog(db, benchCatalog({ skus: SKUS, channels: CHANNELS }));
    await seedStock(db, 1_000_000);
    const start = new Date(Date.UTC(2026, 0, 1));
    const days: Day[] = [];
    let first: Latencies | undefined;
    let last: Latencies | undefined;
    const t0 = Date.now();
    for (let d = 0; d < DAYS; d++) {
      const clock = new Date(start.getTime() + d * DAY_MS);
      await simulateDay(db, d, clock);
      const pruned = await pruneExpired(db, DEFAULT_RETENTION, { now: new Date(clock.getTime() + DAY_MS) });
      const storage = await storageBytes(db);
      days.push({ day: d + 1, databaseMB: mb(storage.database), tablesMB: pickTables(storage.tables), pruned });
      if (d === 0) first = await measureLatencies(db, d);
      if (d === DAYS - 1) last = await measureLatencies(db, d);
      process.stderr.write(`day ${d + 1}/${DAYS}: ${mb(storage.database)} MB, ${Math.round((Date.now() - t0) / 1000)} s\n`);
    }
    load.after = loadNow();
    await db.end();
    const result = summarise(days, first!, last!, server.kind, load);
    console.log(JSON.stringify(result, null, 2));
    writeResult(`retention${server.kind === 'embedded' ? '' : '-database-url'}`, result, markdown(result));
  } finally {
    await server.stop();
  }
}

/** One day's traffic, written now and then dated to `clock` (retention measures ages). */
async function simulateDay(db: Db, d: number, clock: Date): Promise<void> {
  const marks = await maxIds(db);
  const recorder = createOrderBatcher(db, { concurrency: 2 });
  let next = 0;
  const writer = async () => {
    for (let i = next++; i < ORDERS_PER_DAY; i = next++) {
      const sku = `SKU-${(i * 7919 + d) % SKUS}`;
      const channel = CHANNELS[i % CHANNELS.length]!.id;
      const externalId = `d${d}-o${i}`;
      const body = orderBody(externalId, sku);
      await db.query(
        `INSERT INTO inbox (connection_id, event_id, topic, headers, body, status, processed_at) VALUES ($1, $2, 'orders/create', $3, $4, 'processed', now())`,
        [channel, `evt-${externalId}`, JSON.stringify({ 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': `evt-${externalId}` }), Buffer.from(body)],
      );
      await recorder.record({ connectionId: channel, externalId, lines: [{ sku, quantity: 1 }], raw: JSON.parse(body) as unknown });
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  await db.query(
    `INSERT INTO quarantine (source, connection_id, reason, headers, body)
     SELECT 'webhook', 'shop', 'signature missing or invalid', '{}', convert_to(repeat('x', 1500), 'UTF8') FROM generate_series(1, $1)`,
    [REFUSED_PER_DAY],
  );
  const { rows } = await db.query(
    `INSERT INTO reconciliations (connection_id, trigger, status, checked, drifted, drift_units) VALUES ('shop', 'schedule', 'done', $1, $2, $2) RETURNING id`,
    [SKUS, DRIFT_ROWS_PER_DAY],
  );
  await db.query(
    `INSERT INTO drift (reconciliation_id, connection_id, sku, believed, actual, units, action)
     SELECT $1, 'shop', 'SKU-' || g, 5, 4, -1, 'corrected' FROM generate_series(1, $2) g`,
    [rows[0].id, DRIFT_ROWS_PER_DAY],
  );
  // Date the day's rows: the engine wrote them with the machine's clock (the ledger is
  // append-only and keeps its real dates: retention never touches it).
  await db.query(`UPDATE inbox SET received_at = $2, processed_at = $2 WHERE id > $1`, [marks.inbox, clock]);
  await db.query(`UPDATE orders SET placed_at = $2, created_at = $2, updated_at = $2 WHERE id > $1`, [marks.orders, clock]);
  await db.query(`UPDATE quarantine SET created_at = $2 WHERE id > $1`, [marks.quarantine, clock]);
  await db.query(`UPDATE reconciliations SET started_at = $2, finished_at = $2 WHERE id = $1`, [rows[0].id, clock]);
}

async function maxIds(db: Db) {
  const { rows } = await db.query(
    `SELECT (SELECT COALESCE(max(id), 0) FROM inbox) AS inbox, (SELECT COALESCE(max(id), 0) FROM orders) AS orders,
            (SELECT COALESCE(max(id), 0) FROM quarantine) AS quarantine`,
  );
  return rows[0] as Record<'inbox' | 'orders' | 'quarantine', string>;
}

/** A Shopify orders/create body of a realistic size (~2 KB). */
function orderBody(id: string, sku: string): string {
  return JSON.stringify({
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    created_at: new Date().toISOString(),
    currency: 'EUR',
    financial_status: 'paid',
    customer: { id: 1, email: 'shopper@example.com', first_name: 'Ada', last_name: 'Lovelace' },
    shipping_address: { address1: '1 Example Street', city: 'Berlin', zip: '10115', country_code: 'DE', phone: '+49 30 000000' },
    line_items: [{ id: 1, sku, quantity: 1, price: '19.90', title: 'A product with a reasonably long title', variant_id: 42, properties: [] }],
    note: 'x'.repeat(1200),
  });
}

async function measureLatencies(db: Db, d: number): Promise<Latencies> {
  const time = async (fn: (i: number) => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const t = process.hrtime.bigint();
      await fn(i);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    ms.sort((a, b) => a - b);
    return [round(percentile(ms, 50), 2), round(percentile(ms, 95), 2)];
  };
  return {
    recordOrder: await time((i) => recordOrder(db, { connectionId: 'shop', externalId: `probe-${d}-${i}`, lines: [{ sku: `SKU-${i}`, quantity: 1 }] })),
    claimInbox: await time(() => claimInboxEvents(db, 50)),
    status: await time(() => statusReport(db)),
    sku: await time((i) => skuDetail(db, `SKU-${i}`)),
  };
}

const mb = (bytes: number) => round(bytes / 1_048_576, 1);
function pickTables(tables: Record<string, number>): Record<string, number> {
  const keep = ['inbox', 'orders', 'order_lines', 'claims', 'ledger', 'quarantine', 'drift'];
  return Object.fromEntries(keep.map((t) => [t, mb(tables[t] ?? 0)]));
}

function summarise(days: Day[], first: Latencies, last: Latencies, serverKind: string, load: Load) {
  const ratio = (k: keyof Latencies) => round(last[k][0]! / first[k][0]!, 2);
  return {
    benchmark: 'bounded storage: 30 simulated days at 10,000 orders a day',
    command: COMMAND,
    server: serverKind,
    workload: {
      days: DAYS,
      ordersPerDay: ORDERS_PER_DAY,
      skus: SKUS,
      channels: CHANNELS.length,
      refusedPerDay: REFUSED_PER_DAY,
      driftRowsPerDay: DRIFT_ROWS_PER_DAY,
    },
    retention: DEFAULT_RETENTION,
    days,
    latencyMs: { firstDay: first, lastDay: last },
    latencyRatio: { recordOrder: ratio('recordOrder'), claimInbox: ratio('claimInbox'), status: ratio('status'), sku: ratio('sku') },
    load: loadVerdict([load]),
    machine: machine(),
  };
}

function markdown(r: ReturnType<typeof summarise>): string {
  const at = (n: number) => r.days.find((d) => d.day === n) ?? r.days[r.days.length - 1]!;
  const cols = Object.keys(r.days[0]!.tablesMB);
  const shown = [1, 3, 4, 7, 14, 15, 20, 30].filter((n) => n <= r.days.length);
  const lat = (k: keyof Latencies) => `| ${k} | ${r.latencyMs.firstDay[k].join(' / ')} | ${r.latencyMs.lastDay[k].join(' / ')} | ${r.latencyRatio[k]}x |`;
  return [
    '# Retention benchmark: bounded storage',
    '',
    `${r.workload.ordersPerDay.toLocaleString('en')} orders a day for ${r.workload.days} simulated days, ${r.workload.skus.toLocaleString('en')} SKUs on ${r.workload.channels} channels,`,
    `on the ${r.server} PostgreSQL. Each order: a ~2 KB webhook body in the inbox, then recorded by the engine's order`,
    `path with its raw payload; each day also ${r.workload.refusedPerDay} refused webhooks (1.5 KB each) and a reconciliation with`,
    `${r.workload.driftRowsPerDay} drift rows. Retention at its defaults (bodies 3 d, inbox rows 14 d, refused input 30 d, drift 90 d,`,
    "order payloads 90 d) runs once a simulated day at that day's clock. Claims are not settled here (a real shop",
    'settles each, adding a ledger row per line).',
    '',
    `Command: \`${r.command}\`.`,
    '',
    `| day | database MB | ${cols.join(' MB | ')} MB | inbox rows deleted | bodies emptied |`,
    `|---|---|${cols.map(() => '---|').join('')}---|---|`,
    ...shown.map((n) => {
      const d = at(n);
      return `| ${d.day} | ${d.databaseMB} | ${cols.map((c) => d.tablesMB[c]).join(' | ')} | ${d.pruned.inbox} | ${d.pruned.inboxBodies} |`;
    }),
    '',
    `Query latency, ms (p50 / p95 of ${LATENCY_SAMPLES}), first day against the last:`,
    '',
    '| query | day 1 | last day | p50 ratio |',
    '|---|---|---|---|',
    lat('recordOrder'),
    lat('claimInbox'),
    lat('status'),
    lat('sku'),
    '',
    `Machine load: ${r.load}. Machine: ${machineLine(r.machine)}.`,
  ].join('\n');
}

await main();
