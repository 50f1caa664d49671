// The commands `stocksync` offers, in help order. Each module exports
// `register(program: Command): void` and lives in its own file.

import type { Command } from 'commander';
import * as config from './config.js';
import * as sandbox from './sandbox.js';
// LEAD: add the remaining commands here, in this order, once their files exist:
//   import * as start from './start.js';
//   import * as migrate from './migrate.js';
//   import * as status from './status.js';
//   import * as sku from './sku.js';

export interface CommandModule {
  register(program: Command): void;
}

// LEAD: the full list is [config, sandbox, start, migrate, status, sku].
export const commands: readonly CommandModule[] = [config, sandbox];
