// /products and /products/{id}/variations, single and batch, as WooCommerce REST v3.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setListHeaders, wooError, type WooHttp } from './http.js';
import { applyList, itemJson, parseListQuery, WooParamError } from './serialize.js';
import { addProduct, addVariation, deleteItem, updateItem, type StockPatch, type StockStatus, type WooItem, type WooStore } from './store.js';

/** woocommerce_rest_batch_items_limit default. */
export const WOO_BATCH_LIMIT = 100;

export interface WooRouteDeps {
  store: WooStore;
  http: WooHttp;
  tzOffset: number;
  /** Absolute base of /wp-json/wc/v3, for _links. */
  base: () => string;
}

type Params = { id?: string; vid?: string };
type Body = Record<string, unknown>;

class ItemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 1) return true;
  if (v === 'false' || v === '0' || v === 0) return false;
  return undefined;
}

function invalid(param: string, detail: string): ItemError {
  return new ItemError(400, 'rest_invalid_param', `Invalid parameter(s): ${param}`, { params: { [param]: detail } });
}

/** Validates the stock-related fields of a request body as the REST schema would. */
export function parsePatch(body: Body): StockPatch {
  const patch: StockPatch = {};
  if (body.stock_quantity !== undefined) {
    const n = toInt(body.stock_quantity);
    if (n === undefined) throw invalid('stock_quantity', 'stock_quantity is not of type integer.');
    patch.stockQuantity = n;
  }
  if (body.manage_stock !== undefined) {
    const b = toBool(body.manage_stock);
    if (b === undefined) throw invalid('manage_stock', 'manage_stock is not of type boolean.');
    patch.manageStock = b;
  }
  if (body.stock_status !== undefined) {
    if (!['instock', 'outofstock', 'onbackorder'].includes(body.stock_status as string)) {
      throw invalid('stock_status', 'stock_status is not one of instock, outofstock, and onbackorder.');
    }
    patch.stockStatus = body.stock_status as StockStatus;
  }
  if (typeof body.name === 'string') patch.name = body.name;
  if (typeof body.sku === 'string') patch.sku = body.sku;
  if (typeof body.global_unique_id === 'string') patch.globalUniqueId = body.global_unique_id;
  return patch;
}

