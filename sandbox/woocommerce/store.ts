// WooCommerce store state: products, variations and orders, with the stock rules
// WooCommerce applies (stock_status derived from stock_quantity when manage_stock is on,
// read-then-write updates, no compare-and-set). Pure in-memory model, no HTTP.

export type StockStatus = 'instock' | 'outofstock' | 'onbackorder';

export interface WooItem {
  id: number;
  /** 0 for products, the parent product id for variations. */
  parentId: number;
  type: 'simple' | 'variable' | 'variation';
  name: string;
  sku: string;
  /** GTIN, UPC, EAN or ISBN (REST `global_unique_id`, WooCommerce 9.2+); '' when unset. */
  globalUniqueId: string;
  manageStock: boolean;
  stockQuantity: number | null;
  stockStatus: StockStatus;
  created: Date;
  modified: Date;
  variationIds: number[];
}

export interface WooOrderLine {
  id: number;
  productId: number;
  variationId: number;
  sku: string;
  quantity: number;
}

export interface WooOrder {
  id: number;
  status: 'processing' | 'cancelled' | 'completed';
  created: Date;
  modified: Date;
  lines: WooOrderLine[];
}

export type ChangeListener = (kind: 'product' | 'order', id: number, event: 'created' | 'updated' | 'deleted') => void;

export interface WooStore {
  items: Map<number, WooItem>;
  orders: Map<number, WooOrder>;
  bySku: Map<string, number>;
  nextId: number;
  nextOrderId: number;
  nextLineId: number;
  now: () => Date;
  listeners: ChangeListener[];
}

export function createStore(now: () => Date): WooStore {
  // Product and order ids share WordPress's post id sequence in real stores; separate
  // counters keep ids readable and nothing depends on them being disjoint.
  return { items: new Map(), orders: new Map(), bySku: new Map(), nextId: 10, nextOrderId: 1000, nextLineId: 1, now, listeners: [] };
}

function emit(store: WooStore, kind: 'product' | 'order', id: number, event: 'created' | 'updated' | 'deleted'): void {
  for (const l of store.listeners) l(kind, id, event);
}

export function deriveStatus(item: Pick<WooItem, 'manageStock' | 'stockQuantity' | 'stockStatus'>): StockStatus {
  if (!item.manageStock) return item.stockStatus;
  return (item.stockQuantity ?? 0) > 0 ? 'instock' : 'outofstock';
}

export interface NewItem {
  name?: string;
  sku: string;
  globalUniqueId?: string;
  manageStock?: boolean;
  stockQuantity?: number | null;
  type?: 'simple' | 'variable';
}

export function addProduct(store: WooStore, input: NewItem): WooItem {
  return addItem(store, 0, input.type ?? 'simple', input);
}

export function addVariation(store: WooStore, parentId: number, input: NewItem): WooItem {
  const parent = store.items.get(parentId);
  if (!parent || parent.type !== 'variable') throw new Error(`product ${parentId} is not variable`);
  const v = addItem(store, parentId, 'variation', input);
  parent.variationIds.push(v.id);
  return v;
}

function addItem(store: WooStore, parentId: number, type: WooItem['type'], input: NewItem): WooItem {
  const now = store.now();
  const manageStock = type === 'variable' ? false : (input.manageStock ?? true);
  const item: WooItem = {
    id: store.nextId++,
    parentId,
    type,
    name: input.name ?? input.sku,
    sku: input.sku,
    globalUniqueId: input.globalUniqueId ?? '',
    manageStock,
    stockQuantity: manageStock ? (input.stockQuantity ?? 0) : null,
    stockStatus: 'instock',
    created: now,
    modified: now,
    variationIds: [],
  };
  item.stockStatus = deriveStatus(item);
  store.items.set(item.id, item);
  if (item.sku) store.bySku.set(item.sku, item.id);
  emit(store, 'product', item.id, 'created');
  return item;
}

export interface StockPatch {
  manageStock?: boolean;
  stockQuantity?: number | null;
  stockStatus?: StockStatus;
  name?: string;
  sku?: string;
  globalUniqueId?: string;
}

