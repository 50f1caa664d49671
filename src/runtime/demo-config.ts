// The demo's config: examples/stocksync.yaml's connections (credentials, buffers, poll
// intervals, overrides), pointed at the sandbox that actually runs, with one SKU entry
// per SKU of the sandbox's demo catalogue, listed on exactly the channels whose sandbox
// instance lists it. Three hundred SKUs do not belong in a hand-written example, so the
// catalogue is generated here and written out as YAML (./.stocksync/demo.yaml), which
// `stocksync status`, `sku` and `reconcile` read beside the running demo.
import path from 'node:path';
import YAML from 'yaml';
import { demoCatalogue } from '../../sandbox/core/catalogue.js';
import type { InstanceSpec, PlatformName } from '../../sandbox/core/instance.js';
import { PLATFORM_NAMES } from '../../sandbox/core/instance.js';
import { StocksyncError } from '../errors.js';
import { pointSqsAtSandbox } from './demo-sqs.js';

export interface DemoConfigInput {
  /** The example config's text (YAML with env references and demo defaults). */
  exampleText: string;
  /** Where the sandbox listens, e.g. http://127.0.0.1:8700. */
  sandboxUrl: string;
  seed: number;
  /** Absolute folder of the embedded PostgreSQL (and of demo.yaml). */
  dataDir: string;
  embeddedPort?: number;
  enginePort?: number;
  /** Cron of each connection's full reconciliation in the demo (channels run a minute later). */
  reconcileCron?: { warehouses: string; channels: string };
}

export interface DemoConfig {
  /** The generated config file's text. */
  yaml: string;
  /** The sandbox instances to run: the demo catalogue, plus the example's bundles on the channels that list them. */
  instances: InstanceSpec[];
  /** Connection id -> sandbox instance key ("platform/name"). */
  instanceOf: Map<string, string>;
  skus: number;
}

interface RawConnection {
  id: string;
  kind: 'channel' | 'warehouse';
  platform: string;
  baseUrl: string;
  reconcile?: string;
  [k: string]: unknown;
}

interface RawSku {
  sku: string;
  name?: string;
  listings?: Record<string, Record<string, unknown>>;
  components?: { sku: string; quantity: number }[];
}

const DEFAULT_CRON = { warehouses: '*/5 * * * *', channels: '1-59/5 * * * *' };

export function buildDemoConfig(input: DemoConfigInput): DemoConfig {
  const raw = YAML.parse(input.exampleText) as Record<string, unknown>;
  const connections = (raw.connections ?? []) as RawConnection[];
  const exampleSkus = new Map(((raw.skus ?? []) as RawSku[]).map((s) => [s.sku, s]));
  const cron = input.reconcileCron ?? DEFAULT_CRON;
  const instances = demoCatalogue(input.seed, PLATFORM_NAMES);
  const byKey = new Map(instances.map((i) => [`${i.platform}/${i.name}`, i]));
  const sandbox = new URL(input.sandboxUrl);

  const instanceOf = new Map<string, string>();
  for (const c of connections) {
    // baseUrl: http://127.0.0.1:8700/<platform>/<instance>: same path on the sandbox that runs.
    const url = new URL(c.baseUrl);
    const [platform, name] = url.pathname.split('/').filter(Boolean);
    const key = `${platform}/${name}`;
    if (!byKey.has(key)) {
      throw new StocksyncError('CONFIG_INVALID', `connection ${c.id}: ${c.baseUrl} names no demo sandbox instance (${[...byKey.keys()].join(', ')})`, {
        connection: c.id,
        baseUrl: c.baseUrl,
      });
    }
    instanceOf.set(c.id, key);
    url.protocol = sandbox.protocol;
    url.host = sandbox.host;
    c.baseUrl = url.toString().replace(/\/$/, '');
    c.reconcile = c.kind === 'warehouse' ? cron.warehouses : cron.channels;
    pointSqsAtSandbox(c, sandbox, byKey.get(key)!);
  }
  const channels = connections.filter((c) => c.kind === 'channel');
  const listedBy = new Map(channels.map((c) => [c.id, new Set(byKey.get(instanceOf.get(c.id)!)!.skus?.map((s) => s.sku))]));
  const warehouse = instances.find((i) => i.platform === 'warehouse')!;
  const onHand = new Map((warehouse.skus ?? []).map((s) => [s.sku, s.quantity]));

  const skus: RawSku[] = [];
  for (const { sku } of warehouse.skus ?? []) {
    const example = exampleSkus.get(sku);
    const listings: Record<string, Record<string, unknown>> = {};
    for (const c of channels) if (listedBy.get(c.id)!.has(sku)) listings[c.id] = example?.listings?.[c.id] ?? {};
    skus.push({ sku, ...(example?.name !== undefined && { name: example.name }), listings });
  }
  // The example's bundles: the channels that list one get it in their sandbox catalogue,
  // with as many as its scarcest component allows.
  for (const s of exampleSkus.values()) {
    if (!s.components || s.components.length === 0 || !s.components.every((c) => onHand.has(c.sku))) continue;
    const count = Math.min(...s.components.map((c) => Math.floor((onHand.get(c.sku) ?? 0) / c.quantity)));
    const listings = s.listings ?? {};
    for (const id of Object.keys(listings)) {
      const instance = byKey.get(instanceOf.get(id) ?? '');
      if (instance && instance.platform !== 'warehouse') instance.skus = [...(instance.skus ?? []), { sku: s.sku, quantity: count }];
    }
    skus.push(s);
  }

  const config = {
    ...raw,
    demo: true,
    server: { ...(raw.server as object), ...(input.enginePort !== undefined && { port: input.enginePort }) },
    database: {
      ...(raw.database as object),
      dataDir: path.resolve(input.dataDir),
      ...(input.embeddedPort !== undefined && { embeddedPort: input.embeddedPort }),
    },
    connections,
    skus,
  };
  const header = [
    '# Generated by `stocksync demo` from examples/stocksync.yaml: its connections pointed at the',
    `# sandbox on ${input.sandboxUrl} and one SKU per SKU of the sandbox's demo catalogue (seed ${input.seed}),`,
    '# listed on the channels that list it. Rewritten at every demo start; edit the example instead.',
    '',
  ].join('\n');
  return { yaml: header + YAML.stringify(config, { lineWidth: 0 }), instances, instanceOf, skus: skus.length };
}

/** Topics each platform's webhooks are subscribed to, as test/e2e/stack.ts does. */
export const WEBHOOK_TOPICS: Record<PlatformName, string[]> = {
  shopify: ['orders/create', 'orders/cancelled', 'inventory_levels/update'],
  woocommerce: ['order.created', 'order.updated', 'product.updated'],
  amazon: ['ORDER_CHANGE', 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE'],
  warehouse: ['order.shipped', 'order.shipment.exception', 'order.shipment.cancelled'],
};
