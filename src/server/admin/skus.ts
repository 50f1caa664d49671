// /skus: SKUs paged and searchable, with ATS, on hand, claimed and every channel's listing;
// one SKU with its stock levels, ledger (paged), claims, listings and incidents; manual
// stock adjustments through the ledger.
import * as z from 'zod';
import { adjustStock } from '../../engine/adjust-stock.js';
import { listIncidents } from '../../store/incidents.js';
import { claimsOfSku, externalOrdersOfSku, ledgerPage, skuPage, skuRow } from '../../store/sku-views.js';
import { skuDetail } from '../../store/status.js';
import { skuLocations } from '../../engine/sku-locations.js';
import type { AdminContext } from './context.js';
import { notFound } from './problem.js';
import { ok } from './route.js';
import { boolQuery, decodeCursor, noteSchema, page, pageById, pagedOf, pageQuery, skuCodeSchema, timestamp } from './schemas.js';

const listingSchema = z.object({
  listingId: z.number().int(),
  connectionId: z.string(),
  target: z.number().int(),
  shown: z.number().int().nullable().meta({ description: 'What the channel last confirmed showing; null before the first push' }),
  dirty: z.boolean(),
  lastPushAt: timestamp.nullable(),
  quarantinedReason: z.string().nullable(),
});

const skuSchema = z.object({
  sku: z.string(),
  name: z.string().nullable(),
  isBundle: z.boolean(),
  ats: z.number().int().meta({ description: 'Available to sell: available minus claimed (a bundle: whole bundles its components make)' }),
  onHand: z.number().int(),
  available: z.number().int(),
  claimed: z.number().int(),
  listings: z.array(listingSchema),
});

const ledgerEntrySchema = z.object({
  id: z.number().int(),
  key: z.string(),
  kind: z.string(),
  availableDelta: z.number().int(),
  claimedDelta: z.number().int(),
  warehouse: z.string().nullable(),
  location: z.string().nullable(),
  orderId: z.number().int().nullable(),
  source: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: timestamp,
});

const skuParam = z.object({ sku: skuCodeSchema });
const skuCursor = z.object({
  sku: z.string(),
  ats: z
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1),
});

