// Layer 1, synchronous half: POST /webhooks/:connectionId. Verify the platform's signature
// over the raw body, store the event durably (deduplicated on the platform's event id),
// answer 2xx at once; processing is asynchronous (engine/workers/inbox-processor.ts).
// Anything refused is kept in the quarantine with its reason, never dropped silently.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ConnectorError } from '../connectors/errors.js';
import type { Connector } from '../connectors/types.js';
import { touchActivity } from '../store/activity.js';
import type { Db } from '../store/db.js';
import { StoreError } from '../store/errors.js';
import { insertQuarantine } from '../store/inbox.js';
import { createInboxWriter, type InboxWriterOptions } from '../store/inbox-writer.js';

export interface WebhookDeps {
  db: Db;
  log: Logger;
  connectors: ReadonlyMap<string, Connector>;
  /** Called after an event is stored, to wake the inbox processor. */
  onStored?: () => void;
  inboxWriter?: Omit<InboxWriterOptions, 'onStored'>;
}

// The two answers of the hot path, serialised once.
const JSON_TYPE = 'application/json; charset=utf-8';
const STORED = JSON.stringify({ ok: true, duplicate: false });
const DUPLICATE = JSON.stringify({ ok: true, duplicate: true });

type Req = FastifyRequest<{ Params: { connectionId: string }; Querystring: Record<string, string | undefined> }>;

export async function webhookRoutes(app: FastifyInstance, deps: WebhookDeps): Promise<void> {
  // Concurrent requests' events share one INSERT and one commit; each answer still waits for its own.
  const inbox = createInboxWriter(deps.db, { ...deps.inboxWriter, ...(deps.onStored && { onStored: deps.onStored }) });
  // Signatures are computed over the exact bytes sent: never let a parser touch them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler(async (err: { code?: string; statusCode?: number; message: string }, req, reply) => {
    const connectionId = (req.params as { connectionId?: string }).connectionId ?? null;
    const reason = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'body larger than the limit' : err.message;
    await quarantine(deps, req as Req, connectionId, reason, null);
    return reply.code(err.statusCode ?? 500).send({ error: reason });
  });

  app.post('/webhooks/:connectionId', async (req: Req, reply) => {
    const { connectionId } = req.params;
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const connector = deps.connectors.get(connectionId);
    if (!connector) {
      await quarantine(deps, req, connectionId, 'unknown connection', rawBody);
      return reply.code(404).send({ error: `unknown connection ${connectionId}` });
    }
    const input = { headers: lowerHeaders(req.headers), query: req.query ?? {}, rawBody };
    if (!connector.verifyWebhook(input)) {
      await quarantine(deps, req, connectionId, 'signature missing or invalid', rawBody);
      return reply.code(401).send({ error: 'signature missing or invalid' });
    }
    let parsed;
    try {
      parsed = connector.parseWebhook(input);
    } catch (e) {
      const reason = e instanceof ConnectorError ? e.message : `unreadable: ${(e as Error).message}`;
      await quarantine(deps, req, connectionId, reason, rawBody);
      return reply.code(400).send({ error: reason });
    }
    let stored: boolean;
    try {
      stored = await inbox.write({ connectionId, eventId: parsed.eventId, topic: parsed.topic, headers: input.headers, body: rawBody });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'INPUT_INVALID') {
        await quarantine(deps, req, connectionId, e.message, rawBody);
        return reply.code(400).send({ error: e.message });
      }
      // Not stored, so not acknowledged: the platform delivers it again.
      deps.log.error({ connection: connectionId, err: (e as Error).message }, 'webhook not stored');
      return reply.code(503).header('retry-after', '1').send({ error: 'the event could not be stored; retry' });
    }
    touchAtMostEverySecond(deps, connectionId);
    return reply
      .code(200)
      .type(JSON_TYPE)
      .send(stored ? STORED : DUPLICATE);
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

async function quarantine(deps: WebhookDeps, req: Req, connectionId: string | null, reason: string, body: Buffer | null): Promise<void> {
  try {
    await insertQuarantine(deps.db, { source: 'webhook', connectionId, reason, headers: lowerHeaders(req.headers), body });
  } catch (e) {
    deps.log.error({ err: (e as Error).message, reason }, 'could not quarantine a refused webhook');
  }
  deps.log.warn({ connection: connectionId, reason }, 'webhook refused and quarantined');
}
