// Connections and connectors pointed at sandbox instances, for catalogue discovery tests
// and the discovery benchmark (no engine process: discovery runs against the database
// directly). It imports nothing from bench/ or test/: they import it.
import { createConnector } from '../connectors/index.js';
import type { Connector } from '../connectors/types.js';
import type { CatalogInput } from '../engine/catalog.js';

export type DiscoveryPlatform = 'shopify' | 'woocommerce' | 'amazon' | 'warehouse';

export interface SandboxConnection {
  platform: DiscoveryPlatform;
  /** The sandbox instance's name. */
  name: string;
  /** Default: `${platform}-${name}`. */
  id?: string;
  /** Connector options beside the ones the sandbox needs. */
  options?: Record<string, unknown>;
  /** The sandbox serving this instance, when not the one given for all (a platform in a process of its own). */
  sandboxUrl?: string;
}

const RETRY = { attempts: 8, baseMs: 5, maxMs: 200 };

function settings(c: SandboxConnection): { credentials: Record<string, string>; options: Record<string, unknown> } {
  switch (c.platform) {
    case 'shopify':
      return { credentials: { accessToken: 'shpat_discovery', webhookSecret: 'sandbox-app-secret' }, options: { retry: RETRY } };
    case 'woocommerce':
      return { credentials: { consumerKey: `ck_${c.name}`, consumerSecret: `cs_${c.name}` }, options: { retry: RETRY } };
    case 'amazon':
      // the sandbox's seller id for an instance is given in its options (amazonSandboxOptions)
      return { credentials: { accessToken: `Atza|${c.name}` }, options: { sellerId: amazonSellerId(c.name), marketplaceId: 'ATVPDKIKX0DER', retry: RETRY } };
    case 'warehouse':
      // the whole 3PL as the one location discoveryCatalog gives it
      return { credentials: { apiToken: `sandbox-token-${c.name}` }, options: { channelId: '100001', retryAttempts: 8, location: 'main' } };
  }
}

/** The seller id to give a sandbox Amazon instance (options.sellerId) so that connectors find it. */
export function amazonSellerId(name: string): string {
  return `ASELLER${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;
}

export const connectionIdOf = (c: SandboxConnection): string => c.id ?? `${c.platform}-${c.name}`;

/** The catalogue input that puts these connections in the database (no SKUs: discovery finds them). */
export function discoveryCatalog(sandboxUrl: string, connections: readonly SandboxConnection[]): CatalogInput {
  const warehouse = connections.find((c) => c.platform === 'warehouse');
  return {
    connections: connections.map((c) => ({
      id: connectionIdOf(c),
      kind: c.platform === 'warehouse' ? 'warehouse' : 'channel',
      platform: c.platform,
      baseUrl: `${c.sandboxUrl ?? sandboxUrl}/${c.platform}/${c.name}`,
      credentialsEncrypted: null,
      bufferPolicy: c.platform === 'warehouse' ? {} : { mode: 'shared' },
      fulfilledBy: c.platform !== 'warehouse' && warehouse ? connectionIdOf(warehouse) : null,
      pollIntervalMs: 300_000,
      reconcileCron: '0 3 * * *',
      options: {},
      ...(c.platform === 'warehouse' && { locations: [{ code: 'main', sellable: true }] }),
    })),
    skus: [],
  };
}

export async function discoveryConnectors(sandboxUrl: string, connections: readonly SandboxConnection[]): Promise<Map<string, Connector>> {
  const out = new Map<string, Connector>();
  for (const c of connections) {
    const s = settings(c);
    out.set(
      connectionIdOf(c),
      await createConnector(c.platform, {
        connectionId: connectionIdOf(c),
        baseUrl: `${c.sandboxUrl ?? sandboxUrl}/${c.platform}/${c.name}`,
        credentials: s.credentials,
        options: { ...s.options, ...c.options },
      }),
    );
  }
  return out;
}