export function skuRoutes(ctx: AdminContext): void {
  const tag = 'skus';
  ctx.routes.add({
    method: 'GET',
    url: '/skus',
    tag,
    summary: 'SKUs, paged and searchable',
    query: z.object({
      q: z.string().trim().min(1).max(255).optional().meta({ description: 'Part of the SKU or its name (case-insensitive)' }),
      low: boolQuery.optional().meta({ description: 'Only SKUs whose ATS is at or below lowThreshold' }),
      lowThreshold: z.coerce.number().int('must be a whole number').min(0, 'must not be negative').max(1_000_000_000, 'must be at most 1000000000').default(5),
      sort: z.enum(['sku', 'ats'], { error: 'must be sku or ats' }).default('sku').meta({ description: 'ats: lowest stock first' }),
      ...pageQuery,
    }),
    responses: { 200: { description: 'A page of SKUs', schema: pagedOf(skuSchema) } },
    handler: async ({ query }) => {
      const rows = await skuPage(ctx.db, {
        search: query.q ?? null,
        atsAtMost: query.low ? query.lowThreshold : null,
        orderBy: query.sort,
        after: decodeCursor(query.cursor, skuCursor),
        limit: query.limit + 1,
      });
      return ok(page(rows, query.limit, (last) => ({ sku: last.sku, ats: last.ats })));
    },
  });
  ctx.routes.add({
    method: 'GET',
    url: '/skus/:sku',
    tag,
    summary: 'One SKU: stock, levels, listings, claims, open incidents, latest ledger entries',
    params: skuParam,
    responses: {
      200: {
        description: 'The SKU',
        schema: skuSchema.extend({
          components: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
          levels: z.array(
            z.object({ warehouse: z.string(), location: z.string(), sellable: z.boolean(), onHand: z.number().int(), available: z.number().int() }).loose(),
          ),
          locations: z
            .array(
              z.object({
                warehouse: z.string(),
                location: z.string(),
                sellable: z.boolean(),
                external: z.boolean(),
                onHand: z.number().int(),
                allocated: z.number().int(),
                available: z.number().int(),
                claimed: z.number().int().meta({ description: 'Units of open claims routed to this location' }),
                ats: z.number().int().meta({ description: 'available - claimed here' }),
                observedAt: timestamp.nullable(),
              }),
            )
            .meta({ description: 'Stock by location (a plain SKU; none for a bundle)' }),
          unlocatedClaims: z.number().int().meta({ description: 'Open claims without a location, counted against every location' }),
          sources: z
            .array(z.object({ connectionId: z.string(), sources: z.array(z.string()), ownSources: z.boolean(), ats: z.number().int() }))
            .meta({ description: "Each listing channel's sources (warehouse/location, routing order) and its ATS over them" }),
          claims: z.array(
            z.object({ id: z.number().int(), orderId: z.number().int(), connectionId: z.string(), quantity: z.number().int(), state: z.string() }).loose(),
          ),
          externalOrders: z
            .array(
              z.object({
                orderId: z.number().int(),
                connectionId: z.string(),
                externalId: z.string(),
                quantity: z.number().int(),
                status: z.string(),
                placedAt: timestamp,
              }),
            )
            .meta({ description: 'Latest orders the platform ships from its own stock (Amazon FBA, AFN): recorded, claiming nothing' }),
          incidents: z.array(z.object({ id: z.number().int(), kind: z.string() }).loose()),
          ledger: pagedOf(ledgerEntrySchema),
        }),
      },
    },
    problems: [404],
    handler: async ({ params }) => {
      const [row, detail] = await Promise.all([skuRow(ctx.db, params.sku), skuDetail(ctx.db, params.sku)]);
      if (!row || !detail) throw notFound(`no SKU ${params.sku}`);
      const [claims, externalOrders, incidents, ledger, where] = await Promise.all([
        claimsOfSku(ctx.db, params.sku, 100),
        externalOrdersOfSku(ctx.db, params.sku, 20),
        listIncidents(ctx.db, { state: 'open', kind: null, sku: params.sku, beforeId: null, limit: 100 }),
        ledgerPage(ctx.db, params.sku, null, 21),
        skuLocations(
          ctx.db,
          params.sku,
          detail.components,
          row.listings.map((l) => l.connectionId),
        ),
      ]);
      return ok({
        ...row,
        components: detail.components,
        levels: detail.levels,
        locations: where.locations,
        unlocatedClaims: where.unlocatedClaims,
        sources: where.channels,
        claims,
        externalOrders,
        incidents,
        ledger: page(ledger, 20, (l) => ({ id: l.id })),
      });
    },
  });
  ctx.routes.add({
    method: 'GET',
    url: '/skus/:sku/ledger',
    tag,
    summary: "A SKU's ledger, newest first",
    params: skuParam,
    query: z.object(pageQuery),
    responses: { 200: { description: 'A page of ledger entries', schema: pagedOf(ledgerEntrySchema) } },
    handler: async ({ params, query }) => {
      return ok(
        await pageById(
          query,
          (beforeId, limit) => ledgerPage(ctx.db, params.sku, beforeId, limit),
          (l) => l.id,
        ),
      );
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/skus/:sku/adjustments',
    tag,
    summary: 'Adjust stock by hand, through the ledger',
    description:
      'A warehouse observation with source `manual` and the reason on its ledger entry: `delta` changes the count at the location, `available` sets it. ' +
      'warehouse and location may be left out when there is only one (location defaults to `main`). Targets are recomputed and pushed at once.',
    params: skuParam,
    body: z.strictObject({
      warehouse: z.string().min(1).max(63).optional(),
      location: z.string().min(1).max(255).optional(),
      delta: z
        .number({ error: 'must be a whole number' })
        .int('must be a whole number')
        .min(-1_000_000_000)
        .max(1_000_000_000)
        .refine((n) => n !== 0, 'must not be 0')
        .optional(),
      available: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(-1_000_000_000).max(1_000_000_000).optional(),
      reason: noteSchema,
    }),
    idempotency: 'required',
    responses: {
      201: {
        description: 'Recorded (outcome applied), or refused as a result: unknown_sku, stale (the warehouse reported a later level), duplicate',
        schema: z.object({ outcome: z.string(), warehouse: z.string(), location: z.string(), ledgerKey: z.string() }).loose(),
      },
    },
    problems: [404],
    handler: async ({ params, body, idempotencyKey }) => {
      if (!(await skuRow(ctx.db, params.sku))) throw notFound(`no SKU ${params.sku}`);
      const result = await adjustStock(ctx.db, { sku: params.sku, ...body, key: idempotencyKey! });
      ctx.log.info({ sku: params.sku, outcome: result.outcome, reason: body.reason }, 'manual stock adjustment');
      return ok(result, 201);
    },
  });
}
