// `stocksync demo` (`npm start`): the sandbox platforms, the engine on the embedded
// PostgreSQL and shoppers buying on every channel, in one process, until Ctrl-C.
import { Option, type Command } from 'commander';
import { createLogger } from '../../log.js';
import { DEFAULT_EXAMPLE, startDemo } from '../../runtime/demo.js';
import { onShutdownSignal } from '../../runtime/signals.js';
import { parseDuration } from '../../config/index.js';
import { invalidInput } from '../../errors.js';
import { globalOptions } from '../context.js';
import { parseInteger, parsePort, parsePositiveNumber } from '../parse.js';

const STOP_TIMEOUT_MS = 15_000;

interface DemoFlags {
  port: number;
  enginePort?: number;
  dataDir?: string;
  dbPort?: number;
  seed: number;
  rate: number;
  summaryEvery: string;
  firstReconcile: string;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('the sandbox platforms, the engine on the embedded PostgreSQL and shoppers buying on every channel (npm start)')
    .addOption(new Option('--port <port>', 'sandbox port').argParser(parsePort).default(8700))
    .addOption(new Option('--engine-port <port>', "engine HTTP port (default: the example's server.port, 8080)").argParser(parsePort))
    .addOption(new Option('--seed <n>', 'seed of the demo catalogue and of the shoppers').argParser(parseInteger).default(1))
    .addOption(new Option('--rate <orders/s>', 'shopper orders per second over every channel').argParser(parsePositiveNumber).default(2))
    .addOption(new Option('--data-dir <dir>', "embedded PostgreSQL folder (default: the example's dataDir, ./.stocksync)"))
    .addOption(new Option('--db-port <port>', "embedded PostgreSQL port (default: the example's embeddedPort)").argParser(parsePort))
    .addOption(new Option('--summary-every <duration>', 'period of the summary line').default('10s'))
    .addOption(new Option('--first-reconcile <duration>', 'first full reconciliation after this long (0: only the schedule)').default('30s'))
    .addHelpText(
      'after',
      '\nThe config comes from examples/stocksync.yaml (or --config FILE) with one SKU per SKU of the\n' +
        "sandbox's demo catalogue; it is written to <data-dir>/demo.yaml for `status`, `sku` and `reconcile`.",
    )
    .action(async (flags: DemoFlags, cmd: Command) => {
      const { config, configSource } = globalOptions(cmd);
      const logger = createLogger({ name: 'demo' });
      const demo = await startDemo({
        example: configSource === 'default' ? DEFAULT_EXAMPLE : config,
        sandboxPort: flags.port,
        seed: flags.seed,
        rate: flags.rate,
        summaryEveryMs: duration('--summary-every', flags.summaryEvery, 1_000),
        firstReconcileMs: flags.firstReconcile === '0' ? 0 : duration('--first-reconcile', flags.firstReconcile, 0),
        logger,
        ...(flags.enginePort !== undefined && { enginePort: flags.enginePort }),
        ...(flags.dataDir !== undefined && { dataDir: flags.dataDir }),
        ...(flags.dbPort !== undefined && { dbPort: flags.dbPort }),
      });
      const finished = await new Promise<'stopped' | 'timeout'>((resolve) => {
        const shutdown = (signal: NodeJS.Signals) => {
          logger.info({ signal }, 'shutting down');
          tolerateLostDatabase(logger);
          // Ctrl-C in a terminal signals the whole process group, the embedded PostgreSQL
          // too: it stops at once, and waiting for it to stop again would never end.
          const timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
          demo
            .stop()
            .then(
              () => resolve('stopped'),
              (e) => {
                logger.error({ err: e }, 'shutdown failed');
                resolve('stopped');
              },
            )
            .finally(() => clearTimeout(timer));
        };
        onShutdownSignal(shutdown);
        // A closed terminal too: else the embedded PostgreSQL would outlive the demo.
        process.once('SIGHUP', () => shutdown('SIGHUP'));
      });
      if (finished === 'timeout') logger.warn(`not stopped after ${STOP_TIMEOUT_MS / 1000}s (PostgreSQL already gone?): exiting`);
      // Everything that matters is stopped; a platform call still waiting on a rate limit
      // (a long Amazon reconciliation) must not hold the process for another minute.
      process.exit(0);
    });
}

function duration(flag: string, text: string, min: number): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw invalidInput(flag, `must be a duration such as 10s, 5m or 1h (got ${text})`);
  if (ms < min) throw invalidInput(flag, `must be at least ${min / 1000}s`);
  return ms;
}

/**
 * Ctrl-C in a terminal stops the embedded PostgreSQL at the same moment (one process
 * group), and a pooled client held inside a transaction then emits an 'error' nobody
 * listens to, which would crash the demo on its way out. While shutting down, those are
 * expected; anything else still ends the process with 1.
 */
function tolerateLostDatabase(logger: ReturnType<typeof createLogger>): void {
  if (process.listenerCount('uncaughtException') > 0) return;
  process.on('uncaughtException', (e) => {
    const message = (e as Error)?.message ?? String(e);
    if (/Connection terminated|terminating connection|ECONNRESET|ECONNREFUSED|shutting down/i.test(message)) {
      logger.debug({ err: message }, 'database connection lost while shutting down');
      return;
    }
    logger.fatal({ err: e }, 'uncaught error while shutting down');
    process.exit(1);
  });
}
