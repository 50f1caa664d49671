// Webhook bodies -> engine events. Dedupe key: the `webhook-id` header, which ShipBob
// (Standard Webhooks) keeps the same across retries and duplicate copies, and which the
// signature covers. The body carries no id of its own.
//
// Shapes understood:
// - `inventory.updated` (the sandbox's addition; ShipBob has no inventory topic): one
//   inventory item, as GET /1.0/inventory returns it, plus `topic`.
// - ShipHero-style `webhook_type: "Inventory Update"` with `inventory: [...]` and quantities
//   as strings; it must carry `updated_at` (per item or at the top), see below.
// - `order.*` topics: an order JSON; its status becomes warehouse_order_status.
// Anything else with a topic is `ignored`; anything unreadable is ConnectorError('PARSE').
import { ConnectorError } from '../errors.js';
import type { InboundEvent, ParsedWebhook, WarehouseLevel, WebhookInput } from '../types.js';
import { isObject, levelsOfItem, parseError, quantity, text, timestamp, type Json, type LevelContext } from './levels.js';

const ORDER_STATUS: Readonly<Record<string, string>> = {
  Processing: 'allocated',
  Exception: 'exception', // out of stock: not allocated
  Fulfilled: 'shipped',
  Completed: 'shipped',
  Cancelled: 'cancelled',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseWarehouseWebhook(input: WebhookInput, ctx: Omit<LevelContext, 'fallbackTime'>): ParsedWebhook {
  try {
    return parse(input, ctx);
  } catch (e) {
    if (e instanceof ConnectorError) throw e;
    // Last line of defence: bad input must be quarantined, never crash the inbox worker.
    throw parseError(`unreadable webhook: ${(e as Error).message}`);
  }
}

function parse(input: WebhookInput, ctx: Omit<LevelContext, 'fallbackTime'>): ParsedWebhook {
  const eventId = input.headers['webhook-id'];
  if (!eventId || eventId.length > 200) throw parseError('webhook-id header missing or too long');
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(input.rawBody));
  } catch {
    throw parseError('webhook body is not UTF-8 JSON');
  }
  if (!isObject(body)) throw parseError('webhook body is not a JSON object');
  // The topic comes from the signed body, not the unsigned x-webhook-topic header.
  const topic = typeof body.topic === 'string' ? body.topic : typeof body.webhook_type === 'string' ? body.webhook_type : undefined;
  if (topic === undefined || topic.length === 0 || topic.length > 100) throw parseError('webhook has no topic');
  return { eventId, topic, events: eventsOf(topic, body, ctx) };
}

function eventsOf(topic: string, body: Json, ctx: Omit<LevelContext, 'fallbackTime'>): InboundEvent[] {
  if (topic === 'inventory.updated') return toLevelEvents(levelsOfItem(body, ctx));
  if (topic === 'Inventory Update') return toLevelEvents(shipHeroLevels(body, ctx));
  if (topic.startsWith('order.')) {
    const referenceId = text(body.reference_id, 'order reference_id');
    const raw = text(body.status, 'order status');
    const status = ORDER_STATUS[raw];
    if (status === undefined || !Object.hasOwn(ORDER_STATUS, raw)) throw parseError(`unknown order status ${JSON.stringify(raw.slice(0, 40))}`);
    return [{ kind: 'warehouse_order_status', referenceId, status, at: timestamp(body.last_updated_date, 'order last_updated_date') }];
  }
  if (topic === 'return.completed') return [{ kind: 'ignored', reason: 'restocked returns arrive as inventory changes' }];
  return [{ kind: 'ignored', reason: `topic ${topic} is not used` }];
}

const toLevelEvents = (levels: WarehouseLevel[]): InboundEvent[] => levels.map((level) => ({ kind: 'warehouse_level', level }));

/**
 * ShipHero's Inventory Update. Its timestamp must come from the body: the delivery's
 * webhook-timestamp is the time of that attempt, and stamping an older snapshot with a
 * later time could settle a claim the snapshot does not yet reflect (an oversell).
 */
function shipHeroLevels(body: Json, ctx: Omit<LevelContext, 'fallbackTime'>): WarehouseLevel[] {
  if (!Array.isArray(body.inventory) || body.inventory.length === 0) throw parseError('Inventory Update has no inventory list');
  const top = body.updated_at === undefined ? undefined : timestamp(body.updated_at, 'updated_at');
  const seen = new Set<string>();
  return body.inventory.map((row, i): WarehouseLevel => {
    if (!isObject(row)) throw parseError(`inventory ${i} is not an object`);
    const sku = text(row.sku, `inventory ${i} sku`);
    const observedAt = row.updated_at !== undefined ? timestamp(row.updated_at, `${sku} updated_at`) : top;
    if (!observedAt) throw parseError(`${sku}: Inventory Update without updated_at`);
    const warehouse = row.warehouse_id;
    const location =
      ctx.forcedLocation ??
      (warehouse === undefined || warehouse === null
        ? ctx.fallbackLocation
        : typeof warehouse === 'number' && Number.isSafeInteger(warehouse)
          ? String(warehouse)
          : text(warehouse, `${sku} warehouse_id`));
    // Two rows for one SKU and location in one snapshot: no way to know which is true.
    const key = JSON.stringify([sku, location]);
    if (seen.has(key)) throw parseError(`${sku}@${location} appears twice`);
    seen.add(key);
    return {
      sku,
      location,
      available: quantity(row.inventory, `${sku} inventory`),
      ...(row.on_hand !== undefined && { onHand: quantity(row.on_hand, `${sku} on_hand`) }),
      ...(row.allocated !== undefined && { allocated: quantity(row.allocated, `${sku} allocated`) }),
      observedAt,
    };
  });
}
