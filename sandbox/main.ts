import { loadSandboxConfig } from './core/config.js';
import type { FaultProfileName } from './core/faults.js';
import { startSandbox, type RunningSandbox } from './server.js';

export interface RunSandboxArgs {
  port: number;
  seed: number;
  faults: FaultProfileName;
  /** YAML or JSON file with instances (and optionally seed, faults, timeScale, latency). */
  config?: string;
  timeScale?: number;
}

/**
 * Starts the sandbox for `stocksync sandbox`, prints where everything lives and runs
 * until SIGINT/SIGTERM. Flags win over the config file where both are given.
 */
export async function runSandbox(argv: RunSandboxArgs, out: (line: string) => void = console.log): Promise<void> {
  const config = argv.config ? await loadSandboxConfig(argv.config) : {};
  const sandbox = await startSandbox({
    port: argv.port,
    seed: argv.seed ?? config.seed,
    faults: argv.faults ?? config.faults,
    timeScale: argv.timeScale ?? config.timeScale ?? 1,
    ...(config.latency && { latency: config.latency }),
    ...(config.instances && { instances: config.instances }),
  });
  printSummary(sandbox, out);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      out('stopping sandbox...');
      sandbox.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function printSummary(sandbox: RunningSandbox, out: (line: string) => void): void {
  out(`stocksync sandbox listening on ${sandbox.url}`);
  for (const [key, instance] of sandbox.instances) {
    const skus = instance.control.listSkus().length;
    const hint = instance.platform === 'shopify' ? '/admin/api/2026-04/graphql.json' : '';
    out(`  ${key.padEnd(28)} ${sandbox.url}/${key}${hint}  (${skus} SKUs)`);
  }
  out(`  control API                  ${sandbox.url}/_sandbox`);
}
