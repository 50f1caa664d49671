// /reconciliations: start a full reconciliation (one connection, or all: warehouses first),
// follow its progress, read its drift report. A run started here runs in this process under
// the same lease as the schedule's, so the two never overlap.
import * as z from 'zod';
import { runReconciliations } from '../../engine/run-reconciliations.js';
import { operatorPause } from '../../store/operator-pause.js';
import { driftOf, listReconciliations, reconciliation, recordReconciliationProgress, runningReconciliation } from '../../store/reconciliations.js';
import type { AdminContext } from './context.js';
import { conflict, notFound } from './problem.js';
import { ok } from './route.js';
import { connectionIdSchema, decodeCursor, idParam, page, pageById, pagedOf, pageQuery, timestamp } from './schemas.js';

const runSchema = z.object({
  id: z.number().int(),
  connectionId: z.string(),
  trigger: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  startedAt: timestamp,
  finishedAt: timestamp.nullable(),
  checked: z.number().int().meta({ description: 'Items checked so far (running) or in all' }),
  total: z.number().int().nullable().meta({ description: 'Items to check, when the platform says' }),
  drifted: z.number().int(),
  driftUnits: z.number().int(),
  error: z.string().nullable(),
});

const driftSchema = z.object({
  connectionId: z.string(),
  sku: z.string(),
  believed: z.number().int().nullable(),
  actual: z.number().int(),
  units: z.number().int(),
  direction: z.enum(['up', 'down']),
  action: z.string(),
  layer: z.string().nullable(),
  location: z.string().nullable().meta({ description: 'A warehouse row: the location the level differs at (warehouse/location)' }),
  sources: z
    .array(z.string())
    .nullable()
    .meta({ description: 'A channel row: the locations the channel sells from, in routing order (null: the default sources)' }),
});

const PROGRESS_EVERY_MS = 500;
const FIRST_RUN_WAIT_MS = 3_000;

/** Runs the reconciliations in the background; resolves once the first one's row exists (or it ended). */
async function startInBackground(ctx: AdminContext, ids: string[]): Promise<number | null> {
  let current: string | undefined;
  let lastWrite = 0;
  const job = runReconciliations({
    db: ctx.db,
    log: ctx.log,
    connectors: ctx.connectors,
    ids,
    trigger: 'manual',
    progress: {
      begin: (id) => (current = id),
      update: (checked, total) => {
        if (current === undefined || Date.now() - lastWrite < PROGRESS_EVERY_MS) return;
        lastWrite = Date.now();
        recordReconciliationProgress(ctx.db, current, checked, total).catch(() => {});
      },
      end: () => {},
    },
  }).catch((e: unknown) => ctx.log.error({ err: (e as Error).message }, 'reconciliation started through the admin API failed'));
  ctx.track(job);
  const deadline = Date.now() + FIRST_RUN_WAIT_MS;
  let finished = false;
  void job.finally(() => (finished = true));
  for (;;) {
    const run = await runningReconciliation(ctx.db, ids[0]!);
    if (run) return run.id;
    if (finished || Date.now() > deadline) {
      const [latest] = await listReconciliations(ctx.db, { connectionId: ids[0]!, beforeId: null, limit: 1 });
      return latest?.id ?? null;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function reconciliationRoutes(ctx: AdminContext): void {
  const tag = 'reconciliations';
  ctx.routes.add({
    method: 'GET',
    url: '/reconciliations',
    tag,
    summary: 'Reconciliation runs, newest first',
    query: z.object({ connectionId: connectionIdSchema.optional(), ...pageQuery }),
    responses: { 200: { description: 'A page of runs', schema: pagedOf(runSchema) } },
    handler: async ({ query }) => {
      const connectionId = query.connectionId ?? null;
      return ok(
        await pageById(
          query,
          (beforeId, limit) => listReconciliations(ctx.db, { connectionId, beforeId, limit }),
          (r) => r.id,
        ),
      );
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/reconciliations',
    tag,
    summary: 'Start a full reconciliation now',
    description: 'Of one connection, or of every connection (warehouses first). Answers 202 with the first run; follow it at GET /reconciliations/{id}.',
    body: z.strictObject({ connectionId: connectionIdSchema.optional() }).default({}),
    idempotency: 'required',
    responses: { 202: { description: 'Started', schema: z.object({ connections: z.array(z.string()), runId: z.number().int().nullable() }) } },
    problems: [404, 409],
    handler: async ({ body }) => {
      // Warehouses first, so that the channels are compared with corrected stock; a channel
      // without a platform has nothing to read.
      const all = [...ctx.connectors.entries()]
        .filter(([, c]) => c.capabilities.platformless !== true)
        .sort(([, a], [, b]) => Number(a.kind === 'channel') - Number(b.kind === 'channel'))
        .map(([id]) => id);
      const ids = body.connectionId === undefined ? all : all.filter((id) => id === body.connectionId);
      if (ids.length === 0) throw notFound(body.connectionId === undefined ? 'no connections to reconcile' : `no connection ${body.connectionId}`);
      for (const id of ids) {
        if (await runningReconciliation(ctx.db, id)) throw conflict('RECONCILIATION_RUNNING', `a reconciliation of ${id} is already running`);
        if (await operatorPause(ctx.db, id)) throw conflict('CONNECTION_PAUSED', `${id} is paused; resume it first`);
      }
      const runId = await startInBackground(ctx, ids);
      return ok({ connections: ids, runId }, 202);
    },
  });
  ctx.routes.add({
    method: 'GET',
    url: '/reconciliations/:id',
    tag,
    summary: 'One run and its progress',
    params: idParam,
    responses: { 200: { description: 'The run', schema: runSchema } },
    problems: [404],
    handler: async ({ params }) => {
      const run = await reconciliation(ctx.db, params.id);
      if (!run) throw notFound(`no reconciliation ${params.id}`);
      return ok(run);
    },
  });
  ctx.routes.add({
    method: 'GET',
    url: '/reconciliations/:id/drift',
    tag,
    summary: "A run's drift report, largest first",
    params: idParam,
    query: z.object(pageQuery),
    responses: { 200: { description: 'A page of drift rows', schema: pagedOf(driftSchema) } },
    problems: [404],
    handler: async ({ params, query }) => {
      if (!(await reconciliation(ctx.db, params.id))) throw notFound(`no reconciliation ${params.id}`);
      const from = decodeCursor(query.cursor, z.object({ offset: z.number().int().min(0) }))?.offset ?? 0;
      const rows = (await driftOf(ctx.db, params.id)).slice(from, from + query.limit + 1).map((r) => ({ ...r, direction: r.units >= 0 ? 'up' : 'down' }));
      return ok(page(rows, query.limit, () => ({ offset: from + query.limit })));
    },
  });
}
