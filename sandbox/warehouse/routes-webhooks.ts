// ShipBob's webhook subscription API (2026-01): POST /webhook {topics, url, secret?,
// description?} answers the subscription with its secret; GET /webhook pages
// {items, next, prev} (Cursor, RecordsPerPage) and never shows secrets; DELETE /webhook/{id}.
import type { FastifyInstance } from 'fastify';
import { notFound, validation } from './http.js';
import { cursorPage } from './paging.js';
import { API_VERSION, type Body, type WarehouseRouteDeps } from './route-deps.js';
import { isTopic, SHIPBOB_TOPICS, validSecret, type Subscription } from './webhooks.js';

const V = `/${API_VERSION}`;

const listed = ({ secret: _secret, ...rest }: Subscription) => rest;

export function registerWebhookRoutes(app: FastifyInstance, d: WarehouseRouteDeps): void {
  const { http, hooks } = d;
  app.get(
    `${V}/webhook`,
    http.route('GET webhook', async (request, reply) => {
      const page = cursorPage(request, reply, hooks.list().map(listed), { sizeParam: 'RecordsPerPage', defaultSize: 50, max: 250 });
      return page ? { items: page.items, next: page.next, prev: page.prev } : reply;
    }),
  );
  app.post(
    `${V}/webhook`,
    http.route('POST webhook', async (request, reply) => {
      const b = (request.body ?? {}) as Body;
      const topics = b.topics;
      if (!Array.isArray(topics) || topics.length === 0 || !topics.every(isTopic)) {
        return validation(reply, 422, { topics: [`One or more known topics are required: ${SHIPBOB_TOPICS.join(', ')}.`] });
      }
      // ShipBob requires HTTPS; the sandbox also takes http (its receivers are on loopback).
      if (typeof b.url !== 'string' || !/^https?:\/\/[^\s]+$/.test(b.url)) return validation(reply, 422, { url: ['A valid URL is required.'] });
      if (b.secret !== undefined && b.secret !== null && (typeof b.secret !== 'string' || !validSecret(b.secret))) {
        return validation(reply, 422, { secret: ['The secret must be "whsec_" followed by the base64 of 24 to 64 bytes.'] });
      }
      const description = typeof b.description === 'string' ? b.description : null;
      const s = hooks.subscribe(topics, b.url, typeof b.secret === 'string' ? b.secret : undefined, description);
      const { enabled: _enabled, ...created } = s;
      return created;
    }),
  );
  app.delete(
    `${V}/webhook/:id`,
    http.route('DELETE webhook/{id}', async (request, reply) => {
      const ok = hooks.remove((request.params as { id: string }).id);
      return ok ? reply.code(204).send() : notFound(reply, 'Webhook subscription not found.');
    }),
  );
}
