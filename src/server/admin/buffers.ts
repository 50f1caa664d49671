// /buffers: each channel's buffer policy and per-SKU overrides, read and changed at run time.
// A change is stored in the database and wins over the YAML until it is removed (README,
// "Admin API"); the affected targets are recomputed at once and the dirty listings pushed.
import * as z from 'zod';
import { bufferSchema } from '../../config/schema.js';
import { mergePolicy, validatePolicy } from '../../domain/index.js';
import type { BufferPolicy } from '../../domain/types.js';
import { changeChannelPolicy, changeSkuOverride } from '../../engine/buffer-policies.js';
import { channelBuffers, type ChannelBuffers } from '../../store/runtime-buffers.js';
import type { AdminContext } from './context.js';
import { notFound } from './problem.js';
import { ok } from './route.js';
import { connectionIdSchema, skuCodeSchema } from './schemas.js';

// The config file's schema, plus the domain's own rules (whole percent, bounded units).
const policySchema = bufferSchema
  .superRefine((p, ctx) => {
    for (const problem of validatePolicy(p as BufferPolicy)) {
      const [field, ...why] = problem.split(': ');
      ctx.addIssue({ code: 'custom', path: [field!], message: why.join(': ') });
    }
  })
  .meta({ description: 'Fields applied in order: reserve, holdBackPercent, holdBackUnits, zeroBelow, maxCap' });
const policyOut = z.record(z.string(), z.unknown());

const channelBuffersSchema = z.object({
  connectionId: z.string(),
  config: policyOut.meta({ description: "The YAML's buffer" }),
  runtime: policyOut.nullable().meta({ description: 'Set through this API; wins over the YAML until removed' }),
  effective: policyOut,
  overrides: z.array(z.object({ sku: z.string(), config: policyOut.nullable(), runtime: policyOut.nullable(), effective: policyOut })),
});

function withEffective(c: ChannelBuffers) {
  const channel = c.runtime ?? c.config;
  return {
    ...c,
    effective: channel,
    overrides: c.overrides.map((o) => ({ ...o, effective: mergePolicy(channel, (o.runtime ?? o.config ?? undefined) as BufferPolicy | undefined) })),
  };
}

async function buffersOf(ctx: AdminContext, connectionId: string) {
  const [c] = await channelBuffers(ctx.db, connectionId);
  if (!c) throw notFound(`no channel connection ${connectionId}`);
  return withEffective(c);
}

const channelParam = z.object({ id: connectionIdSchema });
const overrideParam = z.object({ id: connectionIdSchema, sku: skuCodeSchema });
const changed = channelBuffersSchema.extend({ listingsChanged: z.number().int().meta({ description: 'Listings whose target moved (they are being pushed)' }) });

export function bufferRoutes(ctx: AdminContext): void {
  const tag = 'buffers';
  ctx.routes.add({
    method: 'GET',
    url: '/buffers',
    tag,
    summary: "Every channel's buffer policy and overrides (YAML, runtime, effective)",
    responses: { 200: { description: 'The policies', schema: z.object({ items: z.array(channelBuffersSchema) }) } },
    handler: async () => ok({ items: (await channelBuffers(ctx.db, null)).map(withEffective) }),
  });
  ctx.routes.add({
    method: 'GET',
    url: '/buffers/:id',
    tag,
    summary: "One channel's buffer policy and overrides",
    params: channelParam,
    responses: { 200: { description: 'The policy', schema: channelBuffersSchema } },
    problems: [404],
    handler: async ({ params }) => ok(await buffersOf(ctx, params.id)),
  });
  ctx.routes.add({
    method: 'PUT',
    url: '/buffers/:id',
    tag,
    summary: "Replace a channel's buffer policy at run time",
    description: "Stored in the database; wins over the YAML's `buffer` (even after a restart) until DELETE. Targets are recomputed and pushed at once.",
    params: channelParam,
    body: policySchema,
    idempotency: 'optional',
    responses: { 200: { description: 'Applied', schema: changed } },
    problems: [404],
    handler: async ({ params, body }) => {
      const { listingsChanged } = await changeChannelPolicy(ctx.db, params.id, body as BufferPolicy);
      ctx.log.info({ connection: params.id, policy: body, listingsChanged }, 'buffer policy changed through the admin API');
      return ok({ ...(await buffersOf(ctx, params.id)), listingsChanged });
    },
  });
  ctx.routes.add({
    method: 'DELETE',
    url: '/buffers/:id',
    tag,
    summary: "Remove a channel's runtime policy: the YAML's applies again",
    params: channelParam,
    idempotency: 'optional',
    responses: { 200: { description: 'Applied', schema: changed } },
    problems: [404],
    handler: async ({ params }) => {
      const { listingsChanged } = await changeChannelPolicy(ctx.db, params.id, null);
      return ok({ ...(await buffersOf(ctx, params.id)), listingsChanged });
    },
  });
  ctx.routes.add({
    method: 'PUT',
    url: '/buffers/:id/overrides/:sku',
    tag,
    summary: "Set a SKU's override on a channel at run time",
    description: "Replaces the YAML's override of that SKU (if any) until DELETE; merged field by field over the channel's policy.",
    params: overrideParam,
    body: policySchema,
    idempotency: 'optional',
    responses: { 200: { description: 'Applied', schema: changed } },
    problems: [404],
    handler: async ({ params, body }) => {
      const { listingsChanged } = await changeSkuOverride(ctx.db, params.id, params.sku, body as BufferPolicy);
      return ok({ ...(await buffersOf(ctx, params.id)), listingsChanged });
    },
  });
  ctx.routes.add({
    method: 'DELETE',
    url: '/buffers/:id/overrides/:sku',
    tag,
    summary: "Remove a SKU's runtime override: the YAML's override (or none) applies again",
    params: overrideParam,
    idempotency: 'optional',
    responses: { 200: { description: 'Applied', schema: changed } },
    problems: [404],
    handler: async ({ params }) => {
      const { listingsChanged } = await changeSkuOverride(ctx.db, params.id, params.sku, null);
      return ok({ ...(await buffersOf(ctx, params.id)), listingsChanged });
    },
  });
}
