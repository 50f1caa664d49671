// The csv-feed connector on a local folder: which file is the snapshot, how rows are read
// and refused (with their line numbers), a huge row, an empty file, a file rewritten while
// being read, and the config's checks of its options.
import { mkdtempSync, rmSync, utimesSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { create } from '../../src/connectors/csv-feed/index.js';
import type { WarehouseConnector } from '../../src/connectors/types.js';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { readAll } from './csv-feed-helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'csv-feed-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string | Buffer, at: Date): void {
  writeFileSync(path.join(dir, name), text);
  utimesSync(path.join(dir, name), at, at);
}

function feedOf(options: Record<string, unknown> = {}): WarehouseConnector {
  return create({
    connectionId: 'feed',
    baseUrl: '',
    credentials: {},
    options: { source: `file://${dir}`, columns: { sku: 'sku', quantity: 'qty' }, ...options },
  });
}

const T1 = new Date('2026-12-01T10:00:00Z');
const T2 = new Date('2026-12-01T11:00:00Z');
const never = async () => false;

describe('csv-feed on a local folder', () => {
  it('reads the newest matching file, mapping the configured columns', async () => {
    write('stock-old.csv', 'sku,qty\nA,1\n', T1);
    write('stock-new.csv', 'Item;Where;Qty\nA;east;5\nB;west;0\n', T2);
    write('notes.txt', 'not a stock file', new Date('2026-12-02T00:00:00Z'));
    const c = feedOf({ files: 'stock-*.csv', delimiter: ';', columns: { sku: 'Item', quantity: 'Qty', location: 'Where' } });
    expect(c.capabilities.ordersOutside).toEqual({ countedAfterMs: 15 * 60_000 });
    const r = (await c.fileFeed!.openLatest(never))!;
    expect(r.info).toEqual({ name: 'stock-new.csv', observedAt: T2 });
    expect(await readAll(r)).toEqual([
      { line: 2, sku: 'A', location: 'east', available: 5 },
      { line: 3, sku: 'B', location: 'west', available: 0 },
    ]);
    expect(r.summary()).toMatchObject({ bytes: 33, structureErrors: 0 });
    expect(r.summary().sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('asks before opening: a file the engine has seen is not read', async () => {
    write('a.csv', 'sku,qty\nA,1\n', T1);
    const seen: string[] = [];
    const r = await feedOf().fileFeed!.openLatest(async (info) => {
      seen.push(`${info.name}@${info.observedAt.toISOString()}`);
      return true;
    });
    expect(r).toBeNull();
    expect(seen).toEqual(['a.csv@2026-12-01T10:00:00.000Z']);
  });

  it('takes the time from the file name when configured, whatever the mtime', async () => {
    write('stock-20261201T120000Z.csv', 'sku,qty\nA,1\n', T1);
    write('stock-2026-12-01_09-00-00.csv', 'sku,qty\nA,2\n', T2); // newer mtime, older name
    write('stock-latest.csv', 'sku,qty\nA,3\n', T2); // no time in its name: not a snapshot
    const c = feedOf({ timestamp: { filenamePattern: '^stock-(.+)\\.csv$' } });
    const r = (await c.fileFeed!.openLatest(never))!;
    expect(r.info).toEqual({ name: 'stock-20261201T120000Z.csv', observedAt: new Date('2026-12-01T12:00:00Z') });
    await r.close();
  });

  it('refuses malformed rows with their line numbers and reasons, and reads the rest', async () => {
    const text = [
      'sku,qty,name', // 1
      'A,5,ok', // 2
      'B,abc,bad quantity', // 3
      ',4,no sku', // 4
      'C,-2,negative', // 5
      'D', // 6: too few fields
      '', // 7: blank, skipped
      'E,1.5,decimal', // 8
      '"F, with comma",7,quoted', // 9
      'G, 8 ,spaces', // 10
    ].join('\n');
    write('s.csv', text, T1);
    const rows = await readAll((await feedOf().fileFeed!.openLatest(never))!);
    expect(rows).toEqual([
      { line: 2, sku: 'A', location: 'main', available: 5 },
      { line: 3, sku: 'B', location: 'main', raw: 'B,abc,bad quantity', refused: 'the quantity "abc" of B is not a whole number' },
      { line: 4, raw: ',4,no sku', refused: 'the SKU is empty' },
      { line: 5, sku: 'C', location: 'main', raw: 'C,-2,negative', refused: 'the quantity "-2" of C is negative' },
      { line: 6, raw: 'D', refused: 'has 1 field(s); the mapped columns need 2' },
      { line: 8, sku: 'E', location: 'main', raw: 'E,1.5,decimal', refused: 'the quantity "1.5" of E is not a whole number' },
      { line: 9, sku: 'F, with comma', location: 'main', available: 7 },
      { line: 10, sku: 'G', location: 'main', available: 8 },
    ]);
  });

  it('refuses a row over maxRowBytes by its line and reads the rows after it', async () => {
    const huge = `H,${'9'.repeat(300_000)}`;
    write('s.csv', `sku,qty\nA,1\n${huge}\nB,2\n`, T1);
    const r = (await feedOf({ maxRowBytes: 1024 }).fileFeed!.openLatest(never))!;
    const rows = await readAll(r);
    expect(rows).toEqual([
      { line: 2, sku: 'A', location: 'main', available: 1 },
      { line: 3, raw: '', refused: 'the line is 300002 bytes, over maxRowBytes 1024; not read' },
      { line: 4, sku: 'B', location: 'main', available: 2 },
    ]);
    expect(r.summary().bytes).toBe(300_019);
  });

  it('fails the whole file when an unclosed quote swallows the rest (never a partial snapshot)', async () => {
    write('s.csv', `sku,qty\nA,1\n"B,2\n${'C,3\n'.repeat(400)}`, T1);
    await expect(readAll((await feedOf({ maxRowBytes: 1024 }).fileFeed!.openLatest(never))!)).rejects.toThrow(/unclosed quote\?\); the file is not applied/);
  });

  it('reports CSV structure errors as refused rows and counts them', async () => {
    write('s.csv', 'sku,qty\nA,1\n"B"x,2\nC,3\n', T1);
    const r = (await feedOf().fileFeed!.openLatest(never))!;
    const rows = await readAll(r);
    expect(rows[0]).toEqual({ line: 2, sku: 'A', location: 'main', available: 1 });
    expect(rows.some((row) => 'refused' in row && row.refused.startsWith('CSV: Invalid Closing Quote'))).toBe(true);
    expect(r.summary().structureErrors).toBeGreaterThan(0);
  });

  it('reads an empty file as a snapshot without rows', async () => {
    write('s.csv', '', T1);
    const r = (await feedOf().fileFeed!.openLatest(never))!;
    expect(await readAll(r)).toEqual([]);
    expect(r.summary()).toMatchObject({ bytes: 0, structureErrors: 0 });
  });

  it('says which mapped column the header lacks', async () => {
    write('s.csv', 'SKU,Quantity\nA,1\n', T1);
    await expect(readAll((await feedOf().fileFeed!.openLatest(never))!)).rejects.toThrow('the header has no column "sku" for sku (it has "SKU", "Quantity")');
  });

  it('maps columns by number without a header', async () => {
    write('s.csv', 'x,A,3\nx,B,4\n', T1);
    const rows = await readAll((await feedOf({ header: false, columns: { sku: 2, quantity: 3 } }).fileFeed!.openLatest(never))!);
    expect(rows).toEqual([
      { line: 1, sku: 'A', location: 'main', available: 3 },
      { line: 2, sku: 'B', location: 'main', available: 4 },
    ]);
  });

  it('refuses a file rewritten in place while being read; a file renamed over it reads the old one whole', async () => {
    const body = `sku,qty\n${Array.from({ length: 20_000 }, (_, i) => `S${i},${i}`).join('\n')}\n`;
    write('s.csv', body, T1);
    const inPlace = (await feedOf().fileFeed!.openLatest(never))!;
    const it1 = inPlace.rows[Symbol.asyncIterator]();
    await it1.next();
    write('s.csv', 'sku,qty\nA,1\n', T2); // truncated and rewritten under the reader
    await expect(
      (async () => {
        for (let r = await it1.next(); !r.done; r = await it1.next());
      })(),
    ).rejects.toThrow(/rewritten while being read/);
    await inPlace.close();

    write('s.csv', body, T1);
    const renamed = (await feedOf().fileFeed!.openLatest(never))!;
    const it2 = renamed.rows[Symbol.asyncIterator]();
    await it2.next();
    write('next.tmp', 'sku,qty\nA,1\n', T2);
    renameSync(path.join(dir, 'next.tmp'), path.join(dir, 's.csv'));
    let count = 1;
    for (let r = await it2.next(); !r.done; r = await it2.next()) count++;
    await renamed.close();
    expect(count).toBe(20_000);
  });
});

describe('csv-feed config', () => {
  const yaml = (options: string, extra = '') => `
secretKey: { env: K }
connections:
  - { id: feed, kind: warehouse, platform: csv-feed, ${extra} options: ${options} }
`;
  const issues = (text: string) => {
    try {
      parseConfig(text, { K: 'k'.repeat(32) }, 'test');
      return [];
    } catch (e) {
      return ((e as { details?: { issues?: { path: string; message: string }[] } }).details?.issues ?? []).map((i) => `${i.path}: ${i.message}`);
    }
  };

  it('accepts a folder feed without baseUrl and credentials', () => {
    expect(issues(yaml('{ source: "file:///var/feeds", columns: { sku: SKU, quantity: Qty } }'))).toEqual([]);
  });

  it('loads examples/csv-feed.yaml', async () => {
    const c = await loadConfig('examples/csv-feed.yaml', { STOCKSYNC_SECRET_KEY: 'k'.repeat(32), SUPPLIER_SFTP_PASSWORD: 'p', SHOPIFY_TOKEN: 't' });
    const supplier = c.connections.find((x) => x.id === 'supplier')!;
    expect(supplier).toMatchObject({ platform: 'csv-feed', credentials: { password: 'p' } });
    expect(create({ connectionId: 'supplier', baseUrl: '', credentials: supplier.credentials, options: supplier.options }).capabilities.ordersOutside).toEqual({
      countedAfterMs: 900_000,
    });
  });

  it('names each mistake precisely', () => {
    expect(issues(yaml('{ source: "http://x/s.csv", columns: { sku: SKU } }'))).toEqual([
      'connections[0].options.columns.quantity: must be a header name or a column number from 1',
      'connections[0].options.source: plain http:// is refused (a stock file could be altered on the way); use https://',
    ]);
    expect(issues(yaml('{ source: "sftp://feeds@h/x", columns: { sku: 1, quantity: 2 }, header: false, holdIfZeroingOver: 2 }'))).toEqual([
      'connections[0].options.holdIfZeroingOver: must be from 0 to 1',
      'connections[0].options.hostKey: required for an sftp:// source: the server key to trust (ssh-keygen -lf on its public key)',
    ]);
    expect(issues(yaml(`{ source: "sftp://feeds@h/x", columns: { sku: 1, quantity: 2 }, header: false, hostKey: "SHA256:${'A'.repeat(43)}" }`))).toEqual([
      'connections[0].options.source: an sftp:// source needs credentials.password or credentials.privateKey',
    ]);
    expect(issues(yaml('{ source: "sftp://feeds@h/x", columns: { sku: A, quantity: 2 }, header: false }'))).toEqual([
      'connections[0].options.columns.sku: must be a column number (1, 2...) with header: false',
      'connections[0].options.hostKey: required for an sftp:// source: the server key to trust (ssh-keygen -lf on its public key)',
    ]);
    expect(issues(yaml('{ source: "https://h/s.csv", columns: { sku: a, quantity: b }, timestamp: { filenamePattern: "stock" } }'))).toEqual([
      'connections[0].options.timestamp.filenamePattern: must capture the timestamp in a group, e.g. stock-(\\d{8}T\\d{6}Z)\\.csv',
    ]);
    expect(issues(yaml('{ source: "file:///x", columns: { sku: a, quantity: b } }', 'baseUrl: "https://x",'))).toEqual([
      "connections[0].baseUrl: a csv-feed has no API; give the files' place as options.source",
    ]);
  });
});
