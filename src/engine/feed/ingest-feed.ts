// Layer 3 for a warehouse that exports files (csv-feed): each poll reads the newest file
// as one full snapshot at the file's own moment, and
// - does nothing when that file was read before, and never applies one older than the
//   last applied (kept as `ignored`);
// - stages its rows in the database while streaming (a huge file is never in memory) and
//   quarantines refused rows with their line numbers; the other rows still apply;
// - holds the file for a person (`stocksync feed confirm|discard`) when it would take more
//   than `holdIfZeroingOver` of the SKUs in stock here to zero: a truncated export must
//   not wipe every channel;
// - else applies it (apply-feed.ts).
import type { Logger } from 'pino';
import { ConnectorError } from '../../connectors/errors.js';
import type { FeedReading, FeedRow, FileFeed } from '../../connectors/file-feed.js';
import { withTx, type Db } from '../../store/db.js';
import {
  applyingFiles,
  dropAbandonedStaging,
  dropStagingFile,
  feedFileSeen,
  holdFeedFile,
  lastAppliedAt,
  markApplying,
  recordIgnoredFile,
  refuseFeedFile,
  stageFeedRows,
  startFeedFile,
  zeroingOf,
  type StagedRow,
} from '../../store/feed-files.js';
import { maxFutureSkew } from '../record-observation.js';
import { applyFeedFile, type AppliedFeed } from './apply-feed.js';
import { feedQuarantine, type FeedQuarantine } from './feed-quarantine.js';

export interface FeedDeps {
  db: Db;
  log: Logger;
  connectionId: string;
  feed: FileFeed;
  now?: () => Date;
}

export type FeedOutcome =
  | { outcome: 'none' } // no file, or nothing new
  | { outcome: 'applied'; fileId: number; name: string; rows: number; refused: number; result: AppliedFeed }
  | { outcome: 'held'; fileId: number; name: string; rows: number; refused: number; inStock: number; wouldZero: number }
  | { outcome: 'refused'; fileId: number; name: string; reason: string };

const STAGE_BATCH = 1_000;

export async function ingestFeed(d: FeedDeps): Promise<FeedOutcome> {
  // A file a crash left half applied: the rest of it first (its keys make the done part a no-op).
  for (const f of await applyingFiles(d.db, d.connectionId)) {
    await applyFeedFile(d, { id: f.id, name: f.name, observedAt: f.observedAt, absentZero: f.absentZero ?? false });
  }
  await dropAbandonedStaging(d.db, d.connectionId);
  const last = await lastAppliedAt(d.db, d.connectionId);
  const reading = await d.feed.openLatest(async (info) => {
    if (await feedFileSeen(d.db, d.connectionId, info.name, info.observedAt)) return true;
    if (last !== null && info.observedAt.getTime() < last.getTime()) {
      const note = `taken ${info.observedAt.toISOString()}, before the last applied file (${last.toISOString()}): never applied`;
      d.log.warn({ connection: d.connectionId, file: info.name, observedAt: info.observedAt }, 'stock file older than the last applied: ignored');
      await recordIgnoredFile(d.db, { connectionId: d.connectionId, ...info, note });
      return true;
    }
    return false;
  });
  if (reading === null) return { outcome: 'none' };
  try {
    return await ingestReading(d, reading);
  } finally {
    await reading.close();
  }
}

