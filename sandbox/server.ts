import Fastify from 'fastify';
import './platforms.js';
import { demoCatalogue } from './core/catalogue.js';
import { registerControlRoutes, type ControlledInstance } from './core/control.js';
import { createFaults, resolveFaultProfile, type FaultProfile, type FaultProfileName } from './core/faults.js';
import { instanceKey, type InstanceSpec, type SandboxInstance } from './core/instance.js';
import { createLatency, delayRequests, latencyFor, type LatencyOption } from './core/latency.js';
import { getPlatform, registeredPlatforms } from './core/registry.js';
import { createRng } from './core/rng.js';
import { createWebhookSender, type WebhookRetryPolicy } from './core/webhooks.js';

export type FaultsOption = FaultProfileName | FaultProfile | Partial<Record<string, FaultProfileName | FaultProfile>>;

export interface StartSandboxOptions {
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  seed?: number;
  /** One profile for all, or per instance keyed by "platform/name", by platform, or "default". */
  faults?: FaultsOption;
  /** Multiplies platform waits (webhook delays, retry backoff, async processing). */
  timeScale?: number;
  /** Default: the demo catalogue on every registered platform. */
  instances?: InstanceSpec[];
  /** Delay on every platform request (core/latency.ts), for all or per instance; default off. */
  latency?: LatencyOption;
}

export interface RunningSandbox {
  url: string;
  /** Keyed `${platform}/${name}`. */
  instances: Map<string, SandboxInstance>;
  /** Waits until every pending webhook delivery (retries included) has finished. */
  flushWebhooks(): Promise<void>;
  close(): Promise<void>;
}

function isProfile(x: unknown): x is FaultProfile {
  return typeof x === 'object' && x !== null && 'rate429' in x;
}

function profileFor(option: FaultsOption | undefined, spec: InstanceSpec): FaultProfile {
  if (option === undefined || typeof option === 'string' || isProfile(option)) return resolveFaultProfile(option);
  const perInstance = option as Partial<Record<string, FaultProfileName | FaultProfile>>;
  return resolveFaultProfile(perInstance[instanceKey(spec.platform, spec.name)] ?? perInstance[spec.platform] ?? perInstance['default']);
}

export async function startSandbox(opts: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const seed = opts.seed ?? 1;
  const timeScale = opts.timeScale ?? 1;
  const specs = opts.instances ?? demoCatalogue(seed, registeredPlatforms());
  // batches of 250 Shopify quantities and 100 WooCommerce products stay well below this
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 });
  const controlled = new Map<string, ControlledInstance>();
  const instances = new Map<string, SandboxInstance>();
  let baseUrl = '';

  for (const spec of specs) {
    const platform = getPlatform(spec.platform);
    if (!platform) throw new Error(`platform "${spec.platform}" is not registered (see sandbox/platforms.ts)`);
    const key = instanceKey(spec.platform, spec.name);
    if (instances.has(key)) throw new Error(`duplicate sandbox instance ${key}`);
    const faults = createFaults(profileFor(opts.faults, spec), createRng(seed, `${key}#faults`), timeScale);
    const retry = (spec.options?.['webhookRetry'] as WebhookRetryPolicy | undefined) ?? platform.traits.webhookRetry ?? 'none';
    const webhooks = createWebhookSender({
      faults,
      rng: createRng(seed, `${key}#webhooks`),
      timeScale,
      retry,
      ...(platform.traits.webhookTimeoutMs !== undefined && { requestTimeoutMs: platform.traits.webhookTimeoutMs }),
    });
    const instance = platform.factory(spec, { seed, faults, rng: createRng(seed, key), timeScale, webhooks });
    const prefix = `/${key}`;
    const latency = createLatency(createRng(seed, `${key}#latency`), latencyFor(opts.latency, key, spec.platform));
    // each instance in its own encapsulated scope: its parsers and hooks stay its own;
    // the latency hook goes first, so it covers every route the platform registers
    app.register(async (scope) => {
      delayRequests(scope, latency);
      instance.register(scope, prefix);
    });
    instances.set(key, instance);
    controlled.set(key, { instance, webhooks, latency, baseUrl: () => `${baseUrl}${prefix}` });
  }
  registerControlRoutes(app, controlled);

  let address: string;
  try {
    address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  } catch (err) {
    // e.g. the port is taken: leave nothing running behind
    for (const c of controlled.values()) {
      c.webhooks.close();
      c.instance.close?.();
    }
    await app.close();
    throw err;
  }
  baseUrl = address.replace('://[::1]', '://localhost');

  return {
    url: baseUrl,
    instances,
    flushWebhooks: async () => {
      await Promise.all([...controlled.values()].map((c) => c.webhooks.flush()));
    },
    async close() {
      for (const c of controlled.values()) {
        c.webhooks.close();
        c.instance.close?.();
      }
      await app.close();
    },
  };
}
