import type { Rng } from '../core/rng.js';
import { ON_HAND_PARTS, QUANTITY_NAMES, type QuantityName } from './constants.js';

/**
 * The shop's state: inventory items (one per SKU), their levels per location with
 * every quantity state, and orders. Numeric ids are BigInt: Shopify's exceed 2^53.
 */
export type Quantities = Record<QuantityName, number>;

export interface Level {
  locationId: bigint;
  q: Quantities;
  createdAt: Date;
  updatedAt: Date;
}

export interface Item {
  id: bigint;
  /** Decimal form of id, the key of every lookup. */
  key: string;
  sku: string;
  /** The item's variant (one each, as on Shopify): its own id, barcode and title. */
  variantId: bigint;
  barcode: string | null;
  title: string;
  createdAt: Date;
  updatedAt: Date;
  /** By location key (decimal string). */
  levels: Map<string, Level>;
}

export interface Location {
  id: bigint;
  key: string;
  name: string;
}

export interface OrderLine {
  id: bigint;
  sku: string;
  quantity: number;
  itemKey: string;
  locationKey: string;
}

export interface Order {
  id: bigint;
  key: string;
  number: number;
  createdAt: Date;
  updatedAt: Date;
  cancelledAt: Date | null;
  lines: OrderLine[];
  /** Where a point-of-sale order was taken (Order.retailLocation, REST location_id); online orders have none. */
  retailLocation?: Location;
}

export interface ShopState {
  locations: Location[];
  locationsByKey: Map<string, Location>;
  /** Ascending id = creation order: the default sort of every connection. */
  items: Item[];
  itemsByKey: Map<string, Item>;
  /** By full GID text: one lookup per mutation line, no parsing. */
  itemsByGid: Map<string, Item>;
  itemsBySku: Map<string, Item>;
  orders: Order[];
  ordersByKey: Map<string, Order>;
  nextItemId: bigint;
  nextOrderId: bigint;
  nextLineId: bigint;
  nextOrderNumber: number;
}

// ids in Shopify's ranges; inventory items and orders beyond 2^53 on purpose
const FIRST_ITEM_ID = 271878346596884015n;
const FIRST_LOCATION_ID = 24826418n;
const FIRST_ORDER_ID = 9007199254740993n + 820982911n;
const FIRST_LINE_ID = 9007199254740993n + 466157049n;

export function emptyQuantities(): Quantities {
  return Object.fromEntries(QUANTITY_NAMES.map((n) => [n, 0])) as Quantities;
}

export function createShopState(locationNames: string[]): ShopState {
  const locations = locationNames.map((name, i) => {
    const id = FIRST_LOCATION_ID + BigInt(i);
    return { id, key: id.toString(), name };
  });
  return {
    locations,
    locationsByKey: new Map(locations.map((l) => [l.key, l])),
    items: [],
    itemsByKey: new Map(),
    itemsByGid: new Map(),
    itemsBySku: new Map(),
    orders: [],
    ordersByKey: new Map(),
    nextItemId: FIRST_ITEM_ID,
    nextOrderId: FIRST_ORDER_ID,
    nextLineId: FIRST_LINE_ID,
    nextOrderNumber: 1001,
  };
}

/**
 * Adds an item with `available` at the first location. It is stocked (has a level)
 * at the first location only, unless stockEverywhere: elsewhere it must not accept
 * quantities (ITEM_NOT_STOCKED_AT_LOCATION), as on a shop where it was never activated.
 */
export interface ItemDetails {
  barcode?: string;
  title?: string;
}

// variant ids in Shopify's range, below the inventory items'
const VARIANT_ID_OFFSET = 228_000_000_000_000_000n;

export function addItem(state: ShopState, sku: string, available: number, now: Date, rng: Rng, stockEverywhere = false, details: ItemDetails = {}): Item {
  // gaps between ids, as on a real shop with other resources in between
  const id = state.nextItemId;
  state.nextItemId += BigInt(rng.int(1, 97));
  const levels = new Map<string, Level>();
  state.locations.forEach((loc, i) => {
    if (i > 0 && !stockEverywhere) return;
    const q = emptyQuantities();
    if (i === 0) {
      q.available = available;
      q.on_hand = available;
    }
    levels.set(loc.key, { locationId: loc.id, q, createdAt: now, updatedAt: now });
  });
  const item: Item = {
    id,
    key: id.toString(),
    sku,
    variantId: id - VARIANT_ID_OFFSET,
    barcode: details.barcode ?? null,
    title: details.title ?? sku,
    createdAt: now,
    updatedAt: now,
    levels,
  };
  state.items.push(item);
  state.itemsByKey.set(item.key, item);
  state.itemsByGid.set(`gid://shopify/InventoryItem/${item.key}`, item);
  state.itemsBySku.set(sku, item);
  return item;
}

/**
 * Changes one quantity state by delta and keeps on_hand consistent: on_hand moves
 * with the states it sums, and a change to on_hand itself lands in available.
 * Returns every state that moved, as Shopify's adjustment group lists them.
 */
/** The merchant deletes the variant: its item, levels and all go. */
export function removeItem(state: ShopState, item: Item): void {
  state.items.splice(state.items.indexOf(item), 1);
  state.itemsByKey.delete(item.key);
  state.itemsByGid.delete(`gid://shopify/InventoryItem/${item.key}`);
  if (state.itemsBySku.get(item.sku) === item) {
    const other = state.items.find((i) => i.sku === item.sku);
    if (other) state.itemsBySku.set(item.sku, other);
    else state.itemsBySku.delete(item.sku);
  }
}

export function applyDelta(level: Level, name: QuantityName, delta: number): { name: QuantityName; delta: number; after: number }[] {
  if (delta === 0) return [];
  const q = level.q;
  if (name === 'on_hand') {
    q.on_hand += delta;
    q.available += delta;
    return [
      { name: 'available', delta, after: q.available },
      { name: 'on_hand', delta, after: q.on_hand },
    ];
  }
  q[name] += delta;
  const moved: { name: QuantityName; delta: number; after: number }[] = [{ name, delta, after: q[name] }];
  if (ON_HAND_PARTS.includes(name)) {
    q.on_hand += delta;
    moved.push({ name: 'on_hand', delta, after: q.on_hand });
  }
  return moved;
}

/** Moves units between two states that both count in on_hand (on_hand unchanged). */
export function moveUnits(level: Level, from: QuantityName, to: QuantityName, units: number): void {
  level.q[from] -= units;
  level.q[to] += units;
}

export function totalAvailable(item: Item): number {
  let sum = 0;
  for (const level of item.levels.values()) sum += level.q.available;
  return sum;
}
