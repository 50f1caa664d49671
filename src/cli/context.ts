// What commands share: the global options and the config they point at.

import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/index.js';

export const DEFAULT_CONFIG = './stocksync.yaml';

export interface GlobalOptions {
  config: string;
  /** Whether --config / STOCKSYNC_CONFIG was given, or the default is in use. */
  configGiven: boolean;
  /** 'cli' when typed on the command line, 'env' from STOCKSYNC_CONFIG, else 'default'. */
  configSource: 'cli' | 'env' | 'default';
}

export function globalOptions(cmd: Command): GlobalOptions {
  let root = cmd;
  while (root.parent) root = root.parent;
  const config = String(root.opts().config ?? DEFAULT_CONFIG);
  const source = root.getOptionValueSource('config');
  const configSource = source === 'cli' ? 'cli' : source === 'env' ? 'env' : 'default';
  return { config, configGiven: configSource !== 'default', configSource };
}

/** Loads the config named by --config (or STOCKSYNC_CONFIG, or ./stocksync.yaml). */
export function loadConfigFor(cmd: Command, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  return loadConfig(globalOptions(cmd).config, env);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
