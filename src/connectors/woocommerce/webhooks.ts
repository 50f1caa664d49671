// WooCommerce webhooks: X-WC-Webhook-Signature is the base64 HMAC-SHA256 of the raw
// body keyed with the webhook's secret. The payload is the resource's REST JSON built at
// delivery time (current state, not a snapshot).
import { createHash } from 'node:crypto';
import { verifyHmacSha256Base64 } from '../signature.js';
import type { InboundEvent, ParsedWebhook, WebhookInput } from '../types.js';
import { asObject, gmtDate, idOf, parseError, stockOf, strOf, type Json } from './json.js';
import { CANCELLED_STATUSES, orderFrom } from './orders.js';

/**
 * WC_Webhook::deliver_ping posts `webhook_id=<id>` (form-encoded) when a webhook is
 * saved, with no X-WC-* headers and no signature, and refuses to save the webhook
 * unless the answer is 2xx.
 */
const PING = /^webhook_id=(\d{1,20})$/;

function pingId(input: WebhookInput): string | undefined {
  if (input.rawBody.length > 40) return undefined;
  return PING.exec(input.rawBody.toString('latin1').trim())?.[1];
}

export function verifyWooWebhook(secret: string | undefined, input: WebhookInput): boolean {
  const signature = input.headers['x-wc-webhook-signature'];
  // An unsigned ping is accepted: it carries no data and parses to `ignored` only, and
  // refusing it would stop the merchant from creating the webhook at all.
  if (signature === undefined && pingId(input) !== undefined) return true;
  return verifyHmacSha256Base64(secret, input.rawBody, signature);
}

export function parseWooWebhook(input: WebhookInput): ParsedWebhook {
  const ping = pingId(input);
  const topic = input.headers['x-wc-webhook-topic'] ?? '';
  if (ping !== undefined) {
    return { eventId: `ping:${ping}`, topic: topic || 'ping', events: [{ kind: 'ignored', reason: `WooCommerce ping for webhook ${ping}` }], ping: true };
  }
  if (!topic) throw parseError('webhook without X-WC-Webhook-Topic');
  let body: Json;
  try {
    body = asObject(JSON.parse(input.rawBody.toString('utf8')), 'webhook body');
  } catch (e) {
    if (e instanceof SyntaxError) throw parseError(`webhook body is not JSON (${topic})`);
    throw e;
  }
  checkResourceOfTopic(topic, body);
  // Topics we act on must name their resource; others only need a stable event id.
  const acted = /^(order|product)\.(created|updated|restored)$/.test(topic);
  const resourceId = acted ? idOf(body['id'], `${topic} body.id`) : String(body['id'] ?? 'none').slice(0, 40);
  return { eventId: eventIdOf(input, topic), topic, events: [eventOf(topic, body, resourceId)] };
}

/**
 * X-WC-Webhook-Topic is not signed: a signed product body replayed as `order.created`
 * would read as an order without lines under the product's id, and an order body as
 * `product.updated` as a product without stock. Every order WooCommerce renders has
 * `line_items` and no `manage_stock`; every product and variation has `manage_stock` and
 * no `line_items`: the body must be of the resource its topic names (issue 14, defect 3).
 */
function checkResourceOfTopic(topic: string, body: Json): void {
  const resource = topic.split('.')[0];
  // `{id}` alone: a deletion, or a resource gone before its delivery ran; it names no data.
  if (Object.keys(body).length === 1 && 'id' in body) return;
  const isOrder = Array.isArray(body['line_items']) && !('manage_stock' in body);
  const isProduct = 'manage_stock' in body && !('line_items' in body);
  if (resource === 'order' && !isOrder) {
    throw parseError(
      `the topic ${topic} names an order but the signed body is not an order (no line_items, or product fields); the topic header is not signed`,
    );
  }
  if (resource === 'product' && !isProduct) {
    throw parseError(
      `the topic ${topic} names a product but the signed body is not a product (no manage_stock, or order fields); the topic header is not signed`,
    );
  }
}

/**
 * X-WC-Webhook-Delivery-ID is wp_hash(webhook id . time()): one value per webhook per
 * second, so two deliveries in the same second share it, even for one resource whose
 * date_modified_gmt (whole seconds) did not change either (a sale, then its cancellation
 * restocking). WooCommerce never retries, so each delivery is its own event; we add a
 * digest of the raw body: a byte-identical duplicate keeps its id, a delivery with other
 * content gets another. Without the header (older stores, proxies) the topic stands in.
 */
function eventIdOf(input: WebhookInput, topic: string): string {
  const delivery = input.headers['x-wc-webhook-delivery-id'];
  const digest = createHash('sha256').update(input.rawBody).digest('hex').slice(0, 32);
  return delivery ? `wc:${delivery.slice(0, 64)}:${digest}` : `wc:${topic.slice(0, 64)}:${digest}`;
}

function eventOf(topic: string, body: Json, resourceId: string): InboundEvent {
  switch (topic) {
    case 'order.created':
    case 'order.updated':
    case 'order.restored': {
      const order = orderFrom(body, `${topic} body`);
      if (CANCELLED_STATUSES.has(strOf(body['status']))) return { kind: 'order_cancelled', externalId: order.externalId, at: order.updatedAt };
      return { kind: 'order', order };
    }
    case 'product.created':
    case 'product.updated':
    case 'product.restored': {
      const quantity = stockOf(body, `${topic} body`);
      if (quantity === null) return { kind: 'ignored', reason: `product ${resourceId} does not manage stock` };
      const sku = strOf(body['sku']);
      if (!sku) return { kind: 'ignored', reason: `product ${resourceId} has no SKU` };
      const at = gmtDate(body['date_modified_gmt'], `${topic} body.date_modified_gmt`);
      const parent = body['parent_id'];
      const parentId = parent === undefined || parent === 0 || parent === '0' ? undefined : idOf(parent, `${topic} body.parent_id`);
      const platformIds: Record<string, string> = parentId ? { productId: parentId, variationId: resourceId } : { productId: resourceId };
      return { kind: 'channel_quantity', item: { sku, platformIds, quantity, updatedAt: at }, at };
    }
    default:
      return { kind: 'ignored', reason: `topic ${topic} is not acted on` };
  }
}
