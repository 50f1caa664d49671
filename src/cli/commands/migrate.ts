// `stocksync migrate`: apply pending database migrations (start does it too).
import type { Command } from 'commander';
import { withDatabase } from '../database.js';
import { printJson } from '../context.js';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      await withDatabase(cmd, async ({ migrationsApplied }) => {
        if (opts.json) return printJson({ applied: migrationsApplied });
        process.stdout.write(
          migrationsApplied.length === 0
            ? 'database is up to date\n'
            : `applied ${migrationsApplied.length} migration(s):\n${migrationsApplied.map((m) => `  ${m}\n`).join('')}`,
        );
      });
    });
}
