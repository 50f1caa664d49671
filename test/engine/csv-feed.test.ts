// A file-feed warehouse end to end on a real PostgreSQL: the csv-feed connector reads a
// local folder, the poller applies each file through the warehouse-level path (ledger,
// ATS, targets), an older file is never applied, refused rows are quarantined with their
// line numbers while the rest applies, a file that would zero too much is held until a
// person confirms or discards it, and orders are handed off instead of pushed.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from '../../src/connectors/csv-feed/index.js';
import { ConnectorError } from '../../src/connectors/errors.js';
import type { FeedRow, FileFeed } from '../../src/connectors/file-feed.js';
import { decideHeldFeed } from '../../src/engine/feed/decide-feed.js';
import { ingestFeed } from '../../src/engine/feed/ingest-feed.js';
import { recordOrder } from '../../src/engine/record-orders.js';
import { pollOnce } from '../../src/engine/workers/poller.js';
import { pushOrdersOnce } from '../../src/engine/workers/warehouse-pusher.js';
import { startWorkers } from '../../src/runtime/workers.js';
import { heldFeedFiles, recentFeedFiles } from '../../src/store/feed-files.js';
import { channelId, loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
let dir: string;
const log = pino({ level: 'silent' });
const SKUS = ['A', 'B', 'C', 'D', 'E'];

beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 1, skus: SKUS.map((sku) => ({ sku })) });
  dir = mkdtempSync(path.join(os.tmpdir(), 'csv-feed-engine-'));
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

const connector = (options: Record<string, unknown> = {}) =>
  create({
    connectionId: 'wh',
    baseUrl: '',
    credentials: {},
    options: { source: `file://${dir}`, columns: { sku: 'sku', quantity: 'qty' }, orderLag: '0s', ...options },
  });
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

function write(name: string, rows: string[], at: Date): void {
  writeFileSync(path.join(dir, name), ['sku,qty', ...rows].join('\n') + '\n');
  utimesSync(path.join(dir, name), at, at);
}

const poll = () => pollOnce({ db: t.db, log, connectionId: 'wh', connector: connector() });

async function levels(): Promise<Record<string, number>> {
  const { rows } = await t.db.query<{ sku: string; available: number }>(
    `SELECT s.sku, s.available FROM stock_levels s JOIN locations l ON l.id = s.location_id WHERE l.connection_id = 'wh' AND l.code = 'main' ORDER BY s.sku`,
  );
  return Object.fromEntries(rows.map((r) => [r.sku, r.available]));
}

async function targets(): Promise<Record<string, number>> {
  const { rows } = await t.db.query<{ sku: string; target: number }>(`SELECT sku, target FROM listings WHERE connection_id = $1 ORDER BY sku`, [channelId(0)]);
  return Object.fromEntries(rows.map((r) => [r.sku, r.target]));
}

async function quarantined(): Promise<string[]> {
  const { rows } = await t.db.query<{ reason: string }>(`SELECT reason FROM quarantine WHERE source = 'feed' ORDER BY id`);
  return rows.map((r) => r.reason);
}

