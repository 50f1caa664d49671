import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { formatZodError, skuQuantitySchema } from './config.js';
import type { SandboxInstance } from './instance.js';
import { latencySchema, type Latency } from './latency.js';
import type { WebhookSender } from './webhooks.js';

/**
 * The control and inspection API under /_sandbox, for tests and the demo. JSON in and
 * out; bad input is a 400 with a message naming the field.
 */
export interface ControlledInstance {
  instance: SandboxInstance;
  webhooks: WebhookSender;
  /** The delay on this instance's platform requests (core/latency.ts). */
  latency: Latency;
  baseUrl: () => string;
}

const stockBody = z.union([skuQuantitySchema, z.object({ items: z.array(skuQuantitySchema).min(1) })]);
const orderBody = z.object({
  lines: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int().min(1).max(1_000_000) })).min(1),
});
const subscribeBody = z.object({ topic: z.string().min(1), url: z.url() });
const tokenBody = z.object({ token: z.string().min(1) });
const receiveBody = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().min(1).max(1_000_000_000),
  reference: z.string().optional(),
});
const adjustBody = z.object({
  sku: z.string().min(1),
  delta: z.number().int().min(-1_000_000_000).max(1_000_000_000),
  reason: z.string().optional(),
});
const returnBody = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().min(1).max(1_000_000_000),
  orderRef: z.string().optional(),
});

type Params = { platform: string; name: string };

function parseBody<T>(schema: z.ZodType<T>, body: unknown, reply: FastifyReply): T | undefined {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  void reply.code(400).send({ error: `invalid body: ${formatZodError(result.error)}` });
  return undefined;
}

/** Runs a control call, turning a thrown Error (unknown SKU...) into a 400. */
function guarded<T>(reply: FastifyReply, fn: () => T): T | FastifyReply {
  try {
    return fn();
  } catch (err) {
    return reply.code(400).send({ error: (err as Error).message });
  }
}

