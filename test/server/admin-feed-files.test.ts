// The admin API's /feed-files: a held stock file of a csv-feed warehouse is listed, and
// confirmed (applied as it was held) or discarded, as `stocksync feed confirm|discard`.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFeedFiles } from '../../src/cli/commands/feed.js';
import { formatStatus } from '../../src/cli/commands/status.js';
import { create } from '../../src/connectors/csv-feed/index.js';
import { ingestFeed } from '../../src/engine/feed/ingest-feed.js';
import { createLogger } from '../../src/log.js';
import { buildServer } from '../../src/server/app.js';
import { API_PREFIX } from '../../src/server/admin/index.js';
import { heldFeedFiles, recentFeedFiles } from '../../src/store/feed-files.js';
import { statusReport } from '../../src/store/status.js';
import { loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const TOKEN = 'admin-token-0123456789-secret';
let t: TestDatabase;
let app: FastifyInstance;
let dir: string;
const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 1, skus: [{ sku: 'A' }, { sku: 'B' }] });
  app = await buildServer({ db: t.db, logger: log, adminToken: TOKEN });
  await app.ready();
  dir = mkdtempSync(path.join(os.tmpdir(), 'csv-feed-admin-'));
});
afterAll(async () => {
  await app?.close();
  await t?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const feed = () =>
  create({ connectionId: 'wh', baseUrl: '', credentials: {}, options: { source: `file://${dir}`, columns: { sku: 'sku', quantity: 'qty' } } }).fileFeed!;
async function fileAt(name: string, text: string, hoursAgo: number) {
  const at = new Date(Date.now() - hoursAgo * 3_600_000);
  writeFileSync(path.join(dir, name), text);
  utimesSync(path.join(dir, name), at, at);
  return ingestFeed({ db: t.db, log, connectionId: 'wh', feed: feed() });
}
const post = (url: string, key: string) =>
  app.inject({
    method: 'POST',
    url: `${API_PREFIX}${url}`,
    headers: { authorization: `Bearer ${TOKEN}`, 'idempotency-key': `feed-key-${key}`, 'content-type': 'application/json' },
    payload: '{}',
  });

describe('admin API /feed-files', () => {
  it('lists a held file; status shows it; confirm applies it; a second confirm finds none', async () => {
    expect(await fileAt('s1.csv', 'sku,qty\nA,5\nB,4\n', 3)).toMatchObject({ outcome: 'applied' });
    expect(await fileAt('s2.csv', 'sku,qty\nA,5\n', 2)).toMatchObject({ outcome: 'held', wouldZero: 1, inStock: 2 });

    const list = await app.inject({ method: 'GET', url: `${API_PREFIX}/feed-files?connectionId=wh`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((f: { name: string; status: string }) => `${f.name}:${f.status}`)).toEqual(['s2.csv:held', 's1.csv:applied']);
    const text = formatStatus(await statusReport(t.db), [], new Date(), await heldFeedFiles(t.db));
    expect(text).toMatch(
      /held stock files \(stocksync feed confirm <connection> \| discard <connection>\)\n {2}wh: s2\.csv, taken .*would take 1 of the 2 SKUs in stock here to zero/,
    );

    const confirmed = await post('/feed-files/wh/confirm', 'k1');
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json()).toMatchObject({ decision: 'confirmed', file: { name: 's2.csv' }, result: { applied: 1 } });
    const again = await post('/feed-files/wh/confirm', 'k2');
    expect(again.statusCode).toBe(404);
    expect(again.json().detail).toMatch(/no held stock file/);
    expect(formatFeedFiles(await recentFeedFiles(t.db, 'wh', 5))).toMatch(/wh\s+s2\.csv\s+\S+\s+applied\s+1\s+0\s+1\/2\s+1/);
  });

  it('discards a held file: nothing changes', async () => {
    expect(await fileAt('s3.csv', '', 1)).toMatchObject({ outcome: 'held' });
    const discarded = await post('/feed-files/wh/discard', 'k3');
    expect(discarded.json()).toMatchObject({ decision: 'discarded', file: { name: 's3.csv', status: 'discarded' } });
    const { rows } = await t.db.query(`SELECT sku, available FROM stock_levels ORDER BY sku`);
    expect(rows.filter((r) => r.sku === 'A')[0].available).toBe(5);
  });
});
