// What a parsed webhook may hold, checked at the door (the route) and again by the inbox
// processor, whatever the platform. A connector's parser says whether a body has the
// platform's shape; these limits say whether its values can be stored and acted on.
// Without them an 8 KB event id, a 3e9 quantity or a NUL in a SKU was accepted with a
// 200 and failed later in SQL (issue 14, defect 4): the event id failed the whole group
// INSERT of the requests sharing its batch, the others failed in the inbox processor.
import { ConnectorError } from './errors.js';
import type { Connector, InboundEvent, ParsedWebhook, WebhookInput } from './types.js';

export const WEBHOOK_LIMITS = {
  /** Platform event ids are UUIDs or short hashes; ours for WooCommerce stay under 100. */
  eventIdChars: 200,
  topicChars: 100,
  /** Shopify's SKU limit; WooCommerce's lookup table and Amazon's seller SKU are shorter. */
  skuChars: 255,
  /** Order ids, references, locations, platform ids. */
  idChars: 255,
  /** Far above any real stock; PostgreSQL integer columns end at 2^31 - 1 (domain/quantities.ts agrees). */
  maxQuantity: 1_000_000_000,
} as const;

// C0 controls and DEL: PostgreSQL text refuses NUL, and none belongs in an id or a SKU.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Parses through the connector, then applies the limits: throws ConnectorError('PARSE') naming the field. */
export function parseWebhookWithinLimits(connector: Pick<Connector, 'parseWebhook'>, input: WebhookInput): ParsedWebhook {
  return checkParsedWebhook(connector.parseWebhook(input));
}

export function checkParsedWebhook(p: ParsedWebhook): ParsedWebhook {
  checkText('event id', p.eventId, WEBHOOK_LIMITS.eventIdChars);
  checkText('topic', p.topic, WEBHOOK_LIMITS.topicChars);
  const where = `${p.topic.slice(0, 40)} webhook`;
  return { ...p, events: p.events.map((e, i) => checkEvent(p.events.length > 1 ? `${where}, event ${i}` : where, e)) };
}

function checkEvent(where: string, e: InboundEvent): InboundEvent {
  switch (e.kind) {
    case 'order': {
      checkText(`${where}: order id`, e.order.externalId, WEBHOOK_LIMITS.idChars);
      checkDate(`${where}: order placed at`, e.order.placedAt);
      checkDate(`${where}: order updated at`, e.order.updatedAt);
      e.order.lines.forEach((l, i) => {
        // A line without a SKU is kept with an empty one (the engine reports it as unknown).
        checkText(`${where}: line ${i} sku`, l.sku, WEBHOOK_LIMITS.skuChars, { allowEmpty: true });
        checkQuantity(`${where}: line ${i} (${l.sku.slice(0, 40)}) quantity`, l.quantity, 0);
      });
      // The raw order is kept as jsonb, which refuses NUL anywhere: a NUL in a customer's
      // note must not cost the order, so it is replaced there rather than refused.
      return e.order.raw === undefined ? e : { ...e, order: { ...e.order, raw: withoutNul(e.order.raw) } };
    }
    case 'order_cancelled':
      checkText(`${where}: order id`, e.externalId, WEBHOOK_LIMITS.idChars);
      checkDate(`${where}: cancelled at`, e.at);
      return e;
    case 'channel_quantity': {
      const { item } = e;
      checkText(`${where}: sku`, item.sku, WEBHOOK_LIMITS.skuChars, { allowEmpty: true });
      for (const [k, v] of Object.entries(item.platformIds)) checkText(`${where}: platform id ${k.slice(0, 40)}`, v, WEBHOOK_LIMITS.idChars);
      // A channel's count may be negative (Shopify after an oversell, WooCommerce backorders).
      checkQuantity(`${where}: ${item.sku.slice(0, 40) || 'item'} quantity`, item.quantity, -WEBHOOK_LIMITS.maxQuantity);
      if (item.updatedAt) checkDate(`${where}: updated at`, item.updatedAt);
      checkDate(`${where}: time`, e.at);
      return e;
    }
    case 'warehouse_level': {
      const l = e.level;
      checkText(`${where}: sku`, l.sku, WEBHOOK_LIMITS.skuChars);
      checkText(`${where}: ${l.sku.slice(0, 40)} location`, l.location, WEBHOOK_LIMITS.idChars);
      checkQuantity(`${where}: ${l.sku.slice(0, 40)} available`, l.available, 0);
      if (l.onHand !== undefined) checkQuantity(`${where}: ${l.sku.slice(0, 40)} on hand`, l.onHand, 0);
      if (l.allocated !== undefined) checkQuantity(`${where}: ${l.sku.slice(0, 40)} allocated`, l.allocated, 0);
      checkDate(`${where}: ${l.sku.slice(0, 40)} observed at`, l.observedAt);
      return e;
    }
    case 'warehouse_order_status':
      checkText(`${where}: reference id`, e.referenceId, WEBHOOK_LIMITS.idChars);
      checkText(`${where}: status`, e.status, WEBHOOK_LIMITS.idChars);
      checkDate(`${where}: time`, e.at);
      return e;
    case 'ignored':
      return e;
  }
}

function refuse(message: string): ConnectorError {
  return new ConnectorError('PARSE', message);
}

function checkText(what: string, value: string, maxChars: number, opts: { allowEmpty?: boolean } = {}): void {
  if (value.length === 0 && !opts.allowEmpty) throw refuse(`${what} is empty`);
  if (value.length > maxChars) throw refuse(`${what} is ${value.length} characters long, the limit is ${maxChars}`);
  const bad = CONTROL.exec(value);
  if (bad) throw refuse(`${what} holds the control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} at position ${bad.index}`);
}

function checkQuantity(what: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > WEBHOOK_LIMITS.maxQuantity) {
    throw refuse(`${what} must be an integer from ${min} to ${WEBHOOK_LIMITS.maxQuantity}, got ${value}`);
  }
}

// PostgreSQL's timestamptz ends at year 294276 and starts at 4713 BC; JavaScript's Date
// goes further both ways. No platform dates an event outside years 1 to 9999.
// (Date.UTC maps years 0-99 to 1900-1999, hence setUTCFullYear.)
const FIRST_YEAR_1 = new Date(0).setUTCFullYear(1, 0, 1);
const LAST_YEAR_9999 = new Date(0).setUTCFullYear(9999, 11, 31);

function checkDate(what: string, d: Date): void {
  const t = d.getTime();
  if (Number.isNaN(t) || t < FIRST_YEAR_1 || t > LAST_YEAR_9999) throw refuse(`${what} is outside years 1 to 9999`);
}

function withoutNul(v: unknown): unknown {
  if (typeof v === 'string') return v.includes('\u0000') ? v.replaceAll('\u0000', '\uFFFD') : v;
  if (Array.isArray(v)) return v.map(withoutNul);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[withoutNul(k) as string] = withoutNul(x);
    return out;
  }
  return v;
}
