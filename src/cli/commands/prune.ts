// `stocksync prune`: apply the retention settings now (the engine also does it on its own,
// every `retention.interval`), and show what the kept tables weigh.
import type { Command } from 'commander';
import { withDatabase } from '../database.js';
import { loadConfigFor, printJson } from '../context.js';
import { pruneExpired } from '../../engine/prune.js';
import { retentionPolicy } from '../../runtime/engine-process.js';
import { storageBytes } from '../../store/retention.js';
import { table } from '../table.js';

export function register(program: Command): void {
  program
    .command('prune')
    .description('delete what the retention settings no longer keep (webhook bodies, refused input, old drift rows)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const policy = retentionPolicy(await loadConfigFor(cmd));
      await withDatabase(cmd, async ({ db }) => {
        const pruned = await pruneExpired(db, policy);
        const storage = await storageBytes(db);
        if (opts.json) return printJson({ pruned, storage });
        process.stdout.write(
          table(
            ['WHAT', 'ROWS'],
            Object.entries(pruned).map(([step, n]) => [step, String(n)]),
          ) + `\n\ndatabase size: ${(storage.database / 1_048_576).toFixed(1)} MB\n`,
        );
      });
    });
}
