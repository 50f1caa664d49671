// /quarantine: what was set aside with a reason, and the way back. Refused records (webhooks
// refused at the door, rows refused by a poll, a push or a reconciliation) are listed, and a
// refused webhook can be replayed into the inbox; inbox events that failed processing can be
// retried; quarantined listings can be released (pushed again at their target).
import * as z from 'zod';
import { ConnectorError } from '../../connectors/errors.js';
import {
  listQuarantinedInboxEvents,
  listQuarantinedListings,
  listQuarantineRecords,
  quarantineRecord,
  replayIntoInbox,
  requeueInboxEvent,
} from '../../store/quarantine.js';
import { releaseQuarantinedListings } from '../../store/dispatch.js';
import type { AdminContext } from './context.js';
import { conflict, notFound } from './problem.js';
import { ok } from './route.js';
import { connectionIdSchema, idParam, pageById, pagedOf, pageQuery, skuCodeSchema, timestamp } from './schemas.js';

const recordSchema = z.object({
  id: z.number().int(),
  source: z.string().meta({ description: 'webhook | poll | push | reconcile' }),
  connectionId: z.string().nullable(),
  reason: z.string(),
  headers: z.record(z.string(), z.unknown()),
  body: z.string().nullable().meta({ description: 'The refused body as UTF-8 text' }),
  bodyBytes: z.number().int(),
  createdAt: timestamp,
  replayedAt: timestamp.nullable(),
  replayedInboxId: z.number().int().nullable(),
});
const inboxEventSchema = z.object({
  id: z.number().int(),
  connectionId: z.string(),
  eventId: z.string(),
  topic: z.string(),
  reason: z.string().nullable(),
  attempts: z.number().int(),
  receivedAt: timestamp,
});
const listingSchema = z.object({
  listingId: z.number().int(),
  connectionId: z.string(),
  sku: z.string(),
  target: z.number().int(),
  shown: z.number().int().nullable(),
  reason: z.string(),
  quarantinedAt: timestamp.nullable(),
});
const byConnection = z.object({ connectionId: connectionIdSchema.optional(), ...pageQuery });

