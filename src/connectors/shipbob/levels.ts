// Inventory levels from GET /inventory-level/locations (per fulfillment center) or, when
// the merchant reports the whole 3PL as one location, GET /inventory-level (network-wide
// totals). Neither carries a timestamp: a level is stamped with the answer's Date header
// (the warehouse's clock, whole seconds, rounded down so that a snapshot never claims to
// be later than it is: a claim settles only on an observation taken after its order).
import type { WarehouseLevel } from '../types.js';
import { id, isObject, parseError, quantity, text } from './json.js';

export interface LevelContext {
  /** Set by the merchant: report the whole 3PL as this one location. */
  forcedLocation?: string;
  observedAt: Date;
}

/** Network-wide totals of one item: `available` is sellable (fulfillable less what exception orders wait for). */
export interface Totals {
  sku: string;
  onHand: number;
  allocated: number;
  fulfillable: number;
  sellable: number;
}

export function totalsOf(row: unknown): Totals & { inventoryId: string } {
  if (!isObject(row)) throw parseError('inventory level is not an object');
  const inventoryId = id(row.inventory_id, 'inventory_id');
  const sku = text(row.sku, `inventory ${inventoryId} sku`);
  const fulfillable = quantity(row.total_fulfillable_quantity, `${sku} total_fulfillable_quantity`);
  return {
    inventoryId,
    sku,
    onHand: quantity(row.total_on_hand_quantity, `${sku} total_on_hand_quantity`),
    allocated: quantity(row.total_committed_quantity, `${sku} total_committed_quantity`),
    fulfillable,
    sellable: row.total_sellable_quantity === undefined ? fulfillable : quantity(row.total_sellable_quantity, `${sku} total_sellable_quantity`),
  };
}

/** One level for the whole 3PL at the forced location. */
export function wholeLevel(t: Totals, ctx: LevelContext & { forcedLocation: string }): WarehouseLevel {
  return {
    sku: t.sku,
    location: ctx.forcedLocation,
    available: Math.min(t.sellable, t.fulfillable),
    onHand: t.onHand,
    allocated: t.allocated,
    observedAt: ctx.observedAt,
  };
}

/**
 * One item's per-center quantities -> one level per fulfillment center (location = the
 * center's id). ShipBob computes sellable only network-wide: the units exception orders
 * wait for are taken off the centers in order, so the sum over locations never exceeds
 * the item's sellable total (else they would be sold twice).
 */
export function centerLevels(row: unknown, totals: Totals | undefined, ctx: LevelContext): WarehouseLevel[] {
  if (!isObject(row)) throw parseError('inventory location row is not an object');
  const sku = text(row.sku, `inventory ${String(row.inventory_id)} sku`);
  if (!Array.isArray(row.locations)) throw parseError(`${sku} locations is not a list`);
  const seen = new Set<string>();
  const perCenter = row.locations.map((c, i) => {
    if (!isObject(c)) throw parseError(`${sku} location ${i} is not an object`);
    const location = id(c.location_id, `${sku} location_id`);
    if (seen.has(location)) throw parseError(`${sku} lists fulfillment center ${location} twice`);
    seen.add(location);
    return {
      location,
      onHand: quantity(c.on_hand_quantity, `${sku}@${location} on_hand_quantity`),
      allocated: quantity(c.committed_quantity, `${sku}@${location} committed_quantity`),
      fulfillable: quantity(c.fulfillable_quantity, `${sku}@${location} fulfillable_quantity`),
    };
  });
  const sellable = totals?.sellable ?? perCenter.reduce((n, c) => n + c.fulfillable, 0);
  let shortfall = Math.max(0, perCenter.reduce((n, c) => n + c.fulfillable, 0) - sellable);
  return perCenter.map((c) => {
    const cut = Math.min(shortfall, c.fulfillable);
    shortfall -= cut;
    return { sku, location: c.location, available: c.fulfillable - cut, onHand: c.onHand, allocated: c.allocated, observedAt: ctx.observedAt };
  });
}

/** The answer's Date header, or our clock when a proxy dropped it. */
export function answerTime(headers: Headers): Date {
  const t = Date.parse(headers.get('date') ?? '');
  return Number.isNaN(t) ? new Date(Math.floor(Date.now() / 1000) * 1000) : new Date(t);
}
