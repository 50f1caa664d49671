// Layer 1, synchronous half: POST /webhooks/:connectionId. Verify the platform's signature
// over the raw body, store the event durably (deduplicated on the platform's event id),
// answer 2xx at once; processing is asynchronous (engine/workers/inbox-processor.ts).
// Anything refused is counted and, within a bounded sample, kept in the quarantine with
// its reason (server/webhook-refusals.ts): never dropped silently, never stored unbounded.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ConnectorError } from '../connectors/errors.js';
import type { Connector, ParsedWebhook } from '../connectors/types.js';
import { parseWebhookWithinLimits } from '../connectors/webhook-limits.js';
import { touchActivity } from '../store/activity.js';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { createInboxWriter, type InboxWriteOutcome, type InboxWriterOptions } from '../store/inbox-writer.js';
import type { WebhookOutcome } from '../store/webhook-counts.js';
import { createWebhookRefusals, type WebhookRefusalOptions, type WebhookRefusals } from './webhook-refusals.js';
import { countWebhook } from '../metrics/counters.js';

export interface WebhookDeps {
  db: Db;
  log: Logger;
  connectors: ReadonlyMap<string, Connector>;
  /** Called after an event is stored, to wake the inbox processor. */
  onStored?: () => void;
  inboxWriter?: Omit<InboxWriterOptions, 'onStored'>;
  refusals?: WebhookRefusalOptions;
}

// The answers of the hot path, serialised once.
const JSON_TYPE = 'application/json; charset=utf-8';
const ANSWERS: Readonly<Record<InboxWriteOutcome, string>> = {
  stored: JSON.stringify({ ok: true, duplicate: false }),
  duplicate: JSON.stringify({ ok: true, duplicate: true }),
  // Kept in the quarantine; a 2xx, because redelivering the same bytes cannot help.
  conflict: JSON.stringify({ ok: true, duplicate: true, conflict: true }),
};
const PING = JSON.stringify({ ok: true, ping: true });

type Req = FastifyRequest<{ Params: { connectionId: string }; Querystring: Record<string, string | undefined> }>;

interface Refusal {
  status: number;
  outcome: WebhookOutcome;
  /** False when the URL names no configured connection: counted under '' whatever it said. */
  knownConnection: boolean;
  reason: string;
  body: Buffer | null;
}