/** Applies a REST update the way WC_Product::save does: a plain write of what was sent. */
export function updateItem(store: WooStore, item: WooItem, patch: StockPatch): WooItem {
  if (patch.name !== undefined) item.name = patch.name;
  if (patch.globalUniqueId !== undefined) item.globalUniqueId = patch.globalUniqueId;
  if (patch.sku !== undefined && patch.sku !== item.sku) {
    store.bySku.delete(item.sku);
    item.sku = patch.sku;
    if (patch.sku) store.bySku.set(patch.sku, item.id);
  }
  if (patch.manageStock !== undefined && item.type !== 'variable') item.manageStock = patch.manageStock;
  if (item.manageStock) {
    if (patch.stockQuantity !== undefined) item.stockQuantity = patch.stockQuantity ?? 0;
    if (item.stockQuantity === null) item.stockQuantity = 0;
  } else {
    // WooCommerce ignores stock_quantity while stock is not managed.
    item.stockQuantity = null;
    if (patch.stockStatus !== undefined) item.stockStatus = patch.stockStatus;
  }
  item.stockStatus = deriveStatus(item);
  item.modified = store.now();
  emit(store, 'product', item.id, 'updated');
  return item;
}

export function deleteItem(store: WooStore, item: WooItem): void {
  for (const vid of item.variationIds) store.items.delete(vid);
  store.items.delete(item.id);
  store.bySku.delete(item.sku);
  const parent = item.parentId ? store.items.get(item.parentId) : undefined;
  if (parent) parent.variationIds = parent.variationIds.filter((v) => v !== item.id);
  emit(store, 'product', item.id, 'deleted');
}

export function findBySku(store: WooStore, sku: string): WooItem | undefined {
  const id = store.bySku.get(sku);
  return id === undefined ? undefined : store.items.get(id);
}

export type SaleResult = { ok: true; order: WooOrder } | { ok: false; reason: string };

/**
 * A checkout: every line is checked against the store's own count and decremented at
 * once (wc_reduce_stock_levels), before any webhook leaves. Refuses at zero.
 */
export function placeOrder(store: WooStore, lines: { sku: string; quantity: number }[]): SaleResult {
  const resolved: { item: WooItem; quantity: number }[] = [];
  for (const line of lines) {
    const item = findBySku(store, line.sku);
    if (!item || item.type === 'variable') return { ok: false, reason: `unknown sku ${line.sku}` };
    if (!Number.isInteger(line.quantity) || line.quantity <= 0) return { ok: false, reason: 'quantity must be a positive integer' };
    if (item.stockStatus === 'outofstock') return { ok: false, reason: `${line.sku} is out of stock` };
    if (item.manageStock && (item.stockQuantity ?? 0) < line.quantity) {
      return { ok: false, reason: `not enough stock for ${line.sku}` };
    }
    resolved.push({ item, quantity: line.quantity });
  }
  const now = store.now();
  const order: WooOrder = {
    id: store.nextOrderId++,
    status: 'processing',
    created: now,
    modified: now,
    lines: resolved.map(({ item, quantity }) => ({
      id: store.nextLineId++,
      productId: item.parentId || item.id,
      variationId: item.parentId ? item.id : 0,
      sku: item.sku,
      quantity,
    })),
  };
  store.orders.set(order.id, order);
  for (const { item, quantity } of resolved) {
    if (item.manageStock) updateItem(store, item, { stockQuantity: (item.stockQuantity ?? 0) - quantity });
  }
  emit(store, 'order', order.id, 'created');
  return { ok: true, order };
}

/** Cancelling a processing order restocks its lines (wc_increase_stock_levels). */
export function cancelOrder(store: WooStore, id: number): boolean {
  const order = store.orders.get(id);
  if (!order || order.status === 'cancelled') return false;
  order.status = 'cancelled';
  order.modified = store.now();
  for (const line of order.lines) {
    const item = store.items.get(line.variationId || line.productId);
    if (item?.manageStock) updateItem(store, item, { stockQuantity: (item.stockQuantity ?? 0) + line.quantity });
  }
  emit(store, 'order', order.id, 'updated');
  return true;
}