export function registerProductRoutes(app: FastifyInstance, d: WooRouteDeps): void {
  const { store, http } = d;
  const json = (item: WooItem): Record<string, unknown> => itemJson(item, store, d.tzOffset, d.base());

  const product = (id: unknown): WooItem => {
    const item = store.items.get(Number(id));
    if (!item || item.type === 'variation') throw new ItemError(404, 'woocommerce_rest_product_invalid_id', 'Invalid ID.');
    return item;
  };
  const variation = (parentId: unknown, id: unknown): WooItem => {
    const item = store.items.get(Number(id));
    if (!item || item.type !== 'variation' || item.parentId !== Number(parentId)) {
      throw new ItemError(404, 'woocommerce_rest_product_variation_invalid_id', 'Invalid ID.');
    }
    return item;
  };

  const create = (body: Body, parentId?: number): WooItem => {
    const patch = parsePatch(body);
    const sku = patch.sku ?? '';
    if (sku && store.bySku.has(sku)) throw new ItemError(400, 'product_invalid_sku', 'Invalid or duplicated SKU.');
    const input = { sku, name: patch.name, manageStock: patch.manageStock, stockQuantity: patch.stockQuantity, globalUniqueId: patch.globalUniqueId };
    if (parentId !== undefined) {
      if (store.items.get(parentId)?.type !== 'variable')
        throw new ItemError(400, 'woocommerce_rest_invalid_product_id', 'Variations can only be added to variable products.');
      return addVariation(store, parentId, input);
    }
    return addProduct(store, { ...input, type: body.type === 'variable' ? 'variable' : 'simple' });
  };

  const update = (item: WooItem, body: Body): WooItem => {
    const patch = parsePatch(body);
    if (patch.sku && patch.sku !== item.sku && store.bySku.has(patch.sku)) {
      throw new ItemError(400, 'product_invalid_sku', 'Invalid or duplicated SKU.');
    }
    return updateItem(store, item, patch);
  };

  const fail = (reply: FastifyReply, e: unknown): FastifyReply => {
    if (e instanceof ItemError) return wooError(reply, e.status, e.code, e.message, e.extra);
    if (e instanceof WooParamError) return wooError(reply, 400, 'rest_invalid_param', e.message, { params: { [e.param]: e.detail } });
    throw e;
  };

  const list = (rows: WooItem[], request: FastifyRequest, reply: FastifyReply) => {
    const q = request.query as Record<string, string | undefined>;
    const lq = parseListQuery(q, d.tzOffset);
    const skus = q.sku ? new Set(q.sku.split(',').map((s) => s.trim())) : undefined;
    const include = q.include ? new Set(q.include.split(',').map(Number)) : undefined;
    const filtered = rows.filter((r) => (!skus || skus.has(r.sku)) && (!include || include.has(r.id)));
    const { page, total, totalPages } = applyList(filtered, lq);
    setListHeaders(reply, request, total, totalPages, lq.page);
    return page.map(json);
  };

  /** WC_REST_Controller::batch_items: a limit on the total, then per-item results. */
  const batch = (body: Body, reply: FastifyReply, parentId?: number) => {
    const ops = { create: body.create ?? [], update: body.update ?? [], delete: body.delete ?? [] };
    if (!Array.isArray(ops.create) || !Array.isArray(ops.update) || !Array.isArray(ops.delete)) {
      return wooError(reply, 400, 'rest_invalid_param', 'Invalid parameter(s): create, update, delete');
    }
    const total = ops.create.length + ops.update.length + ops.delete.length;
    if (total > WOO_BATCH_LIMIT) {
      return wooError(reply, 413, 'woocommerce_rest_request_entity_too_large', `Unable to accept more than ${WOO_BATCH_LIMIT} items for this request.`);
    }
    const itemError = (id: number, e: unknown) => {
      if (!(e instanceof ItemError)) throw e;
      return { id, error: { code: e.code, message: e.message, data: { status: e.status, ...e.extra } } };
    };
    const find = (id: unknown): WooItem => (parentId === undefined ? product(id) : variation(parentId, id));
    const out = { create: [] as unknown[], update: [] as unknown[], delete: [] as unknown[] };
    for (const b of ops.create as Body[]) {
      try {
        out.create.push(json(create(b ?? {}, parentId)));
      } catch (e) {
        out.create.push(itemError(0, e));
      }
    }
    for (const b of ops.update as Body[]) {
      const id = toInt(b?.id) ?? 0;
      try {
        out.update.push(json(update(find(id), b)));
      } catch (e) {
        out.update.push(itemError(id, e));
      }
    }
    for (const raw of ops.delete as unknown[]) {
      const id = toInt(raw) ?? 0;
      try {
        const item = find(id);
        const rendered = json(item);
        deleteItem(store, item);
        out.delete.push(rendered);
      } catch (e) {
        out.delete.push(itemError(id, e));
      }
    }
    return out;
  };

  const guard =
    (fn: (req: FastifyRequest<{ Params: Params; Body: Body }>, reply: FastifyReply) => unknown) => async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        return await fn(request as FastifyRequest<{ Params: Params; Body: Body }>, reply);
      } catch (e) {
        return fail(reply, e);
      }
    };

  const topLevel = () => [...store.items.values()].filter((i) => i.type !== 'variation');
  app.get(
    '/products',
    http.route(
      'GET products',
      guard((req, reply) => list(topLevel(), req, reply)),
    ),
  );
  app.post(
    '/products',
    http.route(
      'POST products',
      guard((req, reply) => reply.code(201).send(json(create(req.body ?? {})))),
    ),
  );
  app.post(
    '/products/batch',
    http.route(
      'POST products/batch',
      guard((req, reply) => batch(req.body ?? {}, reply)),
    ),
  );
  app.get(
    '/products/:id',
    http.route(
      'GET products/{id}',
      guard((req) => json(product(req.params.id))),
    ),
  );
  const put = guard((req) => json(update(product(req.params.id), req.body ?? {})));
  for (const m of ['PUT', 'POST', 'PATCH'] as const) app.route({ method: m, url: '/products/:id', handler: http.route(`${m} products/{id}`, put) });
  app.delete(
    '/products/:id',
    http.route(
      'DELETE products/{id}',
      guard((req) => {
        const item = product(req.params.id);
        const rendered = json(item);
        deleteItem(store, item);
        return rendered;
      }),
    ),
  );

  const variationsOf = (parentId: string | undefined) =>
    product(parentId)
      .variationIds.map((id) => store.items.get(id))
      .filter((i): i is WooItem => !!i);
  app.get(
    '/products/:id/variations',
    http.route(
      'GET variations',
      guard((req, reply) => list(variationsOf(req.params.id), req, reply)),
    ),
  );
  app.post(
    '/products/:id/variations/batch',
    http.route(
      'POST variations/batch',
      guard((req, reply) => batch(req.body ?? {}, reply, product(req.params.id).id)),
    ),
  );
  app.post(
    '/products/:id/variations',
    http.route(
      'POST variations',
      guard((req, reply) => reply.code(201).send(json(create(req.body ?? {}, product(req.params.id).id)))),
    ),
  );
  app.get(
    '/products/:id/variations/:vid',
    http.route(
      'GET variations/{id}',
      guard((req) => json(variation(req.params.id, req.params.vid))),
    ),
  );
  const putV = guard((req) => json(update(variation(req.params.id, req.params.vid), req.body ?? {})));
  for (const m of ['PUT', 'POST', 'PATCH'] as const)
    app.route({ method: m, url: '/products/:id/variations/:vid', handler: http.route(`${m} variations/{id}`, putV) });
}
