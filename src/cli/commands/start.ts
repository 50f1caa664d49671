// `stocksync start`: the engine (HTTP server and background workers) until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { createLogger } from '../../log.js';
import { startEngine } from '../../runtime/engine-process.js';
import { onShutdownSignal } from '../../runtime/signals.js';
import { invalidInput } from '../../errors.js';
import { loadConfigFor } from '../context.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('run the engine: HTTP server (/healthz, webhooks) and background workers')
    .option('--port <port>', 'HTTP port (default: server.port from the config, else 8080)')
    .action(async (opts: { port?: string }, cmd: Command) => {
      const port = opts.port === undefined ? undefined : parsePort(opts.port);
      const config = await loadConfigFor(cmd);
      const logger = createLogger({ name: 'stocksync' });
      const engine = await startEngine(config, { port, logger });
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          logger.info({ signal }, 'shutting down');
          void engine.stop().then(resolve, (e) => {
            logger.error({ err: e }, 'shutdown failed');
            resolve();
          });
        };
        onShutdownSignal(shutdown);
      });
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidInput('--port', `must be a port from 1 to 65535, got ${text}`);
  return port;
}
