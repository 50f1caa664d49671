// The commands `stocksync` offers, in help order. Each module exports
// `register(program: Command): void` and lives in its own file.

import type { Command } from 'commander';
import * as config from './config.js';
import * as sandbox from './sandbox.js';
import * as start from './start.js';
import * as migrate from './migrate.js';
import * as status from './status.js';
import * as sku from './sku.js';
import * as reconcile from './reconcile.js';
import * as catalog from './catalog.js';
import * as release from './release.js';
import * as feed from './feed.js';
import * as demo from './demo.js';
import * as simulate from './simulate.js';
import * as prune from './prune.js';
import * as webhooks from './webhooks.js';

export interface CommandModule {
  register(program: Command): void;
}

export const commands: readonly CommandModule[] = [
  config,
  sandbox,
  start,
  demo,
  migrate,
  status,
  sku,
  catalog,
  reconcile,
  release,
  webhooks,
  feed,
  prune,
  simulate,
];
