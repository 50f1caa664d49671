// Orders API v0: getOrders (CreatedAfter xor LastUpdatedAfter, MaxResultsPerPage <= 100,
// NextToken), getOrder and getOrderItems.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { amzError, type AmazonHttp } from './http.js';
import type { AmazonOrder, AmazonStore } from './store.js';

export interface OrderRouteDeps {
  store: AmazonStore;
  http: AmazonHttp;
}

interface OrdersQuery {
  field: 'created' | 'updated';
  after: number;
  /** Upper bound fixed at the first page, so that NextToken pages are a stable sequence. */
  before: number;
  statuses?: string[];
  perPage: number;
  offset: number;
}

export function encodeToken(q: OrdersQuery): string {
  return Buffer.from(JSON.stringify(q)).toString('base64');
}

function decodeToken(token: string): OrdersQuery | undefined {
  try {
    const q = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as OrdersQuery;
    return typeof q.after === 'number' && typeof q.offset === 'number' ? q : undefined;
  } catch {
    return undefined;
  }
}

export function orderJson(o: AmazonOrder, marketplaceId: string): Record<string, unknown> {
  const units = o.items.reduce((n, i) => n + i.quantity, 0);
  const shipped = o.status === 'Shipped' ? units : 0;
  return {
    AmazonOrderId: o.id,
    PurchaseDate: o.purchased.toISOString(),
    LastUpdateDate: o.lastUpdated.toISOString(),
    OrderStatus: o.status,
    FulfillmentChannel: o.fulfillment,
    SalesChannel: 'Amazon.com',
    OrderType: 'StandardOrder',
    NumberOfItemsShipped: shipped,
    NumberOfItemsUnshipped: o.status === 'Canceled' ? 0 : units - shipped,
    MarketplaceId: marketplaceId,
    IsPrime: false,
    IsBusinessOrder: false,
  };
}

function parseDate(raw: string | undefined): number | undefined | 'bad' {
  if (raw === undefined || raw === '') return undefined;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? 'bad' : t;
}

/** Validates getOrders' query into a first-page OrdersQuery, or writes the 400. */
function firstPage(q: Record<string, string | undefined>, reply: FastifyReply, now: number): OrdersQuery | undefined {
  const created = parseDate(q.CreatedAfter);
  const updated = parseDate(q.LastUpdatedAfter);
  const createdBefore = parseDate(q.CreatedBefore);
  const updatedBefore = parseDate(q.LastUpdatedBefore);
  const bad = (m: string) => void amzError(reply, 400, 'InvalidInput', m);
  if ([created, updated, createdBefore, updatedBefore].includes('bad')) return bad('Dates must be in ISO 8601 format.');
  if (created !== undefined && updated !== undefined) return bad('CreatedAfter and LastUpdatedAfter cannot both be specified.');
  if (created === undefined && updated === undefined) return bad('Either CreatedAfter or LastUpdatedAfter must be specified.');
  if (created !== undefined && updatedBefore !== undefined) return bad('LastUpdatedBefore cannot be specified with CreatedAfter.');
  if (updated !== undefined && createdBefore !== undefined) return bad('CreatedBefore cannot be specified with LastUpdatedAfter.');
  const perPage = q.MaxResultsPerPage === undefined ? 100 : Number(q.MaxResultsPerPage);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) return bad('MaxResultsPerPage must be between 1 and 100.');
  const field = created !== undefined ? 'created' : 'updated';
  const before = (field === 'created' ? createdBefore : updatedBefore) as number | undefined;
  return {
    field,
    after: (created ?? updated) as number,
    before: before ?? now,
    ...(q.OrderStatuses && { statuses: q.OrderStatuses.split(',') }),
    perPage,
    offset: 0,
  };
}

export function registerOrderRoutes(app: FastifyInstance, d: OrderRouteDeps): void {
  const { store, http } = d;
  const market = (q: Record<string, string | undefined>, reply: FastifyReply): boolean => {
    if (!q.MarketplaceIds) {
      amzError(reply, 400, 'InvalidInput', 'MarketplaceIds is required.');
      return false;
    }
    return true;
  };

  app.get(
    '/orders/v0/orders',
    http.route('getOrders', async (request, reply) => {
      const q = request.query as Record<string, string | undefined>;
      if (!market(q, reply)) return reply;
      let query: OrdersQuery | undefined;
      if (q.NextToken) {
        query = decodeToken(q.NextToken);
        if (!query) return amzError(reply, 400, 'InvalidInput', 'Invalid NextToken.');
      } else {
        query = firstPage(q, reply, store.now().getTime());
        if (!query) return reply;
      }
      const key = (o: AmazonOrder) => (query.field === 'created' ? o.purchased : o.lastUpdated).getTime();
      const visible = performance.now();
      const rows = [...store.orders.values()]
        .filter((o) => o.visibleAt <= visible && key(o) >= query.after && key(o) <= query.before)
        .filter((o) => !query.statuses || query.statuses.includes(o.status))
        .sort((a, b) => key(a) - key(b) || a.id.localeCompare(b.id));
      const page = rows.slice(query.offset, query.offset + query.perPage);
      const more = query.offset + query.perPage < rows.length;
      const bound = new Date(query.before).toISOString();
      return {
        payload: {
          Orders: page.map((o) => orderJson(o, store.marketplaceId)),
          ...(more && { NextToken: encodeToken({ ...query, offset: query.offset + query.perPage }) }),
          ...(query.field === 'created' ? { CreatedBefore: bound } : { LastUpdatedBefore: bound }),
        },
      };
    }),
  );

  const find = (request: { params: unknown }, reply: FastifyReply): AmazonOrder | undefined => {
    const { orderId } = request.params as { orderId: string };
    const order = store.orders.get(orderId);
    if (!order || order.visibleAt > performance.now()) {
      amzError(reply, 404, 'NotFound', `Order ${orderId} was not found.`);
      return undefined;
    }
    return order;
  };

  app.get(
    '/orders/v0/orders/:orderId',
    http.route('getOrder', async (request, reply) => {
      const order = find(request, reply);
      return order ? { payload: orderJson(order, store.marketplaceId) } : reply;
    }),
  );

  app.get(
    '/orders/v0/orders/:orderId/orderItems',
    http.route('getOrderItems', async (request, reply) => {
      const order = find(request, reply);
      if (!order) return reply;
      return {
        payload: {
          AmazonOrderId: order.id,
          OrderItems: order.items.map((i) => ({
            ASIN: i.asin,
            SellerSKU: i.sku,
            OrderItemId: i.orderItemId,
            Title: i.title,
            QuantityOrdered: i.quantity,
            QuantityShipped: order.status === 'Shipped' ? i.quantity : 0,
          })),
        },
      };
    }),
  );
}
