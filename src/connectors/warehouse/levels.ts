// Strict parsing of the 3PL's inventory item JSON (ShipBob 1.0 shape plus the sandbox's
// `sku` and `last_updated_at`) into engine stock levels. Anything we cannot read with
// certainty is ConnectorError('PARSE'): a wrong number here becomes a wrong stock count
// on every channel, so guessing is worse than quarantining.
import { ConnectorError } from '../errors.js';
import type { WarehouseLevel } from '../types.js';

export type Json = Record<string, unknown>;

export const parseError = (why: string): ConnectorError => new ConnectorError('PARSE', `warehouse: ${why}`);

/** A short, never-throwing rendering of a bad value for error messages. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'a list' : 'an object';
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A non-negative whole quantity. ShipHero-style payloads send quantities as strings
 * ("113"), so digit strings are accepted; "1.5", "1e3", " 3", "" and negatives are not.
 */
export function quantity(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  throw parseError(`${field} is not a non-negative integer: ${show(value)}`);
}

/** An ISO 8601 timestamp with a date and a time; anything looser is refused. */
export function timestamp(value: unknown, field: string): Date {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw parseError(`${field} is not an ISO 8601 timestamp: ${show(value)}`);
}

export function text(value: unknown, field: string): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 300) return value;
  throw parseError(`${field} is missing or not a string`);
}

export interface LevelContext {
  /** Set by the merchant: report the whole 3PL as this one location. */
  forcedLocation?: string;
  /** Used when an item lists no fulfillment centers. */
  fallbackLocation: string;
  /** The response's own time (Date header) when an item carries no timestamp; none for webhooks. */
  fallbackTime?: Date;
}

/**
 * One inventory item -> one level per fulfillment center (location = the center's id),
 * or one level at the fallback location when the item names none. `available` is the
 * sellable quantity: fulfillable minus units that out-of-stock orders already wait for,
 * which would otherwise be sold twice.
 */
export function levelsOfItem(row: unknown, ctx: LevelContext): WarehouseLevel[] {
  if (!isObject(row)) throw parseError('inventory item is not an object');
  const sku = text(row.sku, 'inventory item sku');
  // The item's own last change (warehouse clock): repeated polls of an unchanged item
  // yield the same observation, so ledger keys built from it deduplicate.
  const observedAt =
    row.last_updated_at !== undefined
      ? timestamp(row.last_updated_at, `${sku} last_updated_at`)
      : (ctx.fallbackTime ??
        (() => {
          throw parseError(`${sku} has no timestamp`);
        })());
  const onHand = quantity(row.total_onhand_quantity, `${sku} total_onhand_quantity`);
  const allocated = quantity(row.total_committed_quantity, `${sku} total_committed_quantity`);
  const fulfillable = quantity(row.total_fulfillable_quantity, `${sku} total_fulfillable_quantity`);
  const sellable = row.total_sellable_quantity === undefined ? fulfillable : quantity(row.total_sellable_quantity, `${sku} total_sellable_quantity`);
  const whole = (location: string): WarehouseLevel[] => [{ sku, location, available: Math.min(sellable, fulfillable), onHand, allocated, observedAt }];
  if (ctx.forcedLocation !== undefined) return whole(ctx.forcedLocation);

  const centers = row.fulfillable_quantity_by_fulfillment_center;
  if (centers === undefined || (Array.isArray(centers) && centers.length === 0)) return whole(ctx.fallbackLocation);
  if (!Array.isArray(centers)) throw parseError(`${sku} fulfillable_quantity_by_fulfillment_center is not a list`);
  const seen = new Set<string>();
  const perCenter = centers.map((c, i) => {
    if (!isObject(c)) throw parseError(`${sku} fulfillment center ${i} is not an object`);
    const location = typeof c.id === 'number' && Number.isSafeInteger(c.id) ? String(c.id) : text(c.id, `${sku} fulfillment center id`);
    if (seen.has(location)) throw parseError(`${sku} lists fulfillment center ${location} twice`);
    seen.add(location);
    return {
      location,
      onHand: quantity(c.onhand_quantity, `${sku}@${location} onhand_quantity`),
      allocated: quantity(c.committed_quantity, `${sku}@${location} committed_quantity`),
      fulfillable: quantity(c.fulfillable_quantity, `${sku}@${location} fulfillable_quantity`),
    };
  });
  // Backorders are not split per center: take them off the centers in order, so the sum
  // over locations never exceeds the item's sellable total.
  let shortfall = Math.max(0, perCenter.reduce((n, c) => n + c.fulfillable, 0) - sellable);
  return perCenter.map((c) => {
    const cut = Math.min(shortfall, c.fulfillable);
    shortfall -= cut;
    return { sku, location: c.location, available: c.fulfillable - cut, onHand: c.onHand, allocated: c.allocated, observedAt };
  });
}

/** A listing page body: a JSON array of inventory items. */
export function levelsOfPage(body: unknown, ctx: LevelContext): WarehouseLevel[] {
  if (!Array.isArray(body)) throw parseError('inventory listing is not a JSON array');
  return body.flatMap((row) => levelsOfItem(row, ctx));
}