export async function webhookRoutes(app: FastifyInstance, deps: WebhookDeps): Promise<void> {
  // Concurrent requests' events share one INSERT and one commit; each answer still waits for its own.
  const inbox = createInboxWriter(deps.db, { ...deps.inboxWriter, ...(deps.onStored && { onStored: deps.onStored }) });
  const refusals = createWebhookRefusals(deps.db, deps.log, deps.refusals);
  app.addHook('onClose', async () => refusals.close());

  const refuse = async (req: Req, reply: FastifyReply, r: Refusal): Promise<FastifyReply> => {
    const connectionId = (req.params as { connectionId?: string }).connectionId ?? null;
    countWebhook(r.knownConnection ? connectionId : null, r.outcome);
    // A refused body may not have been read (413): its declared length, clamped to what an integer column holds.
    const declared = Number(req.headers['content-length']);
    const bodyLength = r.body?.length ?? (Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, 2 ** 31 - 1) : 0);
    const fate = await refusals.refuse(req.ip, {
      countedUnder: r.knownConnection ? connectionId! : '',
      connectionId,
      outcome: r.outcome,
      reason: r.reason,
      headers: lowerHeaders(req.headers),
      body: r.body,
      bodyLength,
    });
    if (fate === 'rate_limited') {
      return reply
        .code(429)
        .header('retry-after', '60')
        .send({ error: `too many refused requests from this address (this one: ${r.reason.slice(0, 200)})` });
    }
    return reply.code(r.status).send({ error: r.reason });
  };

  // Signatures are computed over the exact bytes sent: never let a parser touch them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler(async (err: { code?: string; statusCode?: number; message: string }, req, reply) => {
    const tooLarge = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    const knownConnection = deps.connectors.has((req.params as { connectionId?: string }).connectionId ?? '');
    const reason = tooLarge ? 'body larger than the limit' : err.message;
    return refuse(req as Req, reply, { status: err.statusCode ?? 500, outcome: tooLarge ? 'too_large' : 'unreadable', knownConnection, reason, body: null });
  });

  app.post('/webhooks/:connectionId', async (req: Req, reply) => {
    const { connectionId } = req.params;
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const connector = deps.connectors.get(connectionId);
    if (!connector) {
      const reason = `unknown connection ${connectionId.slice(0, 100)}`;
      return refuse(req, reply, { status: 404, outcome: 'unknown_connection', knownConnection: false, reason, body: rawBody });
    }
    const input = { headers: lowerHeaders(req.headers), query: req.query ?? {}, rawBody };
    if (!connector.verifyWebhook(input)) {
      return refuse(req, reply, { status: 401, outcome: 'bad_signature', knownConnection: true, reason: 'signature missing or invalid', body: rawBody });
    }
    let parsed: ParsedWebhook;
    try {
      parsed = parseWebhookWithinLimits(connector, input);
    } catch (e) {
      const reason = e instanceof ConnectorError ? e.message : `unreadable: ${(e as Error).message}`;
      return refuse(req, reply, { status: 400, outcome: 'unreadable', knownConnection: true, reason, body: rawBody });
    }
    if (parsed.ping) {
      refusals.count({ countedUnder: connectionId, outcome: 'ping', bodyBytes: rawBody.length });
      countWebhook(connectionId, 'ping');
      return reply.code(200).type(JSON_TYPE).send(PING);
    }
    let outcome: InboxWriteOutcome;
    try {
      outcome = await inbox.write({ connectionId, eventId: parsed.eventId, topic: parsed.topic, headers: input.headers, body: rawBody });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'INPUT_INVALID') {
        return refuse(req, reply, { status: 400, outcome: 'unstorable', knownConnection: true, reason: e.message, body: rawBody });
      }
      // Not stored, so not acknowledged: the platform delivers it again.
      countWebhook(connectionId, 'not_stored');
      deps.log.error({ connection: connectionId, err: (e as Error).message }, 'webhook not stored');
      return reply.code(503).header('retry-after', '1').send({ error: 'the event could not be stored; retry' });
    }
    if (outcome === 'conflict') await keepConflict(deps, refusals, req, connectionId, parsed.eventId, rawBody);
    touchAtMostEverySecond(deps, connectionId);
    countWebhook(connectionId, outcome === 'conflict' ? 'conflicting_duplicate' : outcome);
    return reply.code(200).type(JSON_TYPE).send(ANSWERS[outcome]);
  });
}

/** A second body under a stored event id is kept (sampled, counted), never dropped unseen. */
async function keepConflict(deps: WebhookDeps, refusals: WebhookRefusals, req: Req, connectionId: string, eventId: string, body: Buffer): Promise<void> {
  deps.log.warn({ connection: connectionId, event: eventId }, 'a different body under an event id already stored');
  // Not a refusal of its source (the platform signed it): outside the per-source limit.
  await refusals.refuse(null, {
    countedUnder: connectionId,
    connectionId,
    outcome: 'conflicting_duplicate',
    reason: `conflicting duplicate: event id ${eventId} was already stored with a different body; this one was not processed`,
    headers: lowerHeaders(req.headers),
    body,
    bodyLength: body.length,
  });
}

// "Last webhook" is for people reading `status`: a write per request halved the
// throughput of this route (bench/results/ingress.md), once a second per connection does.
const lastTouched = new Map<string, number>();
function touchAtMostEverySecond(deps: WebhookDeps, connectionId: string): void {
  const now = Date.now();
  if (now - (lastTouched.get(connectionId) ?? 0) < 1000) return;
  lastTouched.set(connectionId, now);
  touchActivity(deps.db, connectionId, 'webhook').catch((e: unknown) => deps.log.warn({ err: (e as Error).message }, 'could not record webhook activity'));
}

function lowerHeaders(h: FastifyRequest['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
