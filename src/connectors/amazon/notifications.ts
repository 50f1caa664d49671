// SP-API notifications. Amazon delivers them to SQS or EventBridge, never to our HTTP
// endpoint, and they carry no signature (the queue's policy is the access control). The
// relay (here the sandbox) posts each message body to a URL we subscribed, which carries
// `?token=<credentials.notificationToken>`: that secret is what we verify.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { InboundEvent, ParsedWebhook, WebhookInput } from '../types.js';
import { fulfilmentOf } from './orders.js';
import { asArray, asCount, asDate, asObject, asString, field, parseError, type Json } from './json.js';

export function verifyUrlToken(expected: string | undefined, input: WebhookInput): boolean {
  const given = input.query['token'];
  if (!expected || !given) return false;
  // Digests have equal lengths, so the compare leaks neither content nor length.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export function parseNotification(input: WebhookInput, sellerId?: string): ParsedWebhook {
  let body: Json;
  try {
    body = asObject(JSON.parse(input.rawBody.toString('utf8')), 'notification');
  } catch (e) {
    if (e instanceof SyntaxError) throw parseError('notification is not JSON');
    throw e;
  }
  // EventBridge wraps the notification in an event whose `detail` is the envelope.
  const env = field(body, 'NotificationType') === undefined && typeof body['detail'] === 'object' ? asObject(body['detail'], 'detail') : body;
  const topic = asString(field(env, 'NotificationType'), 'NotificationType');
  const meta = field(env, 'NotificationMetadata');
  const eventId =
    meta !== undefined
      ? asString(field(asObject(meta, 'NotificationMetadata'), 'NotificationId'), 'NotificationMetadata.NotificationId')
      : asString(body['id'], 'NotificationMetadata.NotificationId');
  const eventTime = asDate(field(env, 'EventTime'), 'EventTime');
  const payload = asObject(field(env, 'Payload'), 'Payload');
  return { eventId, topic, events: [eventOf(topic, payload, eventTime, sellerId)] };
}

function eventOf(topic: string, payload: Json, eventTime: Date, sellerId: string | undefined): InboundEvent {
  switch (topic) {
    case 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE': {
      const sku = asString(payload['Sku'], 'Payload.Sku');
      const quantity = asCount(payload['Quantity'], 'Payload.Quantity');
      const seller = payload['SellerId'];
      if (sellerId && typeof seller === 'string' && seller !== sellerId)
        return { kind: 'ignored', reason: `quantity change for seller ${seller}, not ${sellerId}` };
      const channel = payload['FulfillmentChannelCode'];
      if (channel !== undefined && channel !== 'DEFAULT')
        return { kind: 'ignored', reason: `quantity change on fulfillment channel ${printable(channel)}, we set DEFAULT` };
      return { kind: 'channel_quantity', item: { sku, platformIds: { sellerSku: sku }, quantity, updatedAt: eventTime }, at: eventTime };
    }
    case 'ORDER_CHANGE':
      return orderChange(asObject(payload['OrderChangeNotification'], 'Payload.OrderChangeNotification'), eventTime, sellerId);
    default:
      return { kind: 'ignored', reason: `notification type ${topic.slice(0, 80)} is not acted on` };
  }
}

/**
 * ORDER_CHANGE carries the order's status and, in its summary, the items. When the
 * SKUs and quantities are all there it is an order event; otherwise it is only a hint
 * and the order arrives through pollOrders (getOrders + getOrderItems).
 */
function orderChange(n: Json, eventTime: Date, sellerId: string | undefined): InboundEvent {
  const externalId = asString(n['AmazonOrderId'], 'OrderChangeNotification.AmazonOrderId');
  const seller = n['SellerId'];
  if (sellerId && typeof seller === 'string' && seller !== sellerId) return { kind: 'ignored', reason: `order change for seller ${seller}, not ${sellerId}` };
  const trigger = n['OrderChangeTrigger'] === undefined ? {} : asObject(n['OrderChangeTrigger'], 'OrderChangeTrigger');
  const at = trigger['TimeOfOrderChange'] === undefined ? eventTime : asDate(trigger['TimeOfOrderChange'], 'OrderChangeTrigger.TimeOfOrderChange');
  const summary = n['Summary'] === undefined ? undefined : asObject(n['Summary'], 'OrderChangeNotification.Summary');
  const status = summary?.['OrderStatus'];
  if (status === 'Canceled') return { kind: 'order_cancelled', externalId, at };
  const items = summary?.['OrderItems'] === undefined ? [] : asArray(summary['OrderItems'], 'Summary.OrderItems');
  const lines = items.map((raw, i) => {
    const item = asObject(raw, `Summary.OrderItems[${i}]`);
    const sku = item['SellerSKU'];
    const quantity = item['Quantity'];
    return typeof sku === 'string' && sku && quantity !== undefined ? { sku, quantity: asCount(quantity, `Summary.OrderItems[${i}].Quantity`) } : undefined;
  });
  if (lines.length === 0 || lines.some((l) => l === undefined)) {
    return { kind: 'ignored', reason: `ORDER_CHANGE for ${externalId} without every item's SellerSKU and Quantity: pollOrders brings it` };
  }
  const placedAt = summary?.['PurchaseDate'] === undefined ? at : asDate(summary['PurchaseDate'], 'Summary.PurchaseDate');
  return {
    kind: 'order',
    order: {
      externalId,
      placedAt,
      updatedAt: at,
      cancelled: false,
      lines: lines as { sku: string; quantity: number }[],
      fulfilment: fulfilmentOf(summary?.['FulfillmentType']),
      raw: n,
    },
  };
}

/** Any JSON value as text for a message: String() throws on an object like {"toString": null}. */
function printable(v: unknown): string {
  return (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined')).slice(0, 80);
}
