// /incidents: oversells and unknown SKUs, listed and resolved with a note.
import * as z from 'zod';
import { listIncidents, resolveIncident } from '../../store/incidents.js';
import type { AdminContext } from './context.js';
import { notFound } from './problem.js';
import { ok } from './route.js';
import { idParam, noteSchema, pageById, pagedOf, pageQuery, skuCodeSchema, timestamp } from './schemas.js';

export const incidentSchema = z.object({
  id: z.number().int(),
  kind: z.enum(['oversell', 'unknown_sku']),
  sku: z.string().nullable(),
  orderId: z.number().int().nullable(),
  connectionId: z.string().nullable(),
  unitsShort: z.number().int().nullable(),
  details: z.record(z.string(), z.unknown()),
  createdAt: timestamp,
  resolvedAt: timestamp.nullable(),
  resolutionNote: z.string().nullable(),
});

export function incidentRoutes(ctx: AdminContext): void {
  const tag = 'incidents';
  ctx.routes.add({
    method: 'GET',
    url: '/incidents',
    tag,
    summary: 'Incidents, newest first',
    query: z.object({
      state: z.enum(['open', 'resolved', 'all'], { error: 'must be open, resolved or all' }).default('open'),
      kind: z.enum(['oversell', 'unknown_sku'], { error: 'must be oversell or unknown_sku' }).optional(),
      sku: skuCodeSchema.optional(),
      ...pageQuery,
    }),
    responses: { 200: { description: 'A page of incidents', schema: pagedOf(incidentSchema) } },
    handler: async ({ query }) => {
      const filter = { state: query.state, kind: query.kind ?? null, sku: query.sku ?? null };
      return ok(
        await pageById(
          query,
          (beforeId, limit) => listIncidents(ctx.db, { ...filter, beforeId, limit }),
          (r) => r.id,
        ),
      );
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/incidents/:id/resolve',
    tag,
    summary: 'Resolve an incident with a note',
    params: idParam,
    body: z.strictObject({ note: noteSchema }),
    idempotency: 'optional',
    responses: {
      200: { description: 'Resolved (or already resolved: its first resolution is kept)', schema: incidentSchema.extend({ resolved: z.boolean() }) },
    },
    problems: [404],
    handler: async ({ params, body }) => {
      const r = await resolveIncident(ctx.db, params.id, body.note);
      if (!r) throw notFound(`no incident ${params.id}`);
      return ok({ ...r.incident, resolved: r.resolved });
    },
  });
}
