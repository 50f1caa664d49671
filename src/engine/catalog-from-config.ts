// The catalogue a loaded config declares, in the shape syncCatalog stores. Credentials
// are sealed with the config's secretKey before they reach the database.
import { listings, PLATFORMS, type LoadedConfig } from '../config/index.js';
import { encryptCredentials } from '../crypto/credentials.js';
import { configuredSources } from '../config/sources.js';
import { takesOrders } from '../config/platforms.js';
import { configuredOutlets } from '../config/channel-locations.js';
import type { CatalogInput } from './catalog.js';

export function catalogFromConfig(config: LoadedConfig): CatalogInput {
  const secretKey = config.secretKey;
  const idsBySku = new Map<string, Record<string, Record<string, unknown>>>();
  for (const l of listings(config)) {
    const m = idsBySku.get(l.sku) ?? {};
    m[l.connectionId] = l.ids;
    idsBySku.set(l.sku, m);
  }
  const sources = configuredSources(config);
  const outlets = configuredOutlets(config);
  const onlyWarehouse = config.connections.filter((c) => c.kind === 'warehouse' && takesOrders(c.platform));
  return {
    connections: config.connections.map((c) => ({
      id: c.id,
      kind: c.kind,
      platform: c.platform,
      baseUrl: c.baseUrl ?? '', // a manual channel has none
      credentialsEncrypted: secretKey && Object.keys(c.credentials).length > 0 ? encryptCredentials(c.credentials, secretKey, c.id) : null,
      bufferPolicy: c.kind === 'channel' ? c.buffer : {},
      fulfilledBy: c.kind === 'channel' ? (c.fulfilledBy ?? (onlyWarehouse.length === 1 ? onlyWarehouse[0]!.id : null)) : null,
      pollIntervalMs: c.pollInterval,
      reconcileCron: c.reconcile,
      options: c.options,
      listingIdentity: PLATFORMS[c.platform].listingIds[0],
      locations: c.kind === 'warehouse' ? c.locations.map((l) => ({ code: l.id, sellable: l.sellable, external: l.external })) : [],
      ...(sources.has(c.id) ? { sources: sources.get(c.id)! } : {}),
      ...(outlets.has(c.id) ? { outlets: outlets.get(c.id)! } : {}),
    })),
    skus: config.skus.map((s) => ({
      sku: s.sku,
      name: s.name ?? null,
      components: s.components ?? [],
      listings: idsBySku.get(s.sku) ?? {},
    })),
    overrides: config.connections.flatMap((c) =>
      c.kind === 'channel' ? Object.entries(c.bufferOverrides).map(([sku, policy]) => ({ connectionId: c.id, sku, policy })) : [],
    ),
  };
}
