// /feed-files: the stock files file-feed warehouses (csv-feed) read, and the decision on a
// held one (a file that would zero too much of the catalogue waits for a person), as
// `stocksync feed status | confirm | discard` does.
import * as z from 'zod';
import { decideHeldFeed } from '../../engine/feed/decide-feed.js';
import { recentFeedFiles } from '../../store/feed-files.js';
import type { AdminContext } from './context.js';
import { ok } from './route.js';
import { connectionIdSchema, connectionParam, DEFAULT_LIMIT, MAX_LIMIT, timestamp } from './schemas.js';

const fileSchema = z.object({
  id: z.number().int(),
  connectionId: z.string(),
  name: z.string(),
  observedAt: timestamp.meta({ description: 'When the snapshot was taken (mtime, or the time in its name)' }),
  status: z.enum(['held', 'applying', 'applied', 'ignored', 'refused', 'discarded', 'superseded']),
  rowsRead: z.number().int(),
  rowsRefused: z.number().int(),
  inStock: z.number().int().nullable().meta({ description: 'SKUs in stock at this warehouse before the file' }),
  wouldZero: z.number().int().nullable().meta({ description: 'Of those, SKUs the file takes to zero' }),
  applied: z.number().int().nullable(),
  absentZero: z.boolean().nullable(),
  note: z.string().nullable(),
  createdAt: timestamp,
  decidedAt: timestamp.nullable(),
});

const decisionSchema = z.object({
  decision: z.enum(['confirmed', 'discarded']),
  file: fileSchema,
  result: z.object({ applied: z.number().int(), unknownSkus: z.number().int(), stale: z.number().int() }).optional(),
});

export function feedFileRoutes(ctx: AdminContext): void {
  const tag = 'feed-files';
  ctx.routes.add({
    method: 'GET',
    url: '/feed-files',
    tag,
    summary: 'Stock files read by file-feed warehouses, newest first',
    query: z.object({
      connectionId: connectionIdSchema.optional(),
      limit: z.coerce.number({ error: 'must be a number' }).int().min(1).max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`).default(DEFAULT_LIMIT),
    }),
    responses: { 200: { description: 'The files', schema: z.object({ items: z.array(fileSchema) }) } },
    handler: async ({ query }) => ok({ items: await recentFeedFiles(ctx.db, query.connectionId ?? null, query.limit) }),
  });
  for (const decision of ['confirm', 'discard'] as const) {
    ctx.routes.add({
      method: 'POST',
      url: `/feed-files/:id/${decision}`,
      tag,
      summary: decision === 'confirm' ? "Apply the connection's held stock file, as it was held" : "Drop the connection's held stock file",
      params: connectionParam,
      idempotency: 'required',
      responses: { 200: { description: 'Decided', schema: decisionSchema } },
      problems: [404],
      handler: async ({ params }) => ok(await decideHeldFeed(ctx, params.id, decision, 'admin-api')),
    });
  }
}
