// /orders (read-only here: orders come from shoppers) and /webhooks.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setListHeaders, wooError, type WooHttp } from './http.js';
import { applyList, orderJson, parseListQuery, wpDate, WooParamError } from './serialize.js';
import type { WooStore } from './store.js';
import { WOO_STATUSES, WOO_TOPICS, type WooTopic, type WooWebhook, type WooWebhooks } from './webhooks.js';

export interface WooOrderRouteDeps {
  store: WooStore;
  http: WooHttp;
  hooks: WooWebhooks;
  tzOffset: number;
}

export function webhookJson(h: WooWebhook, tzOffset: number): Record<string, unknown> {
  const [resource, event] = h.topic.split('.');
  return {
    id: h.id,
    name: h.name,
    status: h.status,
    topic: h.topic,
    resource,
    event,
    delivery_url: h.deliveryUrl,
    date_created: wpDate(h.created, tzOffset),
    date_created_gmt: wpDate(h.created),
  };
}

export function registerOrderRoutes(app: FastifyInstance, d: WooOrderRouteDeps): void {
  const { store, http, hooks, tzOffset } = d;
  const paramError = (reply: FastifyReply, e: unknown) => {
    if (e instanceof WooParamError) return wooError(reply, 400, 'rest_invalid_param', e.message, { params: { [e.param]: e.detail } });
    throw e;
  };

  app.get(
    '/orders',
    http.route('GET orders', async (request: FastifyRequest, reply: FastifyReply) => {
      const q = request.query as Record<string, string | undefined>;
      try {
        const lq = parseListQuery(q, tzOffset);
        const statuses = q.status && q.status !== 'any' ? new Set(q.status.split(',')) : undefined;
        const rows = [...store.orders.values()].filter((o) => !statuses || statuses.has(o.status));
        const { page, total, totalPages } = applyList(rows, lq);
        setListHeaders(reply, request, total, totalPages, lq.page);
        return page.map((o) => orderJson(o, tzOffset));
      } catch (e) {
        return paramError(reply, e);
      }
    }),
  );
  app.get(
    '/orders/:id',
    http.route('GET orders/{id}', async (request: FastifyRequest, reply: FastifyReply) => {
      const order = store.orders.get(Number((request.params as { id: string }).id));
      if (!order) return wooError(reply, 404, 'woocommerce_rest_shop_order_invalid_id', 'Invalid ID.');
      return orderJson(order, tzOffset);
    }),
  );

  app.get(
    '/webhooks',
    // WC_REST_Webhooks_Controller::get_items: paged (per_page 1-100, default 10), optional status filter
    http.route('GET webhooks', async (request: FastifyRequest, reply: FastifyReply) => {
      const q = request.query as Record<string, string | undefined>;
      try {
        const lq = parseListQuery({ ...q, orderby: q.orderby ?? 'id', order: q.order ?? 'asc' }, tzOffset);
        const rows = hooks.list().filter((h) => !q.status || q.status === 'all' || h.status === q.status);
        const { page, total, totalPages } = applyList(
          rows.map((h) => ({ ...h, modified: h.created })),
          lq,
        );
        setListHeaders(reply, request, total, totalPages, lq.page);
        return page.map((h) => webhookJson(h, tzOffset));
      } catch (e) {
        return paramError(reply, e);
      }
    }),
  );
  app.post(
    '/webhooks',
    http.route('POST webhooks', async (request: FastifyRequest, reply: FastifyReply) => {
      const b = (request.body ?? {}) as Record<string, unknown>;
      if (!WOO_TOPICS.includes(b.topic as WooTopic)) {
        return wooError(reply, 400, 'rest_invalid_param', 'Invalid parameter(s): topic', { params: { topic: 'Webhook topic unknown.' } });
      }
      if (typeof b.delivery_url !== 'string' || !/^https?:\/\//.test(b.delivery_url)) {
        return wooError(reply, 400, 'rest_invalid_param', 'Invalid parameter(s): delivery_url', {
          params: { delivery_url: 'Webhook delivery URL must be a valid URL starting with http:// or https://.' },
        });
      }
      const hook = hooks.create({
        topic: b.topic as WooTopic,
        deliveryUrl: b.delivery_url,
        secret: typeof b.secret === 'string' ? b.secret : undefined,
        name: typeof b.name === 'string' ? b.name : undefined,
        status: b.status === 'paused' ? 'paused' : 'active',
      });
      return reply.code(201).send(webhookJson(hook, tzOffset));
    }),
  );
  app.get(
    '/webhooks/:id',
    http.route('GET webhooks/{id}', async (request: FastifyRequest, reply: FastifyReply) => {
      const hook = hooks.get(Number((request.params as { id: string }).id));
      if (!hook) return wooError(reply, 404, 'woocommerce_rest_webhook_invalid_id', 'Invalid ID.');
      return webhookJson(hook, tzOffset);
    }),
  );
  // WP REST's EDITABLE routes take POST, PUT and PATCH alike.
  const updateWebhook = http.route('PUT webhooks/{id}', async (request: FastifyRequest, reply: FastifyReply) => {
    const hook = hooks.get(Number((request.params as { id: string }).id));
    if (!hook) return wooError(reply, 404, 'woocommerce_rest_webhook_invalid_id', 'Invalid ID.');
    const b = (request.body ?? {}) as Record<string, unknown>;
    if (b.status !== undefined && !WOO_STATUSES.includes(b.status as WooWebhook['status'])) {
      return wooError(reply, 400, 'rest_invalid_param', 'Invalid parameter(s): status', {
        params: { status: `status is not one of ${WOO_STATUSES.join(', ')}.` },
      });
    }
    if (b.delivery_url !== undefined && (typeof b.delivery_url !== 'string' || !/^https?:\/\//.test(b.delivery_url))) {
      return wooError(reply, 400, 'rest_invalid_param', 'Invalid parameter(s): delivery_url', {
        params: { delivery_url: 'Webhook delivery URL must be a valid URL starting with http:// or https://.' },
      });
    }
    hooks.update(hook.id, {
      ...(b.status !== undefined && { status: b.status as WooWebhook['status'] }),
      ...(typeof b.delivery_url === 'string' && { deliveryUrl: b.delivery_url }),
      ...(typeof b.name === 'string' && { name: b.name }),
      ...(typeof b.secret === 'string' && { secret: b.secret }),
    });
    return webhookJson(hook, tzOffset);
  });
  app.put('/webhooks/:id', updateWebhook);
  app.post('/webhooks/:id', updateWebhook);
  app.patch('/webhooks/:id', updateWebhook);
  app.delete(
    '/webhooks/:id',
    http.route('DELETE webhooks/{id}', async (request: FastifyRequest, reply: FastifyReply) => {
      // webhooks cannot be trashed: WooCommerce refuses a DELETE without force=true
      const force = (request.query as Record<string, string | undefined>).force;
      if (force !== 'true' && force !== '1') {
        return wooError(reply, 501, 'woocommerce_rest_trash_not_supported', 'Webhooks do not support trashing.');
      }
      const hook = hooks.get(Number((request.params as { id: string }).id));
      if (!hook) return wooError(reply, 404, 'woocommerce_rest_webhook_invalid_id', 'Invalid ID.');
      const rendered = webhookJson(hook, tzOffset);
      hooks.remove(hook.id);
      return rendered;
    }),
  );
}