export function quarantineRoutes(ctx: AdminContext): void {
  const tag = 'quarantine';
  ctx.routes.add({
    method: 'GET',
    url: '/quarantine/records',
    tag,
    summary: 'Refused records, newest first',
    query: byConnection.extend({ source: z.enum(['webhook', 'poll', 'push', 'reconcile']).optional() }),
    responses: { 200: { description: 'A page of records', schema: pagedOf(recordSchema) } },
    handler: async ({ query }) => {
      const filter = { source: query.source ?? null, connectionId: query.connectionId ?? null };
      return ok(
        await pageById(
          query,
          (beforeId, limit) => listQuarantineRecords(ctx.db, { ...filter, beforeId, limit }),
          (r) => r.id,
        ),
      );
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/quarantine/records/:id/replay',
    tag,
    summary: 'Replay a refused webhook into the inbox',
    description:
      "The stored body is parsed again by its connection's connector and stored in the inbox as the event it names, then processed as any webhook. " +
      'Its signature is checked again over the stored headers and body; `skipSignatureCheck: true` replays one whose signature does not verify (the operator vouches for it).',
    params: idParam,
    body: z.strictObject({ skipSignatureCheck: z.boolean().default(false) }).default({ skipSignatureCheck: false }),
    idempotency: 'required',
    responses: {
      201: {
        description: 'Stored in the inbox',
        schema: z.object({ quarantineId: z.number().int(), inboxId: z.number().int(), eventId: z.string(), topic: z.string() }),
      },
    },
    problems: [404, 409],
    handler: async ({ params, body }) => {
      const r = await quarantineRecord(ctx.db, params.id);
      if (!r) throw notFound(`no quarantined record ${params.id}`);
      if (r.source !== 'webhook') throw conflict('NOT_A_WEBHOOK', `record ${r.id} was refused by a ${r.source}; only webhooks can be replayed`);
      if (r.replayedAt) throw conflict('ALREADY_REPLAYED', `record ${r.id} was replayed at ${r.replayedAt.toISOString()}`);
      const connector = r.connectionId === null ? undefined : ctx.connectors.get(r.connectionId);
      if (!connector || r.connectionId === null)
        throw conflict('UNKNOWN_CONNECTION', `record ${r.id} names no configured connection (${r.connectionId ?? 'none'})`);
      if (r.body === null) throw conflict('NO_BODY', `record ${r.id} kept no body`);
      const input = { headers: r.headers, query: {}, rawBody: r.body };
      if (!body.skipSignatureCheck && !connector.verifyWebhook(input)) {
        throw conflict('SIGNATURE_INVALID', `the stored signature of record ${r.id} does not verify; send skipSignatureCheck: true to replay it anyway`);
      }
      let parsed;
      try {
        parsed = connector.parseWebhook(input);
      } catch (e) {
        throw conflict('STILL_UNREADABLE', `record ${r.id} is still refused: ${e instanceof ConnectorError ? e.message : (e as Error).message}`);
      }
      const inboxId = await replayIntoInbox(ctx.db, {
        quarantineId: r.id,
        connectionId: r.connectionId,
        eventId: parsed.eventId,
        topic: parsed.topic,
        headers: r.headers,
        body: r.body,
      });
      if (inboxId === null) throw conflict('ALREADY_IN_INBOX', `event ${parsed.eventId} of ${r.connectionId} is already in the inbox`);
      ctx.wakeInbox();
      ctx.log.info({ connection: r.connectionId, quarantineId: r.id, inboxId }, 'refused webhook replayed through the admin API');
      return ok({ quarantineId: r.id, inboxId, eventId: parsed.eventId, topic: parsed.topic }, 201);
    },
  });
  ctx.routes.add({
    method: 'GET',
    url: '/quarantine/inbox',
    tag,
    summary: 'Inbox events whose processing failed, newest first',
    query: byConnection,
    responses: { 200: { description: 'A page of events', schema: pagedOf(inboxEventSchema) } },
    handler: async ({ query }) => {
      const connectionId = query.connectionId ?? null;
      return ok(
        await pageById(
          query,
          (beforeId, limit) => listQuarantinedInboxEvents(ctx.db, { connectionId, beforeId, limit }),
          (r) => r.id,
        ),
      );
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/quarantine/inbox/:id/retry',
    tag,
    summary: 'Process a quarantined inbox event again',
    params: idParam,
    idempotency: 'optional',
    responses: { 202: { description: 'Back in the queue', schema: z.object({ inboxId: z.number().int(), requeued: z.literal(true) }) } },
    problems: [404],
    handler: async ({ params }) => {
      if (!(await requeueInboxEvent(ctx.db, params.id))) throw notFound(`no quarantined inbox event ${params.id}`);
      ctx.wakeInbox();
      return ok({ inboxId: params.id, requeued: true }, 202);
    },
  });
  ctx.routes.add({
    method: 'GET',
    url: '/quarantine/listings',
    tag,
    summary: 'Listings a permanent push error took out of dispatch',
    query: byConnection,
    responses: { 200: { description: 'A page of listings', schema: pagedOf(listingSchema) } },
    handler: async ({ query }) => {
      const connectionId = query.connectionId ?? null;
      return ok(
        await pageById(
          query,
          (afterId, limit) => listQuarantinedListings(ctx.db, { connectionId, afterId, limit }),
          (r) => r.listingId,
        ),
      );
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/quarantine/listings/:id/release',
    tag,
    summary: 'Release a quarantined listing: pushed again at its target',
    params: idParam,
    idempotency: 'optional',
    responses: { 202: { description: 'Released; its dispatcher was woken', schema: z.object({ listingId: z.number().int(), released: z.literal(true) }) } },
    problems: [404],
    handler: async ({ params }) => {
      // The same release as `stocksync release` (one statement, pushed again at its target).
      const [released] = await releaseQuarantinedListings(ctx.db, { listingId: params.id });
      if (!released) throw notFound(`no quarantined listing ${params.id}`);
      ctx.log.info({ listing: params.id, connection: released.connectionId, sku: released.sku }, 'quarantined listing released through the admin API');
      return ok({ listingId: params.id, released: true }, 202);
    },
  });
  ctx.routes.add({
    method: 'POST',
    url: '/quarantine/listings/release',
    tag,
    summary: 'Release quarantined listings in bulk: of a connection, of a SKU, both, or all',
    body: z
      .strictObject({ connectionId: connectionIdSchema.optional(), sku: skuCodeSchema.optional(), all: z.literal(true).optional() })
      .refine((b) => b.connectionId !== undefined || b.sku !== undefined || b.all === true, { message: 'say which: connectionId, sku, or all: true' }),
    idempotency: 'optional',
    responses: {
      200: {
        description: 'What was released (each pushed again at its target)',
        schema: z.object({ released: z.array(z.object({ id: z.number().int(), connectionId: z.string(), sku: z.string(), reason: z.string() })) }),
      },
    },
    handler: async ({ body }) => {
      const released = await releaseQuarantinedListings(ctx.db, {
        ...(body.connectionId && { connectionId: body.connectionId }),
        ...(body.sku && { sku: body.sku }),
      });
      ctx.log.info({ released: released.length, connection: body.connectionId, sku: body.sku }, 'quarantined listings released through the admin API');
      return ok({ released });
    },
  });
}