async function ingestReading(d: FeedDeps, reading: FeedReading): Promise<FeedOutcome> {
  const { name, observedAt } = reading.info;
  const fileId = await startFeedFile(d.db, { connectionId: d.connectionId, name, observedAt });
  if (fileId === null) return { outcome: 'none' }; // another process got to it first
  const quarantine = feedQuarantine(d, name);
  const now = (d.now ?? (() => new Date()))();
  if (observedAt.getTime() > now.getTime() + maxFutureSkew()) {
    const reason = `taken ${observedAt.toISOString()}, ahead of our clock by more than the allowed skew: it would outrank every later file`;
    return refuse(d, fileId, name, reason, quarantine);
  }
  let rowsRead: number;
  try {
    rowsRead = await stageRows(d, fileId, reading.rows, quarantine);
  } catch (e) {
    // A file that cannot be read as configured (no such column, an unclosed quote) is refused;
    // a read cut short (the source dropped, the file changed) is forgotten and tried again.
    if (e instanceof ConnectorError && e.connectorCode === 'PARSE') return refuse(d, fileId, name, e.message, quarantine);
    await dropStagingFile(d.db, fileId);
    throw e;
  }
  await quarantine.finish();
  const summary = reading.summary();
  // A CSV structure error can swallow rows whose SKUs we cannot name: none of the SKUs the
  // file leaves out can then be taken for zero.
  const absentZero = d.feed.policy.absentSkus === 'zero' && summary.structureErrors === 0;
  const stats = { sha256: summary.sha256, bytes: summary.bytes, rowsRead, rowsRefused: quarantine.count(), absentZero };
  const zeroing = await zeroingOf(d.db, fileId, d.connectionId, absentZero);
  const base = { fileId, name, rows: rowsRead, refused: stats.rowsRefused };
  if (zeroing.wouldZero > 0 && zeroing.wouldZero > d.feed.policy.holdIfZeroingOver * zeroing.inStock) {
    const note =
      `would take ${zeroing.wouldZero} of the ${zeroing.inStock} SKUs in stock here to zero ` +
      `(over holdIfZeroingOver ${d.feed.policy.holdIfZeroingOver}); held: stocksync feed confirm ${d.connectionId} | discard`;
    await withTx(d.db, (tx) => holdFeedFile(tx, fileId, { ...stats, ...zeroing, note }));
    d.log.warn({ connection: d.connectionId, file: name, ...zeroing }, 'stock file held for confirmation');
    return { outcome: 'held', ...base, ...zeroing };
  }
  const note = absentZero || d.feed.policy.absentSkus === 'keep' ? null : 'CSV structure errors: SKUs the file leaves out were kept, not zeroed';
  await markApplying(d.db, fileId, { ...stats, ...zeroing, note });
  const result = await applyFeedFile(d, { id: fileId, name, observedAt, absentZero });
  return { outcome: 'applied', ...base, result };
}

async function refuse(d: FeedDeps, fileId: number, name: string, reason: string, quarantine: FeedQuarantine): Promise<FeedOutcome> {
  d.log.warn({ connection: d.connectionId, file: name, reason }, 'stock file refused');
  await quarantine.refuse(null, `file refused, nothing applied: ${reason}`);
  await quarantine.finish();
  await refuseFeedFile(d.db, fileId, reason);
  return { outcome: 'refused', fileId, name, reason };
}

/** Streams the rows into feed_rows in batches; refused rows are quarantined. Returns the data rows read. */
async function stageRows(d: FeedDeps, fileId: number, rows: AsyncIterable<FeedRow>, quarantine: FeedQuarantine): Promise<number> {
  let batch: (StagedRow & { raw?: string })[] = [];
  let read = 0;
  const flush = async () => {
    const repeated = await stageFeedRows(d.db, fileId, batch);
    for (const r of batch) {
      if (repeated.has(r.line)) await quarantine.refuse(r.line, `${r.sku} at location ${r.location} is listed again; the first row is kept`, r.raw);
    }
    batch = [];
  };
  for await (const row of rows) {
    read++;
    if ('refused' in row) {
      await quarantine.refuse(row.line, row.refused, row.raw);
      // The SKU is in the file (its level is kept, not zeroed as absent).
      if (row.sku !== undefined && row.location !== undefined)
        batch.push({ sku: row.sku, location: row.location, available: null, line: row.line, raw: row.raw });
    } else batch.push({ sku: row.sku, location: row.location, available: row.available, line: row.line });
    if (batch.length >= STAGE_BATCH) await flush();
  }
  await flush();
  return read;
}
