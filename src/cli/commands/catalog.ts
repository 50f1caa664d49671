// `stocksync catalog discover [--json]`: reads every connection's catalogue (the 3PL's
// products, the channels' listings), matches them by SKU then barcode, stores the result
// and prints the report: matched, unmatched on each side, ambiguous (never pushed, with
// the reason) and what changed since the last run. The config's catalogue is applied
// first, as `start` does, so that its `skus:` act as overrides. A busy run (another
// process discovering) exits 1; a partial one (a connection unreadable) prints its report
// and exits 1 too.
import type { Command } from 'commander';
import { catalogFromConfig } from '../../engine/catalog-from-config.js';
import { syncCatalog } from '../../engine/catalog.js';
import { discoverFromConfig } from '../../engine/catalog-discovery/from-config.js';
import { createLogger } from '../../log.js';
import { connectorsFor, openDatabaseFor } from '../../runtime/engine-process.js';
import { loadConfigFor, printJson } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { ExitWith } from '../report.js';
import { discoveryProgress, formatDiscoveryReport } from './catalog-report.js';

export function register(program: Command): void {
  const catalog = program.command('catalog').description('the catalogue of SKUs and listings');
  catalog
    .command('discover')
    .description("read every platform's products and listings, match them by SKU then barcode, and store the catalogue")
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const config = await loadConfigFor(cmd);
      const log = createLogger({ level: process.env.STOCKSYNC_LOG_LEVEL ?? 'warn' });
      const database = await openDatabaseFor(config, log);
      const progress = discoveryProgress(process.stderr);
      let outcome;
      try {
        await syncCatalog(database.db, catalogFromConfig(config));
        outcome = await discoverFromConfig(database.db, config, await connectorsFor(config), 'cli', progress.update, log);
      } finally {
        progress.stop();
        await database.close();
      }
      if (outcome.status === 'busy') {
        process.stderr.write('error BUSY: another process is discovering the catalogue right now; try again when it is done\n');
        throw new ExitWith(EXIT.FAILURE);
      }
      if (opts.json) printJson(outcome.report);
      else process.stdout.write(formatDiscoveryReport(outcome.report));
      for (const e of outcome.report.errors) process.stderr.write(`error DISCOVERY_FAILED: ${e.connectionId}: ${e.error}\n`);
      if (outcome.report.status !== 'succeeded') throw new ExitWith(EXIT.FAILURE);
    });
}
