// `stocksync sandbox`: runs the local platform simulators (sandbox/main.ts) for the demo
// and for tests. Flags are checked here so a typo is a usage error, not a crash inside.

import { Option, type Command } from 'commander';
import { globalOptions } from '../context.js';
import { parseInteger, parsePort, parsePositiveNumber } from '../parse.js';

export const FAULT_PROFILES = ['none', 'lossy', 'hostile'] as const;
type FaultProfile = (typeof FAULT_PROFILES)[number];

interface SandboxFlags {
  port: number;
  seed: number;
  faults: FaultProfile;
  timeScale?: number;
}

export function register(program: Command): void {
  program
    .command('sandbox')
    .description('run simulated Shopify, WooCommerce, Amazon and warehouse APIs on one port')
    .addOption(new Option('--port <port>', 'port to listen on').argParser(parsePort).default(8700))
    .addOption(new Option('--seed <n>', 'seed of the demo catalogue and of every fault').argParser(parseInteger).default(1))
    .addOption(new Option('--faults <profile>', 'fault injection profile').choices(FAULT_PROFILES).default('none'))
    .addOption(new Option('--time-scale <x>', 'multiply platform delays by x (0.01 = 100 times faster)').argParser(parsePositiveNumber))
    .addHelpText(
      'after',
      '\nWith --config FILE, instances (and seed, faults, timeScale) come from that sandbox file\n(YAML or JSON); flags given on the command line win.',
    )
    .action(async (flags: SandboxFlags, cmd: Command) => {
      // --config is the program-wide option (commander gives it to the program wherever
      // it appears); only an explicit one names a sandbox file, never STOCKSYNC_CONFIG.
      const { config, configSource } = globalOptions(cmd);
      const explicit = configSource === 'cli';
      // Loaded on demand: the other commands should not pay for the simulators.
      const { runSandbox } = await import('../../../sandbox/main.js');
      await runSandbox({
        port: flags.port,
        seed: flags.seed,
        faults: flags.faults,
        ...(explicit && { config }),
        ...(flags.timeScale !== undefined && { timeScale: flags.timeScale }),
      });
    });
}
