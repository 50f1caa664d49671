// Shopify webhooks: HMAC check over the raw body, then a strict parse of the topics the
// engine acts on. Bodies carry ids beyond 2^53: they are read as strings (json.ts).
import { ConnectorError } from '../errors.js';
import { verifyHmacSha256Base64 } from '../signature.js';
import type { ChannelOrder, InboundEvent, ParsedWebhook, WebhookInput } from '../types.js';
import { parseJsonExact } from './json.js';
import { reader, type Json, type Reader } from './shapes.js';

export function verifyShopifyWebhook(secret: string | undefined, input: WebhookInput): boolean {
  return verifyHmacSha256Base64(secret, input.rawBody, input.headers['x-shopify-hmac-sha256']);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseShopifyWebhook(input: WebhookInput): ParsedWebhook {
  const topic = input.headers['x-shopify-topic'];
  const eventId = input.headers['x-shopify-event-id'];
  if (!topic) throw new ConnectorError('PARSE', 'Shopify webhook: missing X-Shopify-Topic header');
  if (!eventId) throw new ConnectorError('PARSE', `Shopify webhook (${topic}): missing X-Shopify-Event-Id header`);
  const where = `Shopify ${topic} webhook ${eventId}`;
  if (topic !== 'orders/create' && topic !== 'orders/cancelled' && topic !== 'inventory_levels/update') {
    return { eventId, topic, events: [{ kind: 'ignored', reason: `topic ${topic} is not used by stocksync` }] };
  }
  let text: string;
  try {
    text = utf8.decode(input.rawBody);
  } catch {
    throw new ConnectorError('PARSE', `${where}: body is not valid UTF-8`);
  }
  let parsed: unknown;
  try {
    parsed = parseJsonExact(text);
  } catch (e) {
    throw new ConnectorError('PARSE', `${where}: body is not JSON (${(e as Error).message})`);
  }
  const r = reader(where);
  const body = r.obj(parsed, 'body');
  return { eventId, topic, events: [eventOf(topic, body, r, where)] };
}

function eventOf(topic: string, body: Json, r: Reader, where: string): InboundEvent {
  if (topic === 'inventory_levels/update') {
    const inventoryItemId = r.id(body['inventory_item_id'], 'inventory_item_id');
    const locationId = r.id(body['location_id'], 'location_id');
    const at = r.date(body['updated_at'], 'updated_at');
    // null when the item is not tracked: there is no count to report
    if (body['available'] === null) return { kind: 'ignored', reason: 'available is null (inventory not tracked)' };
    const quantity = r.int(body['available'], 'available');
    return {
      kind: 'channel_quantity',
      item: {
        sku: '', // not in this payload: the engine matches on platform ids
        platformIds: { inventoryItemId: `gid://shopify/InventoryItem/${inventoryItemId}`, locationId: `gid://shopify/Location/${locationId}` },
        quantity,
        updatedAt: at,
      },
      at,
    };
  }
  const order = orderOf(body, r, where);
  if (topic === 'orders/cancelled') {
    // The HMAC covers the body only: X-Shopify-Topic can be rewritten on a replayed
    // orders/create body. Only the signed body may say an order is cancelled, else the
    // warehouse would be told to cancel an order that is open and paid (issue 14, defect 3).
    const at = r.optDate(body['cancelled_at'], 'cancelled_at');
    if (at === null) {
      throw new ConnectorError('PARSE', `${where}: the topic says cancelled but the signed body has no cancelled_at (the topic header is not signed)`);
    }
    return { kind: 'order_cancelled', externalId: order.externalId, at };
  }
  return { kind: 'order', order };
}

/** The same externalId as pollOrders: the order's GID. */
function orderOf(body: Json, r: Reader, where: string): ChannelOrder {
  const id = r.id(body['id'], 'id');
  const gid = `gid://shopify/Order/${id}`;
  const given = body['admin_graphql_api_id'];
  if (given !== undefined && given !== gid)
    throw new ConnectorError(
      'PARSE',
      `${where}: admin_graphql_api_id ${(typeof given === 'string' ? JSON.stringify(given) : String(JSON.stringify(given))).slice(0, 60)} does not match id ${id}`,
    );
  const lines = r.arr(body['line_items'], 'line_items').flatMap((l, i) => {
    const line = r.obj(l, `line_items[${i}]`);
    const sku = r.optStr(line['sku'], `line_items[${i}].sku`);
    const quantity = r.int(line['quantity'], `line_items[${i}].quantity`);
    if (quantity < 0) throw new ConnectorError('PARSE', `${where}: line_items[${i}].quantity is negative`);
    // a line without a SKU (custom item) matches no listing
    return sku ? [{ sku, quantity }] : [];
  });
  // the location the order was taken at (a point-of-sale order); null for an online order
  const location = body['location_id'] == null ? undefined : `gid://shopify/Location/${r.id(body['location_id'], 'location_id')}`;
  return {
    externalId: gid,
    placedAt: r.date(body['created_at'], 'created_at'),
    updatedAt: r.date(body['updated_at'], 'updated_at'),
    cancelled: r.optDate(body['cancelled_at'], 'cancelled_at') !== null,
    lines,
    ...(location && { location }),
  };
}
