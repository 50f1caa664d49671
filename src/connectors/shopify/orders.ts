// pollOrders: orders updated since a time, oldest change first, cursor pages.
import { ConnectorError } from '../errors.js';
import type { ChannelOrder, ChannelOrderLine, Page } from '../types.js';
import { fit, type ShopifyContext } from './context.js';
import { ORDER_LINES, orderLinesCost, ORDERS, ordersCost } from './documents.js';
import { reader, type Json } from './shapes.js';

const r = reader('Shopify orders answer');
/** Lines fetched with each order; most orders have one to three. */
const LINES_PER_ORDER = 5;

/**
 * Shopify compares search dates at whole seconds, so `since` is floored and compared
 * with >=: an order updated in the same second as `since` comes back (the engine
 * dedupes on its ledger keys) rather than being skipped.
 */
export function ordersSearch(since: Date): string {
  return `updated_at:>='${since.toISOString().slice(0, 19)}Z'`;
}

export async function pollOrders(ctx: ShopifyContext, since: Date, cursor: string | null): Promise<Page<ChannelOrder>> {
  if (Number.isNaN(since.getTime())) throw new RangeError('pollOrders: since is not a valid date');
  const first = Math.min(ctx.orderPageSize, 250);
  // Shopify needs the REQUESTED cost (first x lines) available before it runs a query,
  // though it refunds what is not returned: a few lines per order keeps pages cheap, and
  // the rare longer order is completed below
  const lines = fit(ctx, first, LINES_PER_ORDER, 2 + first * 4);
  const data = await ctx.client.call(ORDERS, { first, after: cursor, query: ordersSearch(since), lines }, ordersCost(first, lines), 'background');
  const conn = r.obj(data['orders'], 'data.orders');
  const orders: ChannelOrder[] = [];
  for (const [i, n] of r.arr(conn['nodes'], 'data.orders.nodes').entries()) {
    const path = `data.orders.nodes[${i}]`;
    const node = r.obj(n, path);
    const id = r.str(node['id'], `${path}.id`);
    const lineConn = r.obj(node['lineItems'], `${path}.lineItems`);
    const orderLines = readLines(lineConn, `${path}.lineItems`);
    let more = nextCursor(lineConn, `${path}.lineItems`);
    while (more !== null) {
      const page = await moreLines(ctx, id, more);
      orderLines.push(...page.lines);
      // a cursor that does not move would loop forever
      if (page.next === more) throw new ConnectorError('PARSE', `Shopify orders answer: lineItems cursor of ${id} did not advance`);
      more = page.next;
    }
    const cancelledAt = r.optDate(node['cancelledAt'], `${path}.cancelledAt`);
    // where a point-of-sale order was taken; null for an online order
    const retail =
      node['retailLocation'] == null ? undefined : r.str(r.obj(node['retailLocation'], `${path}.retailLocation`)['id'], `${path}.retailLocation.id`);
    orders.push({
      externalId: id,
      placedAt: r.date(node['createdAt'], `${path}.createdAt`),
      updatedAt: r.date(node['updatedAt'], `${path}.updatedAt`),
      cancelled: cancelledAt !== null,
      lines: orderLines,
      ...(retail && { location: retail }),
    });
  }
  return { items: orders, next: nextCursor(conn, 'data.orders') };
}

async function moreLines(ctx: ShopifyContext, orderId: string, after: string) {
  const first = fit(ctx, 1, 250, 3);
  const data = await ctx.client.call(ORDER_LINES, { id: orderId, first, after }, orderLinesCost(first), 'background');
  const order = data['order'];
  if (order == null) return { lines: [], next: null }; // deleted meanwhile: keep what we have
  const conn = r.obj(r.obj(order, 'data.order')['lineItems'], 'data.order.lineItems');
  return { lines: readLines(conn, 'data.order.lineItems'), next: nextCursor(conn, 'data.order.lineItems') };
}

/** Lines by SKU; a line without a SKU (custom item) cannot be matched to a listing and is left out. */
function readLines(conn: Json, path: string): ChannelOrderLine[] {
  const out: ChannelOrderLine[] = [];
  for (const [j, n] of r.arr(conn['nodes'], `${path}.nodes`).entries()) {
    const line = r.obj(n, `${path}.nodes[${j}]`);
    const sku = r.optStr(line['sku'], `${path}.nodes[${j}].sku`);
    const quantity = r.int(line['quantity'], `${path}.nodes[${j}].quantity`);
    if (sku) out.push({ sku, quantity });
  }
  return out;
}

export function nextCursor(conn: Json, path: string): string | null {
  const info = r.obj(conn['pageInfo'], `${path}.pageInfo`);
  return r.bool(info['hasNextPage'], `${path}.pageInfo.hasNextPage`) ? r.str(info['endCursor'], `${path}.pageInfo.endCursor`) : null;
}
