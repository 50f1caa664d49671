// `stocksync reconcile [--connection ID]`: layer 4 on demand. A full reconciliation of one
// connection or of every one (warehouses first, so the channels are compared with
// corrected stock), a progress bar on stderr, then the drift report, which the reconciler
// also stores. Drift is a result (exit 0); an unknown connection exits 4, a failed run 1.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { connectionsToReconcile, runReconciliations, type ProgressReporter, type ReconcileRun } from '../../engine/run-reconciliations.js';
import { StocksyncError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { connectorsFor, openDatabaseFor } from '../../runtime/engine-process.js';
import { connectionIds } from '../../store/catalog.js';
import { loadConfigFor, printJson } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { ExitWith } from '../report.js';
import { table } from '../table.js';

export function register(program: Command): void {
  program
    .command('reconcile')
    .description("full reconciliation now: every warehouse's stock and every channel's counts, drift corrected and reported")
    .option('--connection <id>', 'only this connection (default: every one, warehouses first)')
    .option('--json', 'print the drift report as JSON')
    .action(async (opts: { connection?: string; json?: boolean }, cmd: Command) => {
      const config = await loadConfigFor(cmd);
      const ids = connectionsToReconcile(config, opts.connection);
      const log = createLogger({ level: process.env.STOCKSYNC_LOG_LEVEL ?? 'warn' });
      const database = await openDatabaseFor(config, log);
      let runs: ReconcileRun[];
      try {
        const known = new Set(await connectionIds(database.db));
        const missing = ids.filter((id) => !known.has(id));
        if (missing.length > 0) {
          throw new StocksyncError(
            'NOT_FOUND',
            `connection ${missing.join(', ')} is in ${config.source} but not in the database yet: run \`stocksync start\` once to apply the config`,
          );
        }
        const connectors = await connectorsFor(config, log);
        runs = await runReconciliations({ db: database.db, log, connectors, ids, progress: progressReporter(process.stderr) });
      } finally {
        await database.close();
      }
      if (opts.json) printJson({ ok: runs.every((r) => r.status === 'done'), runs });
      else process.stdout.write(formatDriftReport(runs));
      const failed = runs.filter((r) => r.status === 'failed');
      for (const f of failed) process.stderr.write(`error RECONCILE_FAILED: ${f.connectionId}: ${f.error}\n`);
      if (failed.length > 0) throw new ExitWith(EXIT.FAILURE);
    });
}

/** A bar on a terminal; one plain line per page elsewhere (CI logs, pipes). */
export function progressReporter(stream: NodeJS.WriteStream): ProgressReporter {
  let connection = '';
  let bar: cliProgress.SingleBar | undefined;
  let last = -1;
  return {
    begin(id) {
      connection = id;
      last = -1;
      if (!stream.isTTY) stream.write(`reconciling ${id}...\n`);
    },
    update(checked, total) {
      if (!stream.isTTY) {
        if (checked !== last) stream.write(`  ${connection}: ${checked}${total !== null ? `/${total}` : ''} checked\n`);
        last = checked;
        return;
      }
      if (!bar) {
        const format = total === null ? `  ${connection.padEnd(14)} {value} checked` : `  ${connection.padEnd(14)} [{bar}] {value}/{total} checked`;
        bar = new cliProgress.SingleBar({ stream, format, hideCursor: true, clearOnComplete: false }, cliProgress.Presets.shades_classic);
        bar.start(total ?? 0, 0);
      }
      if (total !== null) bar.setTotal(Math.max(total, checked));
      bar.update(checked);
    },
    end() {
      bar?.stop();
      bar = undefined;
    },
  };
}

export function formatDriftReport(runs: readonly ReconcileRun[]): string {
  const lines = [
    table(
      ['CONNECTION', 'KIND', 'STATUS', 'CHECKED', 'DRIFTED', 'UNITS'],
      runs.map((r) => [r.connectionId, r.kind, r.status === 'failed' ? 'failed (see stderr)' : 'done', r.checked, r.drifted, r.driftUnits]),
    ),
  ];
  const drift = runs.flatMap((r) => r.drift);
  lines.push('');
  if (drift.length === 0) {
    lines.push('no drift');
  } else {
    lines.push('drift');
    lines.push(
      table(
        ['CONNECTION', 'LOCATION', 'SKU', 'BELIEVED', 'ACTUAL', 'UNITS', 'DIRECTION', 'ACTION', 'LAYER', 'NOTE'],
        drift.map((r) => [
          r.connectionId,
          driftPlace(r),
          r.sku,
          r.believed,
          r.actual,
          r.units > 0 ? `+${r.units}` : r.units,
          r.direction,
          r.action,
          r.layer,
          r.note ?? '',
        ]),
      ),
    );
  }
  return lines.join('\n') + '\n';
}

/** Where a drift row was found: a warehouse's location, or the sources a channel's count is computed from (none: the default). */
export function driftPlace(r: { location: string | null; sources: string[] | null }): string {
  if (r.location !== null) return r.location;
  return r.sources !== null && r.sources.length > 0 ? `from ${r.sources.join(', ')}` : '';
}
