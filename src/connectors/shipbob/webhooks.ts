// Webhook deliveries -> engine events. ShipBob's topics are order, shipment and return
// events: there is no inventory topic (stock changes come from layer 3 polling).
//
// Dedupe key: the `webhook-id` header, which stays the same across retries and which the
// signature covers. The topic travels in the unsigned `x-webhook-topic` header; the body is
// the resource as its GET endpoint returns it (ShipBob: "the full data model of the
// underlying resource"): an order for order.shipped and order.delivered, a shipment for
// order.shipment.*, a return for return.*. The status we report comes from the signed
// body, never from the header, so a relabelled delivery cannot change what it says.
import { ConnectorError } from '../errors.js';
import type { InboundEvent, ParsedWebhook, WebhookInput } from '../types.js';
import { isObject, parseError, text, timestamp, type Json } from './json.js';

/** The topics the engine subscribes to (WebhookRegistration.topics). */
export const CONSUMED_TOPICS = [
  'order.shipped',
  'order.shipment.delivered',
  'order.shipment.exception',
  'order.shipment.on_hold',
  'order.shipment.cancelled',
] as const;

/** ShipBob's shipment and order statuses -> the engine's words. */
const STATUS: Readonly<Record<string, string>> = {
  Processing: 'processing',
  Exception: 'exception', // out of stock: not allocated
  OnHold: 'on_hold',
  LabeledCreated: 'shipped',
  Completed: 'shipped',
  Fulfilled: 'shipped',
  PartiallyFulfilled: 'partially_shipped',
  Cancelled: 'cancelled',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseShipBobWebhook(input: WebhookInput): ParsedWebhook {
  try {
    return parse(input);
  } catch (e) {
    if (e instanceof ConnectorError) throw e;
    // Last line of defence: bad input must be quarantined, never crash the inbox worker.
    throw parseError(`unreadable webhook: ${(e as Error).message}`);
  }
}

function parse(input: WebhookInput): ParsedWebhook {
  const eventId = input.headers['webhook-id'];
  if (!eventId || eventId.length > 200) throw parseError('webhook-id header missing or too long');
  const topic = input.headers['x-webhook-topic'];
  if (!topic || topic.length > 100) throw parseError('x-webhook-topic header missing or too long');
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(input.rawBody));
  } catch {
    throw parseError('webhook body is not UTF-8 JSON');
  }
  if (!isObject(body)) throw parseError('webhook body is not a JSON object');
  return { eventId, topic, events: eventsOf(topic, body) };
}

function eventsOf(topic: string, body: Json): InboundEvent[] {
  if (topic === 'order.shipped' || topic === 'order.delivered') return [orderStatus(body, topic === 'order.delivered')];
  if (topic.startsWith('order.shipment.')) return [shipmentStatus(body, topic === 'order.shipment.delivered')];
  if (topic.startsWith('return.')) return [{ kind: 'ignored', reason: 'restocked returns show in the inventory levels layer 3 reads' }];
  return [{ kind: 'ignored', reason: `topic ${topic.slice(0, 100)} is not used` }];
}

function statusOf(raw: unknown, what: string): string {
  const s = text(raw, `${what} status`);
  if (!Object.hasOwn(STATUS, s)) throw parseError(`unknown ${what} status ${JSON.stringify(s.slice(0, 40))}`);
  return STATUS[s]!;
}

/** A shipment: its order's reference_id, its own status and last update. */
function shipmentStatus(body: Json, delivered: boolean): InboundEvent {
  const referenceId = text(body.reference_id, 'shipment reference_id');
  const status = statusOf(body.status, 'shipment');
  const at = body.last_update_at ?? body.created_date;
  return {
    kind: 'warehouse_order_status',
    referenceId,
    status: delivered && status === 'shipped' ? 'delivered' : status,
    at: timestamp(at, 'shipment last_update_at'),
  };
}

/** An order: its status; its time is the latest of its shipments' updates (orders carry none). */
function orderStatus(body: Json, delivered: boolean): InboundEvent {
  const referenceId = text(body.reference_id, 'order reference_id');
  const status = statusOf(body.status, 'order');
  const shipments = Array.isArray(body.shipments) ? body.shipments : [];
  const times = shipments.flatMap((s) =>
    isObject(s) && s.last_update_at !== undefined && s.last_update_at !== null ? [timestamp(s.last_update_at, 'shipment last_update_at')] : [],
  );
  const at = times.length > 0 ? new Date(Math.max(...times.map((t) => t.getTime()))) : timestamp(body.created_date, 'order created_date');
  return { kind: 'warehouse_order_status', referenceId, status: delivered && status === 'shipped' ? 'delivered' : status, at };
}
