// The JSON WooCommerce REST v3 returns, and the list query rules (paging, modified_after).
import type { WooItem, WooOrder, WooStore } from './store.js';

/** WordPress renders dates without a zone: `date_x` in site time, `date_x_gmt` in UTC. */
export function wpDate(d: Date, offsetMinutes = 0): string {
  return new Date(d.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
}

export function itemJson(item: WooItem, store: WooStore, tzOffset: number, base: string): Record<string, unknown> {
  const common = {
    id: item.id,
    name: item.name,
    sku: item.sku,
    global_unique_id: item.globalUniqueId,
    date_created: wpDate(item.created, tzOffset),
    date_created_gmt: wpDate(item.created),
    date_modified: wpDate(item.modified, tzOffset),
    date_modified_gmt: wpDate(item.modified),
    manage_stock: item.manageStock,
    stock_quantity: item.stockQuantity,
    stock_status: item.stockStatus,
    backorders: 'no',
    backorders_allowed: false,
    backordered: false,
  };
  if (item.type === 'variation') {
    return {
      ...common,
      parent_id: item.parentId,
      status: 'publish',
      _links: { self: [{ href: `${base}/products/${item.parentId}/variations/${item.id}` }], up: [{ href: `${base}/products/${item.parentId}` }] },
    };
  }
  const variations = item.variationIds.filter((id) => store.items.has(id));
  return {
    ...common,
    type: item.type,
    status: 'publish',
    parent_id: 0,
    in_stock: item.stockStatus !== 'outofstock',
    variations,
    _links: { self: [{ href: `${base}/products/${item.id}` }], collection: [{ href: `${base}/products` }] },
  };
}

export function orderJson(order: WooOrder, tzOffset: number): Record<string, unknown> {
  return {
    id: order.id,
    status: order.status,
    currency: 'USD',
    date_created: wpDate(order.created, tzOffset),
    date_created_gmt: wpDate(order.created),
    date_modified: wpDate(order.modified, tzOffset),
    date_modified_gmt: wpDate(order.modified),
    line_items: order.lines.map((l) => ({
      id: l.id,
      product_id: l.productId,
      variation_id: l.variationId,
      sku: l.sku,
      quantity: l.quantity,
    })),
  };
}

export class WooParamError extends Error {
  constructor(
    readonly param: string,
    readonly detail: string,
  ) {
    super(`Invalid parameter(s): ${param}`);
  }
}

export interface ListQuery {
  page: number;
  perPage: number;
  after?: Date;
  before?: Date;
  gmt: boolean;
  orderby: 'date' | 'modified' | 'id' | 'title';
  order: 'asc' | 'desc';
}

function int(q: Record<string, string | undefined>, name: string, def: number, min: number, max: number): number {
  const raw = q[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new WooParamError(name, `${name} is not of type integer.`);
  if (n < min || n > max) throw new WooParamError(name, `${name} must be between ${min} (inclusive) and ${max} (inclusive)`);
  return n;
}

// rest_parse_date accepts RFC 3339 with or without a zone; a zone-less value is read in
// the timezone of the column being compared (site time unless dates_are_gmt).
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|z|[+-]\d{2}:?\d{2})?$/;

function parseDate(name: string, raw: string | undefined, gmt: boolean, tzOffset: number): Date | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = RFC3339.exec(raw);
  if (!m) throw new WooParamError(name, 'Invalid date.');
  const zone = m[8];
  if (zone) return new Date(raw.replace(' ', 'T'));
  const asUtc = new Date(`${raw.replace(' ', 'T')}Z`);
  if (Number.isNaN(asUtc.getTime())) throw new WooParamError(name, 'Invalid date.');
  return gmt ? asUtc : new Date(asUtc.getTime() - tzOffset * 60_000);
}

export function parseListQuery(q: Record<string, string | undefined>, tzOffset: number): ListQuery {
  const gmt = q.dates_are_gmt === 'true' || q.dates_are_gmt === '1';
  const orderby = (q.orderby ?? 'date') as ListQuery['orderby'];
  if (!['date', 'modified', 'id', 'title'].includes(orderby)) throw new WooParamError('orderby', 'orderby is not one of date, modified, id, title.');
  const order = (q.order ?? 'desc') as ListQuery['order'];
  if (order !== 'asc' && order !== 'desc') throw new WooParamError('order', 'order is not one of asc, desc.');
  return {
    page: int(q, 'page', 1, 1, Number.MAX_SAFE_INTEGER),
    perPage: int(q, 'per_page', 10, 1, 100),
    after: parseDate('modified_after', q.modified_after, gmt, tzOffset),
    before: parseDate('modified_before', q.modified_before, gmt, tzOffset),
    gmt,
    orderby,
    order,
  };
}

interface Dated {
  id: number;
  created: Date;
  modified: Date;
  name?: string;
}

/** Filters (modified_after is exclusive, as WP_Date_Query's `after`), sorts and pages. */
export function applyList<T extends Dated>(rows: T[], q: ListQuery): { page: T[]; total: number; totalPages: number } {
  const filtered = rows.filter((r) => (!q.after || r.modified.getTime() > q.after.getTime()) && (!q.before || r.modified.getTime() < q.before.getTime()));
  const key = (r: T): number | string =>
    q.orderby === 'id' ? r.id : q.orderby === 'modified' ? r.modified.getTime() : q.orderby === 'title' ? (r.name ?? '') : r.created.getTime();
  const dir = q.order === 'asc' ? 1 : -1;
  filtered.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka < kb) return -dir;
    if (ka > kb) return dir;
    return (a.id - b.id) * dir;
  });
  const total = filtered.length;
  const totalPages = Math.ceil(total / q.perPage);
  const start = (q.page - 1) * q.perPage;
  return { page: filtered.slice(start, start + q.perPage), total, totalPages };
}
