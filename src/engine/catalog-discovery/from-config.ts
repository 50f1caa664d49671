// Discovery as the config asks for it: the config's `skus:` as overrides, its `catalog:`
// settings. Shared by `stocksync catalog discover`, the engine's start and its schedule.
import type { Logger } from 'pino';
import type { LoadedConfig } from '../../config/index.js';
import type { Connector } from '../../connectors/types.js';
import type { Db } from '../../store/db.js';
import type { DiscoveryTrigger } from '../../store/discovery-runs.js';
import { runDiscovery, type DiscoveryOutcome, type DiscoveryProgress } from './run.js';

export function discoverFromConfig(
  db: Db,
  config: LoadedConfig,
  connectors: ReadonlyMap<string, Connector>,
  trigger: DiscoveryTrigger,
  onProgress?: (p: DiscoveryProgress) => void,
  log?: Logger,
): Promise<DiscoveryOutcome> {
  return runDiscovery({
    db,
    connectors,
    configSkus: config.skus.map((s) => ({ sku: s.sku, name: s.name ?? null, components: s.components })),
    caseFold: config.catalog.caseFold,
    trigger,
    ...(onProgress && { onProgress }),
    ...(log && { log }),
  });
}