export function registerControlRoutes(app: FastifyInstance, instances: Map<string, ControlledInstance>): void {
  const summary = (key: string, c: ControlledInstance) => ({
    key,
    platform: c.instance.platform,
    name: c.instance.name,
    baseUrl: c.baseUrl(),
    skus: c.instance.control.listSkus().length,
  });

  app.get('/_sandbox', async () => ({ instances: [...instances].map(([k, c]) => summary(k, c)) }));
  app.get('/_sandbox/instances', async () => [...instances].map(([k, c]) => summary(k, c)));
  // Every instance's request latency at once: GET says each, PUT sets all.
  app.get('/_sandbox/latency', async () => Object.fromEntries([...instances].map(([k, c]) => [k, c.latency.get()])));
  app.put('/_sandbox/latency', async (request, reply) => {
    const body = parseBody(latencySchema, request.body, reply);
    if (!body) return reply;
    for (const c of instances.values()) c.latency.set(body);
    return { latency: body, instances: instances.size };
  });
  app.post('/_sandbox/webhooks/flush', async () => {
    await Promise.all([...instances.values()].map((c) => c.webhooks.flush()));
    return { flushed: true };
  });

  app.register(
    async (scoped) => {
      // every route below names one instance; resolve it once
      scoped.decorateRequest('target', null);
      scoped.addHook('preHandler', async (request, reply) => {
        const { platform, name } = request.params as Params;
        const c = instances.get(`${platform}/${name}`);
        if (!c) return reply.code(404).send({ error: `no sandbox instance ${platform}/${name}` });
        (request as unknown as { target: ControlledInstance }).target = c;
      });
      const target = (request: unknown) => (request as { target: ControlledInstance }).target;

      scoped.get('/', async (request) => {
        const c = target(request);
        const { platform, name } = request.params as Params;
        return summary(`${platform}/${name}`, c);
      });
      scoped.get('/stock', async (request) => {
        const { control } = target(request).instance;
        return Object.fromEntries(control.listSkus().map((sku) => [sku, control.getStock(sku)]));
      });
      scoped.get('/stock/:sku', async (request, reply) => {
        const { sku } = request.params as { sku: string };
        const quantity = target(request).instance.control.getStock(sku);
        if (quantity === undefined) return reply.code(404).send({ error: `unknown sku ${sku}` });
        return { sku, quantity };
      });
      scoped.put('/stock', async (request, reply) => {
        const body = parseBody(stockBody, request.body, reply);
        if (!body) return reply;
        const items = 'items' in body ? body.items : [body];
        const { control } = target(request).instance;
        return guarded(reply, () => {
          for (const i of items) control.setStock(i.sku, i.quantity);
          return { updated: items.length };
        });
      });
      scoped.delete('/catalogue/:sku', async (request, reply) => {
        const { sku } = request.params as { sku: string };
        const { control } = target(request).instance;
        if (!control.removeSku) return reply.code(400).send({ error: 'this platform has no catalogue removal control' });
        const removed = control.removeSku(sku);
        return removed > 0 ? { removed } : reply.code(404).send({ error: `unknown sku ${sku}` });
      });
      scoped.post('/orders', async (request, reply) => {
        const body = parseBody(orderBody, request.body, reply);
        if (!body) return reply;
        const result = target(request).instance.control.shopperOrder(body.lines);
        return result.ok ? reply.code(201).send(result) : reply.code(409).send(result);
      });
      scoped.post('/orders/:orderId/cancel', async (request, reply) => {
        const { orderId } = request.params as { orderId: string };
        const { control } = target(request).instance;
        if (!control.cancelOrder) return reply.code(400).send({ error: 'this platform has no cancel control' });
        const cancelled = control.cancelOrder(orderId);
        return cancelled ? { cancelled: true } : reply.code(404).send({ error: `no open order ${orderId}` });
      });
      scoped.get('/truth', async (request) => target(request).instance.control.truth());
      scoped.get('/latency', async (request) => target(request).latency.get());
      scoped.put('/latency', async (request, reply) => {
        const body = parseBody(latencySchema, request.body, reply);
        if (!body) return reply;
        target(request).latency.set(body);
        return { latency: body };
      });
      scoped.get('/stats', async (request) => {
        const c = target(request);
        return { ...c.instance.stats(), webhooks: c.webhooks.stats() };
      });
      scoped.post('/stats/reset', async (request) => {
        target(request).instance.resetStats();
        return { reset: true };
      });
      scoped.post('/webhooks', async (request, reply) => {
        const body = parseBody(subscribeBody, request.body, reply);
        if (!body) return reply;
        target(request).instance.control.subscribe(body.topic, body.url);
        return reply.code(201).send({ subscribed: body });
      });
      scoped.put('/access-token', async (request, reply) => {
        const body = parseBody(tokenBody, request.body, reply);
        if (!body) return reply;
        const { control } = target(request).instance;
        if (!control.setAccessToken) return reply.code(400).send({ error: 'this platform has no access token control' });
        control.setAccessToken(body.token);
        return { ok: true };
      });
      scoped.post('/receive', async (request, reply) => {
        const body = parseBody(receiveBody, request.body, reply);
        if (!body) return reply;
        const { control } = target(request).instance;
        if (!control.receive) return reply.code(400).send({ error: 'only a warehouse receives stock' });
        return guarded(reply, () => (control.receive!(body.sku, body.quantity, body.reference), { ok: true }));
      });
      scoped.post('/adjust', async (request, reply) => {
        const body = parseBody(adjustBody, request.body, reply);
        if (!body) return reply;
        const { control } = target(request).instance;
        if (!control.adjust) return reply.code(400).send({ error: 'only a warehouse adjusts stock' });
        return guarded(reply, () => (control.adjust!(body.sku, body.delta, body.reason), { ok: true }));
      });
      scoped.post('/return', async (request, reply) => {
        const body = parseBody(returnBody, request.body, reply);
        if (!body) return reply;
        const { control } = target(request).instance;
        if (!control.returnStock) return reply.code(400).send({ error: 'only a warehouse takes returns' });
        return guarded(reply, () => (control.returnStock!(body.sku, body.quantity, body.orderRef), { ok: true }));
      });
    },
    { prefix: '/_sandbox/:platform/:name' },
  );
}
