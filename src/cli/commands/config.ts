// `stocksync config check [FILE]`: validate a config before deploying it.

import type { Command } from 'commander';
import { loadConfig, summarize, type ConfigSummary, type LoadedConfig } from '../../config/index.js';
import { StocksyncError } from '../../errors.js';
import { globalOptions, printJson } from '../context.js';
import { exitCodeFor } from '../exit-codes.js';
import { ExitWith, configIssues } from '../report.js';

export function register(program: Command): void {
  const config = program.command('config').description('work with the configuration file');
  config
    .command('check')
    .description('validate a config file: every problem as "path: reason" (exit 2), or a summary (exit 0)')
    .argument('[file]', 'config file (default: --config, STOCKSYNC_CONFIG or ./stocksync.yaml)')
    .option('--json', 'print the result as JSON on stdout')
    .action(async (file: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const path = file ?? globalOptions(cmd).config;
      if (!opts.json) {
        const loaded = await loadConfig(path); // errors go to the top-level handler
        process.stdout.write(`ok: ${describe(summarize(loaded))}\n`);
        for (const line of operationsLines(loaded)) process.stdout.write(`${line}\n`);
        if (loaded.demo) process.stdout.write('note: demo: true (environment defaults allowed): not for production\n');
        return;
      }
      try {
        const loaded = await loadConfig(path);
        printJson({ ok: true, file: path, demo: loaded.demo, ...summarize(loaded) });
      } catch (err) {
        if (!(err instanceof StocksyncError)) throw err;
        printJson({ ok: false, file: path, error: { code: err.code, message: err.message }, issues: configIssues(err) });
        throw new ExitWith(exitCodeFor(err.code));
      }
    });
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function describe(s: ConfigSummary): string {
  return `${plural(s.connections, 'connection')}, ${plural(s.skus, 'SKU')} (${plural(s.bundles, 'bundle')}), ${plural(s.listings, 'listing')}`;
}

/** What the file turns on for operators: /metrics and alerts (said, so that "off" is not a surprise). */
function operationsLines(c: LoadedConfig): string[] {
  const { metricsToken, metricsAddress } = c.server;
  const metrics =
    metricsAddress !== undefined
      ? `metrics: /metrics on ${metricsAddress}${metricsToken !== undefined ? ' (token required)' : ''}`
      : metricsToken !== undefined
        ? 'metrics: /metrics on the server port, behind server.metricsToken'
        : 'metrics: off (set server.metricsToken or server.metricsAddress)';
  const { rules, targets } = c.alerts;
  const alerts = rules.length === 0 ? 'alerts: off (no rules)' : `alerts: ${plural(rules.length, 'rule')} to ${plural(targets.length, 'target')}`;
  return [metrics, alerts];
}
