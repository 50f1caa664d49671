// `stocksync feed status [connection] | confirm <connection> | discard <connection>`: the
// stock files of file-feed warehouses (csv-feed, docs/csv-feed.md). A file that would zero
// too much of the catalogue is held; a person confirms it (applied as it was held, at its
// own moment) or discards it. The admin API has the same decisions (src/server/admin).
import os from 'node:os';
import type { Command } from 'commander';
import { decideHeldFeed, type FeedDecision } from '../../engine/feed/decide-feed.js';
import { createLogger } from '../../log.js';
import { recentFeedFiles, type FeedFileRow } from '../../store/feed-files.js';
import { withDatabase } from '../database.js';
import { printJson } from '../context.js';
import { table } from '../table.js';

export function register(program: Command): void {
  const feed = program.command('feed').description('stock files of file-feed warehouses (csv-feed): what was read, confirm or discard a held one');
  feed
    .command('status')
    .description('the latest stock files read, and what became of each')
    .argument('[connection]', 'only this connection')
    .option('--limit <n>', 'files to show', '20')
    .option('--json', 'print the files as JSON')
    .action(async (connection: string | undefined, opts: { limit: string; json?: boolean }, cmd: Command) => {
      const limit = Math.max(1, Math.min(1000, Number.parseInt(opts.limit, 10) || 20));
      await withDatabase(cmd, async ({ db }) => {
        const files = await recentFeedFiles(db, connection ?? null, limit);
        if (opts.json) return printJson({ files });
        process.stdout.write(formatFeedFiles(files));
      });
    });
  for (const decision of ['confirm', 'discard'] as const) {
    feed
      .command(decision)
      .description(decision === 'confirm' ? 'apply the held stock file of a connection, as it was held' : 'drop the held stock file of a connection for good')
      .argument('<connection>', 'the csv-feed warehouse connection')
      .option('--json', 'print the outcome as JSON')
      .action(async (connection: string, opts: { json?: boolean }, cmd: Command) => {
        await withDatabase(cmd, async ({ db }) => {
          const log = createLogger({ level: process.env.STOCKSYNC_LOG_LEVEL ?? 'warn' });
          const outcome = await decideHeldFeed({ db, log }, connection, decision, `cli:${os.userInfo().username}`);
          if (opts.json) return printJson(outcome);
          process.stdout.write(formatDecision(outcome));
        });
      });
  }
}

export function formatDecision(d: FeedDecision): string {
  const file = `${d.file.name} (taken ${d.file.observedAt.toISOString()})`;
  if (d.decision === 'discarded') return `discarded ${file}: nothing applied\n`;
  return `applied ${file}: ${d.result.applied} level(s) changed, ${d.result.stale} kept (observed later), ${d.result.unknownSkus} unknown SKU(s)\n`;
}

export function formatFeedFiles(files: readonly FeedFileRow[]): string {
  if (files.length === 0) return 'no stock files read yet\n';
  return (
    table(
      ['CONNECTION', 'FILE', 'TAKEN', 'STATUS', 'ROWS', 'REFUSED', 'WOULD ZERO', 'APPLIED', 'NOTE'],
      files.map((f) => [
        f.connectionId,
        f.name,
        f.observedAt.toISOString(),
        f.status,
        f.rowsRead,
        f.rowsRefused,
        f.wouldZero === null ? '-' : `${f.wouldZero}/${f.inStock ?? 0}`,
        f.applied ?? '-',
        f.note ?? '',
      ]),
    ) + '\n'
  );
}
