// Optional HTTP control for the shopper driver, for a sandbox run as its own process:
//   POST /_sandbox/shoppers/start {ratePerSecond, seed?, channels?: ["woocommerce/x", ...], weights?, lines?, units?}
//   POST /_sandbox/shoppers/stop    GET /_sandbox/shoppers
// Mount with registerShopperRoutes(app, running.instances, seed).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SandboxInstance } from '../core/instance.js';
import { createShopperDriver, type ShopperDriver } from './driver.js';
import { instanceTarget } from './targets.js';

const range = z.object({ min: z.number().int().min(1), max: z.number().int().min(1) });
const startBody = z.object({
  ratePerSecond: z.number().positive().max(10_000),
  seed: z.number().int().optional(),
  channels: z.array(z.string()).min(1).optional(),
  weights: z.record(z.string(), z.number().min(0)).optional(),
  lines: range.optional(),
  units: range.optional(),
});

const CHANNELS = new Set(['shopify', 'woocommerce', 'amazon']);

export function registerShopperRoutes(app: FastifyInstance, instances: Map<string, SandboxInstance>, seed: number): void {
  let driver: ShopperDriver | undefined;
  app.post('/_sandbox/shoppers/start', async (request, reply) => {
    const parsed = startBody.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    const b = parsed.data;
    const keys = b.channels ?? [...instances.values()].filter((i) => CHANNELS.has(i.platform)).map((i) => `${i.platform}/${i.name}`);
    const missing = keys.filter((k) => !instances.has(k));
    if (missing.length > 0) return reply.code(400).send({ error: `no sandbox instance ${missing.join(', ')}` });
    await driver?.stop();
    driver = createShopperDriver({
      seed: b.seed ?? seed,
      targets: keys.map((k) => instanceTarget(instances.get(k)!)),
      ratePerSecond: b.ratePerSecond,
      ...(b.weights && { weights: b.weights }),
      ...(b.lines && { lines: b.lines }),
      ...(b.units && { units: b.units }),
    });
    await driver.start();
    return { running: true, channels: keys };
  });
  app.post('/_sandbox/shoppers/stop', async () => {
    await driver?.stop();
    return { running: false, stats: driver?.stats() ?? null };
  });
  app.get('/_sandbox/shoppers', async () => ({ running: driver?.running() ?? false, stats: driver?.stats() ?? null }));
  app.addHook('onClose', async () => {
    await driver?.stop();
  });
}
