import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PLATFORM_NAMES, type InstanceSpec, type PlatformName } from './instance.js';
import type { FaultProfile, FaultProfileName } from './faults.js';
import { latencySchema, type LatencyOption } from './latency.js';

/**
 * The sandbox config file (YAML or JSON, YAML being a superset):
 *   seed: 7
 *   faults: lossy            # or per instance: { default: none, "shopify/my-shop": hostile }
 *   timeScale: 0.01
 *   latency: { fixedMs: 50, jitterMs: 100 }   # or per instance: { default: ..., shopify: ... }
 *   instances:
 *     - { platform: shopify, name: my-shop, skus: [{ sku: A-1, quantity: 5 }], options: { plan: plus } }
 */
const range = z.object({ min: z.number().min(0), max: z.number().min(0) });
const probability = z.number().min(0).max(1);

export const faultProfileSchema = z.object({
  latencyMs: range,
  rate429: probability,
  rate5xx: probability,
  rateTimeout: probability,
  timeoutMs: z.number().min(0),
  webhookLoss: probability,
  webhookDuplicate: probability,
  webhookDelayMs: range,
  webhookReorder: probability,
  clockSkewMs: z.number(),
});

const profileRef = z.union([z.enum(['none', 'lossy', 'hostile']), faultProfileSchema]);

export const skuQuantitySchema = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().min(0).max(1_000_000_000),
});

export const instanceSpecSchema = z.object({
  platform: z.enum(PLATFORM_NAMES as [PlatformName, ...PlatformName[]]),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"'),
  skus: z.array(skuQuantitySchema.extend({ barcode: z.string().min(1).optional(), name: z.string().min(1).optional() })).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const sandboxConfigSchema = z.object({
  seed: z.number().int().optional(),
  faults: z.union([profileRef, z.record(z.string(), profileRef)]).optional(),
  timeScale: z.number().positive().optional(),
  latency: z.union([latencySchema, z.record(z.string(), latencySchema)]).optional(),
  instances: z.array(instanceSpecSchema).optional(),
});

export interface SandboxConfig {
  seed?: number;
  faults?: FaultProfileName | FaultProfile | Partial<Record<string, FaultProfileName | FaultProfile>>;
  timeScale?: number;
  latency?: LatencyOption;
  instances?: InstanceSpec[];
}

export function formatZodError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

export function parseSandboxConfig(text: string, source = 'config'): SandboxConfig {
  const result = sandboxConfigSchema.safeParse(parseYaml(text));
  if (!result.success) throw new Error(`${source}: ${formatZodError(result.error)}`);
  return result.data as SandboxConfig;
}

export async function loadSandboxConfig(path: string): Promise<SandboxConfig> {
  return parseSandboxConfig(await readFile(path, 'utf8'), path);
}
