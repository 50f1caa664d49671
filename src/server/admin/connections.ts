// /connections: each connection's health (last webhook, poll, reconciliation and push;
// pushes, throttled calls, failures, lowering latency), and pause / resume.
import * as z from 'zod';
import { statusReport } from '../../store/status.js';
import { connectionHealthExtras } from '../../store/connection-overview.js';
import { pauseByOperator, resumeByOperator } from '../../store/operator-pause.js';
import type { AdminContext } from './context.js';
import { notFound } from './problem.js';
import { ok } from './route.js';
import { connectionParam, timestamp } from './schemas.js';

const latency = z.object({ count: z.number().int(), p50: z.number(), p95: z.number(), p99: z.number() }).nullable();

export const connectionHealthSchema = z.object({
  id: z.string(),
  kind: z.enum(['channel', 'warehouse']),
  platform: z.string(),
  paused: z.boolean(),
  pausedAt: timestamp.nullable(),
  pausedReason: z.string().nullable(),
  lastWebhookAt: timestamp.nullable(),
  lastPollAt: timestamp.nullable(),
  lastReconcileAt: timestamp.nullable(),
  lastPushAt: timestamp.nullable(),
  failingSince: timestamp
    .nullable()
    .meta({ description: 'Oldest failure not cleared (platform calls failing, a quarantined listing or inbox event); null while healthy' }),
  failure: z.enum(['auth', 'unreachable']).nullable().meta({ description: 'What the platform calls fail with, while they do' }),
  lastError: z.string().nullable(),
  authPause: z
    .object({ reason: z.string(), since: timestamp, lastError: z.string(), attempts: z.number().int(), nextRetryAt: timestamp })
    .loose()
    .nullable()
    .meta({ description: 'Paused by the engine: the platform refuses our credentials (probed with back-off, resumed by itself)' }),
  webhooks: z.object({}).loose().nullable().meta({ description: "The platform's webhooks for us as last checked (WooCommerce)" }),
  webhookRegistration: z
    .object({
      address: z.string(),
      ok: z.boolean().meta({ description: 'Every consumed topic subscribed at the address, nothing stale left' }),
      missing: z.array(z.string()),
      kept: z.number().int(),
      error: z.string().nullable(),
      created: z.number().int(),
      registeredAt: timestamp,
      removed: z.number().int(),
      failed: z.number().int(),
    })
    .nullable()
    .meta({ description: 'The last webhook registration (stocksync webhooks register, or a start with server.publicUrl); null: never' }),
  listings: z.number().int(),
  dirtyListings: z.number().int(),
  partitionedListings: z.number().int(),
  pushes: z.object({ calls: z.number().int(), listings: z.number().int() }),
  throttledCalls: z.number().int(),
  pushErrors: z.number().int(),
  quarantine: z.object({ records: z.number().int(), inboxEvents: z.number().int(), listings: z.number().int() }),
  loweringLatencyMs: latency.meta({ description: 'Target changed -> the channel shows it, over the latest 200 lowerings' }),
  lastReconciliation: z
    .object({
      id: z.number().int(),
      status: z.string(),
      startedAt: timestamp,
      finishedAt: timestamp.nullable(),
      drifted: z.number().int(),
      driftUnits: z.number().int(),
    })
    .nullable(),
});

async function connectionsHealth(ctx: AdminContext) {
  const [report, extras] = await Promise.all([statusReport(ctx.db), connectionHealthExtras(ctx.db)]);
  const extraOf = new Map(extras.map((e) => [e.connectionId, e]));
  return report.connections.map(({ operatorPause, ...c }) => {
    const e = extraOf.get(c.id);
    return {
      ...c,
      paused: operatorPause !== null,
      pausedAt: operatorPause?.pausedAt ?? null,
      pausedReason: operatorPause?.reason ?? null,
      lastPushAt: e?.lastPushAt ?? null,
      failingSince: e?.failingSince ?? null,
      failure: e?.failure ?? null,
      lastError: e?.lastError ?? null,
    };
  });
}

export function connectionRoutes(ctx: AdminContext): void {
  const tag = 'connections';
  ctx.routes.add({
    method: 'GET',
    url: '/connections',
    tag,
    summary: 'Every connection with its health',
    responses: { 200: { description: 'The connections', schema: z.object({ items: z.array(connectionHealthSchema) }) } },
    handler: async () => ok({ items: await connectionsHealth(ctx) }),
  });
  ctx.routes.add({
    method: 'GET',
    url: '/connections/:id',
    tag,
    summary: "One connection's health",
    params: connectionParam,
    responses: { 200: { description: 'The connection', schema: connectionHealthSchema } },
    problems: [404],
    handler: async ({ params }) => {
      const c = (await connectionsHealth(ctx)).find((x) => x.id === params.id);
      if (!c) throw notFound(`no connection ${params.id}`);
      return ok(c);
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/connections/:id/pause',
    tag,
    summary: 'Pause a connection (an operator pause, until resumed)',
    description:
      'Its dispatcher, poller, warehouse order pusher and scheduled reconciliation skip their rounds until it is resumed. Webhooks are still stored and processed, and targets still computed: resuming pushes what changed meanwhile.',
    params: connectionParam,
    body: z.object({ reason: z.string().trim().min(1).max(500).default('paused by an operator') }).default({ reason: 'paused by an operator' }),
    idempotency: 'optional',
    responses: { 200: { description: 'Paused (or already paused: the first pause is kept)', schema: connectionHealthSchema } },
    problems: [404],
    handler: async ({ params, body }) => {
      if (!(await pauseByOperator(ctx.db, params.id, body.reason))) throw notFound(`no connection ${params.id}`);
      ctx.log.info({ connection: params.id, reason: body.reason }, 'connection paused through the admin API');
      return ok((await connectionsHealth(ctx)).find((x) => x.id === params.id));
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/connections/:id/resume',
    tag,
    summary: 'Resume a paused connection',
    params: connectionParam,
    idempotency: 'optional',
    responses: { 200: { description: 'Running', schema: connectionHealthSchema } },
    problems: [404],
    handler: async ({ params }) => {
      if (!(await resumeByOperator(ctx.db, params.id))) throw notFound(`no connection ${params.id}`);
      ctx.log.info({ connection: params.id }, 'connection resumed through the admin API');
      return ok((await connectionsHealth(ctx)).find((x) => x.id === params.id));
    },
  });
}
