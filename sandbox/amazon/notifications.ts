// SP-API notifications as they land in the seller's SQS queue: the JSON envelope
// (NotificationVersion, NotificationType, PayloadVersion, EventTime, Payload,
// NotificationMetadata{ApplicationId, SubscriptionId, PublishTime, NotificationId}).
// Here they go to the seller's SQS queue when the instance has one (sqs.ts), and to any
// HTTP URL subscribed (a relay), which receives each message body as a POST.
// SQS messages carry no signature (access is controlled by the queue's IAM policy), so
// none is sent. Duplicates keep the same NotificationId: consumers dedupe on it.
import type { Rng } from '../core/rng.js';
import type { AmazonOrder } from './store.js';

export const AMAZON_NOTIFICATION_TYPES = ['ORDER_CHANGE', 'LISTINGS_ITEM_MFN_QUANTITY_CHANGE'] as const;
export type AmazonNotificationType = (typeof AMAZON_NOTIFICATION_TYPES)[number];

export function uuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => '0123456789abcdef'[rng.int(0, 15)]).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

export interface EnvelopeContext {
  applicationId: string;
  subscriptionId: (type: AmazonNotificationType) => string;
  rng: Rng;
  now: () => Date;
}

export function envelope(ctx: EnvelopeContext, type: AmazonNotificationType, eventTime: Date, payload: unknown): Record<string, unknown> {
  return {
    NotificationVersion: '1.0',
    NotificationType: type,
    PayloadVersion: '1.0',
    EventTime: eventTime.toISOString(),
    Payload: payload,
    NotificationMetadata: {
      ApplicationId: ctx.applicationId,
      SubscriptionId: ctx.subscriptionId(type),
      PublishTime: ctx.now().toISOString(),
      NotificationId: uuid(ctx.rng),
    },
  };
}

export function quantityPayload(sellerId: string, sku: string, channel: string, quantity: number): Record<string, unknown> {
  return { SellerId: sellerId, FulfillmentChannelCode: channel, Sku: sku, Quantity: quantity };
}

export function orderChangePayload(sellerId: string, marketplaceId: string, order: AmazonOrder, reason: string): Record<string, unknown> {
  const shipped = order.status === 'Shipped';
  const units = order.items.reduce((n, i) => n + i.quantity, 0);
  return {
    OrderChangeNotification: {
      NotificationLevel: 'OrderLevel',
      SellerId: sellerId,
      AmazonOrderId: order.id,
      OrderChangeType: 'OrderStatusChange',
      OrderChangeTrigger: { TimeOfOrderChange: order.lastUpdated.toISOString(), ChangeReason: reason },
      Summary: {
        MarketplaceId: marketplaceId,
        OrderStatus: order.status,
        PurchaseDate: order.purchased.toISOString(),
        FulfillmentType: order.fulfillment,
        OrderType: 'StandardOrder',
        NumberOfItemsShipped: shipped ? units : 0,
        NumberOfItemsUnshipped: shipped || order.status === 'Canceled' ? 0 : units,
        OrderItems: order.items.map((i) => ({
          OrderItemId: i.orderItemId,
          SellerSKU: i.sku,
          OrderItemStatus: order.status,
          Quantity: i.quantity,
          QuantityShipped: shipped ? i.quantity : 0,
        })),
      },
    },
  };
}