describe('a csv-feed warehouse', () => {
  it('applies a file as warehouse levels: ATS and every listing target follow', async () => {
    write('stock-1.csv', ['A,10', 'B,5', 'C,3', 'D,2', 'E,1'], hoursAgo(10));
    expect(await poll()).toEqual({ stream: 'inventory', pages: 1, items: 5 });
    expect(await levels()).toEqual({ A: 10, B: 5, C: 3, D: 2, E: 1 });
    expect(await targets()).toEqual({ A: 10, B: 5, C: 3, D: 2, E: 1 });
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM ledger WHERE source = 'feed'`);
    expect(rows[0].n).toBe(5);
    // The same file again: nothing is read or written.
    expect(await poll()).toEqual({ stream: 'inventory', pages: 0, items: 0 });
  });

  it('never applies a file older than the last applied one', async () => {
    write('stock-0.csv', ['A,99', 'B,99', 'C,99', 'D,99', 'E,99'], hoursAgo(11));
    await poll(); // stock-1 (10 h ago) is still the newest, and applied: stock-0 is never opened
    expect(await levels()).toEqual({ A: 10, B: 5, C: 3, D: 2, E: 1 });
    write('stock-1.csv', ['A,77', 'B,5', 'C,3', 'D,2', 'E,1'], hoursAgo(10.5)); // re-exported, stamped before the applied one
    expect(await ingestFeed({ db: t.db, log, connectionId: 'wh', feed: connector().fileFeed! })).toEqual({ outcome: 'none' });
    expect(await levels()).toEqual({ A: 10, B: 5, C: 3, D: 2, E: 1 });
    const ignored = (await recentFeedFiles(t.db, 'wh', 10)).filter((f) => f.status === 'ignored');
    expect(ignored.map((f) => f.name)).toEqual(['stock-1.csv']);
    expect(ignored[0]!.note).toMatch(/before the last applied file/);
  });

  it('quarantines malformed rows with their line numbers and applies the rest', async () => {
    write('stock-2.csv', ['A,11', 'B,lots', 'C,4', ',7', 'D,-1', 'A,12', 'E,1'], hoursAgo(9));
    const r = await ingestFeed({ db: t.db, log, connectionId: 'wh', feed: connector().fileFeed! });
    expect(r).toMatchObject({ outcome: 'applied', rows: 7, refused: 4 });
    // B and D were refused: their levels are kept, not zeroed as if the file left them out.
    expect(await levels()).toEqual({ A: 11, B: 5, C: 4, D: 2, E: 1 });
    expect(await quarantined()).toEqual([
      'stock-2.csv line 3: the quantity "lots" of B is not a whole number',
      'stock-2.csv line 5: the SKU is empty',
      'stock-2.csv line 6: the quantity "-1" of D is negative',
      'stock-2.csv line 7: A at location main is listed again; the first row is kept',
    ]);
  });

  it('holds a file that would zero too much of the catalogue; confirming applies exactly what was held', async () => {
    write('stock-3.csv', ['A,11'], hoursAgo(8)); // a truncated export
    const held = await ingestFeed({ db: t.db, log, connectionId: 'wh', feed: connector().fileFeed! });
    expect(held).toMatchObject({ outcome: 'held', inStock: 5, wouldZero: 4 });
    expect(await levels()).toEqual({ A: 11, B: 5, C: 4, D: 2, E: 1 });
    const [file] = await heldFeedFiles(t.db);
    expect(file).toMatchObject({ connectionId: 'wh', name: 'stock-3.csv', status: 'held', wouldZero: 4, inStock: 5 });
    expect(file!.note).toMatch(/would take 4 of the 5 SKUs in stock here to zero .*stocksync feed confirm wh/);
    expect(await poll()).toMatchObject({ pages: 0 }); // still held: not read again

    // The file on disk changes after it was held: confirm applies what was held.
    write('stock-3.csv', ['A,1', 'B,1', 'C,1', 'D,1', 'E,1'], hoursAgo(7.5));
    const decided = await decideHeldFeed({ db: t.db, log }, 'wh', 'confirm', 'test');
    expect(decided).toMatchObject({ decision: 'confirmed', result: { applied: 4 } });
    expect(await levels()).toEqual({ A: 11, B: 0, C: 0, D: 0, E: 0 });
    expect(await targets()).toEqual({ A: 11, B: 0, C: 0, D: 0, E: 0 });
    await expect(decideHeldFeed({ db: t.db, log }, 'wh', 'confirm', 'test')).rejects.toThrow(/has no held stock file/);
  });

  it('holds an empty file (it would zero everything) and discards it on request', async () => {
    write('stock-3.csv', ['A,11', 'B,5', 'C,4', 'D,2', 'E,1'], hoursAgo(7));
    await poll();
    writeFileSync(path.join(dir, 'stock-4.csv'), '');
    utimesSync(path.join(dir, 'stock-4.csv'), hoursAgo(6), hoursAgo(6));
    expect(await ingestFeed({ db: t.db, log, connectionId: 'wh', feed: connector().fileFeed! })).toMatchObject({ outcome: 'held', rows: 0, wouldZero: 5 });
    expect(await decideHeldFeed({ db: t.db, log }, 'wh', 'discard', 'test')).toMatchObject({ decision: 'discarded' });
    expect(await levels()).toEqual({ A: 11, B: 5, C: 4, D: 2, E: 1 });
    expect(await heldFeedFiles(t.db)).toEqual([]);
  });

  it('applies a file that zeroes no more than holdIfZeroingOver allows', async () => {
    write('stock-5.csv', ['A,11', 'B,5', 'C,4', 'D,2'], hoursAgo(5)); // E sold out: 1 of 5
    expect(await ingestFeed({ db: t.db, log, connectionId: 'wh', feed: connector().fileFeed! })).toMatchObject({ outcome: 'applied' });
    expect((await levels()).E).toBe(0);
  });

  it('records a SKU the catalogue does not know as an incident once, not at every file', async () => {
    const incidents = async () => (await t.db.query(`SELECT count(*)::int AS n FROM incidents WHERE kind = 'unknown_sku' AND sku = 'ZZZ'`)).rows[0].n;
    write('stock-6.csv', ['A,11', 'B,5', 'C,4', 'D,2', 'ZZZ,3'], hoursAgo(4));
    await poll();
    write('stock-7.csv', ['A,11', 'B,5', 'C,4', 'D,2', 'ZZZ,4'], hoursAgo(3));
    await poll();
    expect(await incidents()).toBe(1);
  });

  it('hands orders off instead of pushing them; the first file taken after counts them and settles the claims', async () => {
    await recordOrder(t.db, { connectionId: channelId(0), externalId: 'o1', lines: [{ sku: 'A', quantity: 2 }] });
    const ats = async () => (await t.db.query(`SELECT available - claimed AS ats FROM sku_stock WHERE sku = 'A'`)).rows[0].ats;
    expect(await ats()).toBe(9);
    expect(await pushOrdersOnce({ db: t.db, log, connectionId: 'wh', connector: connector() })).toBe(false);
    const order = (await t.db.query(`SELECT warehouse_ack_at, warehouse_ref FROM orders WHERE external_id = 'o1'`)).rows[0];
    expect(order.warehouse_ref).toMatch(/^stocksync-\d+$/);
    // The warehouse shipped it: its next export says 9, and the claim stops counting.
    write('stock-8.csv', ['A,9', 'B,5', 'C,4', 'D,2'], new Date(Date.now() + 1_000));
    await poll();
    expect(await ats()).toBe(9);
    const { rows } = await t.db.query(`SELECT state FROM claims`);
    expect(rows.map((r) => r.state)).toEqual(['settled']);
  });

  it('lets one of two simultaneous confirmations apply a held file', async () => {
    write('stock-9.csv', ['A,9'], new Date(Date.now() + 2_000)); // would zero B, C, D
    expect(await ingestFeed({ db: t.db, log, connectionId: 'wh', feed: connector().fileFeed! })).toMatchObject({ outcome: 'held' });
    const both = await Promise.allSettled([
      decideHeldFeed({ db: t.db, log }, 'wh', 'confirm', 'one'),
      decideHeldFeed({ db: t.db, log }, 'wh', 'confirm', 'two'),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await levels()).toMatchObject({ A: 9, B: 0, C: 0, D: 0 });
  });

  it('is polled by the engine workers on its schedule, with no reconciliation scheduled', async () => {
    write('stock-10.csv', ['A,3', 'B,3', 'C,3', 'D,3', 'E,3'], new Date(Date.now() + 3_000));
    const workers = await startWorkers({
      db: t.db,
      dbUrl: t.url,
      log,
      connectors: new Map([['wh', connector()]]),
      connections: [{ id: 'wh', pollIntervalMs: 100, reconcileCron: '* * * * * *', options: {} }],
    });
    try {
      const deadline = Date.now() + 10_000;
      while ((await levels()).E !== 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await levels()).toEqual({ A: 3, B: 3, C: 3, D: 3, E: 3 });
      await new Promise((r) => setTimeout(r, 1_100)); // a reconciliation every second would have run by now
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM reconciliations WHERE connection_id = 'wh'`);
      expect(rows[0].n).toBe(0);
    } finally {
      await workers.stop();
    }
  });

  it('forgets a reading cut short (nothing applied) and reads the file again at the next poll', async () => {
    const info = { name: 'cut.csv', observedAt: new Date(Date.now() + 4_000) };
    let cut = true;
    const feed: FileFeed = {
      policy: { holdIfZeroingOver: 1, absentSkus: 'keep' },
      async openLatest(skip) {
        if (await skip(info)) return null;
        async function* rows(): AsyncGenerator<FeedRow> {
          yield { line: 2, sku: 'A', location: 'main', available: 42 };
          if (cut) throw new ConnectorError('SERVER', 'cut.csv was rewritten while being read; read again at the next poll');
        }
        return { info, rows: rows(), summary: () => ({ bytes: 10, sha256: 'x', structureErrors: 0 }), close: async () => {} };
      },
    };
    await expect(ingestFeed({ db: t.db, log, connectionId: 'wh', feed })).rejects.toThrow(/rewritten while being read/);
    expect((await levels()).A).toBe(3);
    expect((await recentFeedFiles(t.db, 'wh', 50)).some((f) => f.name === 'cut.csv')).toBe(false);
    cut = false;
    expect(await ingestFeed({ db: t.db, log, connectionId: 'wh', feed })).toMatchObject({ outcome: 'applied' });
    expect((await levels()).A).toBe(42);
  });

  it('quarantines at most 100 refused rows of a file, then says how many more there were', async () => {
    const bad = Array.from({ length: 150 }, (_, i) => `BAD${i},x`);
    write('stock-11.csv', ['A,42', 'B,3', 'C,3', 'D,3', 'E,3', ...bad], new Date(Date.now() + 5_000));
    expect(await ingestFeed({ db: t.db, log, connectionId: 'wh', feed: connector().fileFeed! })).toMatchObject({ outcome: 'applied', refused: 150 });
    const { rows } = await t.db.query<{ reason: string }>(`SELECT reason FROM quarantine WHERE reason LIKE 'stock-11.csv%' ORDER BY id`);
    expect(rows).toHaveLength(101);
    expect(rows[0]!.reason).toBe('stock-11.csv line 7: the quantity "x" of BAD0 is not a whole number');
    expect(rows[100]!.reason).toBe('stock-11.csv: 50 more refused row(s) not quarantined (the first 100 are)');
  });
});
