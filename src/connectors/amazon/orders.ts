// Orders API v0: getOrders by LastUpdatedAfter with NextToken pages, and getOrderItems
// per order for the SKUs and quantities (getOrders carries no line items).
import { ConnectorError } from '../errors.js';
import type { ChannelOrder, ChannelOrderLine, KnownOrders, Page } from '../types.js';
import type { AmazonClient } from './client.js';
import { asArray, asCount, asDate, asObject, asString } from './json.js';

/**
 * Amazon's FulfillmentChannel (getOrders) or FulfillmentType (ORDER_CHANGE): AFN orders
 * ship from Amazon's own (FBA) stock and claim nothing of ours; MFN, or no value, are the
 * merchant's to ship.
 */
export function fulfilmentOf(channel: unknown): 'merchant' | 'external' {
  return channel === 'AFN' ? 'external' : 'merchant';
}

async function orderLines(c: AmazonClient, orderId: string): Promise<ChannelOrderLine[]> {
  const lines: ChannelOrderLine[] = [];
  let token: string | undefined;
  do {
    const q = token ? `?NextToken=${encodeURIComponent(token)}` : '';
    const body = asObject(await c.call('getOrderItems', 'GET', `/orders/v0/orders/${encodeURIComponent(orderId)}/orderItems${q}`), 'getOrderItems');
    const payload = asObject(body['payload'], 'getOrderItems.payload');
    for (const [i, raw] of asArray(payload['OrderItems'], 'OrderItems').entries()) {
      const item = asObject(raw, `order ${orderId} item ${i}`);
      lines.push({
        sku: asString(item['SellerSKU'], `order ${orderId} item ${i}.SellerSKU`),
        quantity: asCount(item['QuantityOrdered'], `order ${orderId} item ${i}.QuantityOrdered`),
      });
    }
    token = typeof payload['NextToken'] === 'string' && payload['NextToken'] ? payload['NextToken'] : undefined;
  } while (token);
  return lines;
}

/**
 * Orders updated since `since`, oldest first; the cursor is Amazon's NextToken. Lines
 * are fetched only for open orders the engine has not recorded (`known`): a cancelled
 * order claims nothing and a recorded one is deduplicated anyway, and getOrderItems'
 * quota (0.5/s) is better spent on new orders. Without this, every poll re-fetched the
 * lines of its whole overlap window and fell minutes behind at a few orders a second.
 */
export async function pollOrders(c: AmazonClient, since: Date, cursor: string | null, known?: KnownOrders): Promise<Page<ChannelOrder>> {
  const q = new URLSearchParams({ MarketplaceIds: c.marketplaceId });
  if (cursor) q.set('NextToken', cursor);
  else {
    if (Number.isNaN(since.getTime())) throw new ConnectorError('REJECTED', 'Amazon pollOrders: since is not a date');
    q.set('LastUpdatedAfter', since.toISOString());
    q.set('MaxResultsPerPage', '100');
  }
  const body = asObject(await c.call('getOrders', 'GET', `/orders/v0/orders?${q.toString()}`), 'getOrders');
  const payload = asObject(body['payload'], 'getOrders.payload');
  const orders = asArray(payload['Orders'], 'getOrders.Orders').map((raw, i) => {
    const o = asObject(raw, `Orders[${i}]`);
    const externalId = asString(o['AmazonOrderId'], `Orders[${i}].AmazonOrderId`);
    const placedAt = asDate(o['PurchaseDate'], `order ${externalId}.PurchaseDate`);
    const updatedAt = o['LastUpdateDate'] === undefined ? placedAt : asDate(o['LastUpdateDate'], `order ${externalId}.LastUpdateDate`);
    return { externalId, placedAt, updatedAt, cancelled: o['OrderStatus'] === 'Canceled', fulfilment: fulfilmentOf(o['FulfillmentChannel']), raw: o };
  });
  const recorded = known ? await known(orders.filter((o) => !o.cancelled).map((o) => o.externalId)) : new Set<string>();
  const wanted = orders.filter((o) => o.cancelled || !recorded.has(o.externalId));
  // The limiter paces getOrderItems; Promise.all keeps the page's order.
  const items: ChannelOrder[] = await Promise.all(wanted.map(async (o) => ({ ...o, lines: o.cancelled ? [] : await orderLines(c, o.externalId) })));
  const next = typeof payload['NextToken'] === 'string' && payload['NextToken'] ? payload['NextToken'] : null;
  return { items, next };
}
