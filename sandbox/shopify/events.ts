import { createHmac } from 'node:crypto';
import { uuidFrom, type Rng } from '../core/rng.js';
import type { WebhookSender, WebhookSubscriptions } from '../core/webhooks.js';
import { API_VERSION } from './constants.js';
import { isoWithOffset } from './format.js';
import type { Item, Level, Order } from './store.js';

/**
 * Shopify webhooks. Bodies are written by hand so that ids beyond 2^53 appear as
 * exact JSON numbers (what Shopify sends, and what breaks JSON.parse-based clients).
 * Only what Shopify puts in them: in particular nothing that tells an app "this was
 * your own mutation"; the engine must recognise its echo by value.
 */
export type ShopifyTopic = 'inventory_levels/update' | 'orders/create' | 'orders/cancelled' | 'bulk_operations/finish';

export interface ShopifyEventsOptions {
  shopDomain: string;
  appSecret: string;
  utcOffsetMinutes: number;
  sender: WebhookSender;
  subscriptions: WebhookSubscriptions;
  rng: Rng;
  now: () => Date;
}

export function signShopifyBody(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('base64');
}

export function inventoryLevelBody(item: Item, level: Level, updatedAt: string): string {
  const loc = level.locationId.toString();
  return (
    `{"inventory_item_id":${item.key},"location_id":${loc},"available":${level.q.available},` +
    `"updated_at":"${updatedAt}","admin_graphql_api_id":"gid://shopify/InventoryLevel/${loc}?inventory_item_id=${item.key}"}`
  );
}

export function orderBody(order: Order, at: (d: Date) => string): string {
  const lines = order.lines
    .map(
      (l) =>
        `{"id":${l.id},"admin_graphql_api_id":"gid://shopify/LineItem/${l.id}","sku":${JSON.stringify(l.sku)},` +
        `"name":${JSON.stringify(l.sku)},"quantity":${l.quantity},` +
        `"current_quantity":${order.cancelledAt ? 0 : l.quantity},"fulfillable_quantity":${order.cancelledAt ? 0 : l.quantity}}`,
    )
    .join(',');
  const cancelled = order.cancelledAt ? `"${at(order.cancelledAt)}"` : 'null';
  return (
    `{"id":${order.key},"admin_graphql_api_id":"gid://shopify/Order/${order.key}","name":"#${order.number}",` +
    `"order_number":${order.number},"created_at":"${at(order.createdAt)}","updated_at":"${at(order.updatedAt)}",` +
    `"cancelled_at":${cancelled},"cancel_reason":${order.cancelledAt ? '"customer"' : 'null'},` +
    `"financial_status":"paid","fulfillment_status":null,"location_id":${order.retailLocation?.key ?? 'null'},"line_items":[${lines}]}`
  );
}

export interface ShopifyEvents {
  inventoryLevelUpdated(item: Item, level: Level): void;
  orderCreated(order: Order): void;
  orderCancelled(order: Order): void;
  /** A bulk operation completed, failed or was cancelled (body built by bulk.ts). */
  bulkOperationFinished(body: string): void;
}

export function createShopifyEvents(o: ShopifyEventsOptions): ShopifyEvents {
  const at = (d: Date) => isoWithOffset(d, o.utcOffsetMinutes);

  function emit(topic: ShopifyTopic, buildBody: () => string): void {
    const urls = o.subscriptions.urlsFor(topic);
    if (urls.length === 0) return;
    // one event, one body and one event id, whatever the number of subscribers
    const body = buildBody();
    const hmac = signShopifyBody(body, o.appSecret);
    const eventId = uuidFrom(o.rng);
    const triggeredAt = o.now().toISOString();
    for (const url of urls) {
      o.sender.send({
        url,
        body,
        headers: {
          'X-Shopify-Topic': topic,
          'X-Shopify-Hmac-Sha256': hmac,
          'X-Shopify-Shop-Domain': o.shopDomain,
          'X-Shopify-API-Version': API_VERSION,
          'X-Shopify-Webhook-Id': uuidFrom(o.rng),
          'X-Shopify-Event-Id': eventId,
          'X-Shopify-Triggered-At': triggeredAt,
        },
      });
    }
  }

  return {
    inventoryLevelUpdated: (item, level) => emit('inventory_levels/update', () => inventoryLevelBody(item, level, at(level.updatedAt))),
    orderCreated: (order) => emit('orders/create', () => orderBody(order, at)),
    orderCancelled: (order) => emit('orders/cancelled', () => orderBody(order, at)),
    bulkOperationFinished: (body) => emit('bulk_operations/finish', () => body),
  };
}
