// `stocksync release [--connection C] [--sku S] [--all]`: takes quarantined listings back
// into dispatch once their cause is fixed, marked to be pushed again, and prints what it
// released. The admin API reuses the same store function (releaseQuarantinedListings).
import type { Command } from 'commander';
import { invalidInput } from '../../errors.js';
import { releaseQuarantinedListings, type ReleasedListing } from '../../store/dispatch.js';
import { withDatabase } from '../database.js';
import { printJson } from '../context.js';
import { table } from '../table.js';

export function register(program: Command): void {
  program
    .command('release')
    .description('take quarantined listings back into dispatch (they are pushed again)')
    .option('--connection <id>', "only this connection's listings")
    .option('--sku <sku>', "only this SKU's listings")
    .option('--all', 'every quarantined listing')
    .option('--json', 'print what was released as JSON')
    .action(async (opts: { connection?: string; sku?: string; all?: boolean; json?: boolean }, cmd: Command) => {
      // Releasing everything is a deliberate act: without a filter, --all must say so.
      if (!opts.all && opts.connection === undefined && opts.sku === undefined) {
        throw invalidInput('--connection, --sku or --all', 'say which quarantined listings to release');
      }
      await withDatabase(cmd, async ({ db }) => {
        const released = await releaseQuarantinedListings(db, {
          ...(opts.connection !== undefined && { connectionId: opts.connection }),
          ...(opts.sku !== undefined && { sku: opts.sku }),
        });
        if (opts.json) return printJson({ released });
        process.stdout.write(formatReleased(released));
      });
    });
}

export function formatReleased(released: readonly ReleasedListing[]): string {
  if (released.length === 0) return 'no quarantined listings matched\n';
  return (
    `released ${released.length} listing${released.length === 1 ? '' : 's'} (pushed again by the dispatcher)\n` +
    table(
      ['CONNECTION', 'SKU', 'WAS QUARANTINED FOR'],
      released.map((r) => [r.connectionId, r.sku, r.reason]),
    ) +
    '\n'
  );
}
