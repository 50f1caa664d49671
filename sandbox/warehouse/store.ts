// The 3PL's physical ground truth, modelled on ShipBob: per inventory item on hand,
// committed (allocated to orders not yet shipped), awaiting (announced receipts);
// fulfillable = on hand - committed. Orders are allocated whole or not at all; an order
// that cannot be allocated waits in Exception (out of stock) and is allocated, oldest
// first, as soon as stock arrives.

export interface InventoryItem {
  inventoryId: number;
  sku: string;
  name: string;
  /** The fulfillment center that stocks it (sandbox: one center per item, see docs/shipbob.md). */
  centerId: number;
  barcode: string;
  onHand: number;
  committed: number;
  awaiting: number;
  updated: Date;
}

export interface OrderLine {
  sku: string;
  inventoryId: number;
  quantity: number;
}

export type OrderStatus = 'Processing' | 'Exception' | 'Fulfilled' | 'Cancelled';

/** What POST /order says besides the lines (kept and echoed back, never acted on). */
export interface OrderDetails {
  orderNumber: string;
  shippingMethod: string;
  recipient: unknown;
}

export interface WarehouseOrder extends OrderDetails {
  id: number;
  shipmentId: number;
  referenceId: string;
  status: OrderStatus;
  lines: OrderLine[];
  created: Date;
  updated: Date;
  shipped?: Date;
}

export type WarehouseEvent =
  | { type: 'inventory'; item: InventoryItem }
  | { type: 'order'; order: WarehouseOrder; change: 'created' | 'allocated' | 'exception' | 'shipped' | 'cancelled' };

export interface LedgerEntry {
  at: string;
  sku: string;
  onHandDelta: number;
  committedDelta: number;
  /**
   * Units orders waiting in Exception want (backordered): + when an order starts waiting
   * (created short: reason `exception`; or `deallocate`), - when a waiting order is
   * allocated or cancelled. Absent when 0. Summed per SKU it is the SKU's backordered.
   */
  backorderedDelta?: number;
  reason: string;
  ref?: string;
}

/** A bundle SKU: ShipBob keeps no stock for it, only for its components. */
export interface Bundle {
  sku: string;
  name: string;
  components: { sku: string; quantity: number }[];
}

export interface WarehouseStore {
  items: Map<string, InventoryItem>;
  bundles: Map<string, Bundle>;
  /** Fulfillment center ids, in the order new items are spread over them. */
  centers: number[];
  byId: Map<number, InventoryItem>;
  orders: Map<number, WarehouseOrder>;
  byReference: Map<string, number>;
  /** Every physical or allocation change, an order starting or ending a wait in Exception included, for truth() and debugging. */
  ledger: LedgerEntry[];
  nextInventoryId: number;
  nextOrderId: number;
  now: () => Date;
  listeners: ((e: WarehouseEvent) => void)[];
}

export function createStore(now: () => Date, centers: number[] = [1]): WarehouseStore {
  return {
    items: new Map(),
    bundles: new Map(),
    centers,
    byId: new Map(),
    orders: new Map(),
    byReference: new Map(),
    ledger: [],
    nextInventoryId: 1001,
    nextOrderId: 500001,
    now,
    listeners: [],
  };
}

function emit(store: WarehouseStore, e: WarehouseEvent): void {
  for (const l of store.listeners) l(e);
}

export const fulfillable = (i: InventoryItem): number => i.onHand - i.committed;

/** Units that Exception orders are waiting for, per SKU. */
export function backordered(store: WarehouseStore, sku: string): number {
  let n = 0;
  for (const o of store.orders.values()) {
    if (o.status === 'Exception') for (const l of o.lines) if (l.sku === sku) n += l.quantity;
  }
  return n;
}

export function addItem(store: WarehouseStore, sku: string, onHand: number, meta: { barcode?: string; name?: string } = {}): InventoryItem {
  const inventoryId = store.nextInventoryId++;
  const centerId = store.centers[(inventoryId - 1001) % store.centers.length]!;
  // A stable, valid-looking EAN-13-ish barcode, so discovery can match on it.
  const barcode = meta.barcode ?? `200${String(inventoryId).padStart(9, '0')}`;
  const item: InventoryItem = { inventoryId, sku, name: meta.name ?? sku, centerId, barcode, onHand, committed: 0, awaiting: 0, updated: store.now() };
  store.items.set(sku, item);
  store.byId.set(item.inventoryId, item);
  return item;
}

function change(
  store: WarehouseStore,
  item: InventoryItem,
  onHandDelta: number,
  committedDelta: number,
  reason: string,
  ref?: string,
  backorderedDelta = 0,
): void {
  item.onHand += onHandDelta;
  item.committed += committedDelta;
  item.updated = store.now();
  record(store, item.sku, { onHandDelta, committedDelta, backorderedDelta }, reason, ref, item.updated);
  emit(store, { type: 'inventory', item });
}

/** Appends to the ledger only: what an entry says that on hand and committed do not. */
function record(
  store: WarehouseStore,
  sku: string,
  d: { onHandDelta: number; committedDelta: number; backorderedDelta: number },
  reason: string,
  ref?: string,
  at = store.now(),
): void {
  store.ledger.push({
    at: at.toISOString(),
    sku,
    onHandDelta: d.onHandDelta,
    committedDelta: d.committedDelta,
    ...(d.backorderedDelta !== 0 && { backorderedDelta: d.backorderedDelta }),
    reason,
    ...(ref && { ref }),
  });
}

function canAllocate(store: WarehouseStore, lines: OrderLine[]): boolean {
  const need = new Map<string, number>();
  for (const l of lines) need.set(l.sku, (need.get(l.sku) ?? 0) + l.quantity);
  return [...need].every(([sku, q]) => fulfillable(store.items.get(sku)!) >= q);
}

/** `waited`: the order was waiting in Exception (not one being created). */
function allocate(store: WarehouseStore, order: WarehouseOrder, waited: boolean): void {
  // Status first: the inventory events below must not count this order as both
  // committed and still waiting (backordered).
  order.status = 'Processing';
  order.updated = store.now();
  for (const l of order.lines) change(store, store.items.get(l.sku)!, 0, l.quantity, 'allocate', order.referenceId, waited ? -l.quantity : 0);
}

export type CreateResult = { ok: true; order: WarehouseOrder } | { ok: false; kind: 'duplicate' | 'unknown_sku' | 'short' | 'invalid'; message: string };

/** POST /order. The reference id is the idempotency key: a second use is refused. */
export function createOrder(
  store: WarehouseStore,
  referenceId: string,
  lines: { sku: string; quantity: number }[],
  refuseIfShort: boolean,
  details: OrderDetails = { orderNumber: referenceId, shippingMethod: 'Standard', recipient: null },
): CreateResult {
  if (store.byReference.has(referenceId)) {
    return { ok: false, kind: 'duplicate', message: `An order with reference_id '${referenceId}' already exists.` };
  }
  if (lines.length === 0) return { ok: false, kind: 'invalid', message: 'An order needs at least one product.' };
  const resolved: OrderLine[] = [];
  for (const l of expandBundles(store, lines)) {
    const item = store.items.get(l.sku);
    if (!item) return { ok: false, kind: 'unknown_sku', message: `Product with reference_id '${l.sku}' does not exist.` };
    if (!Number.isInteger(l.quantity) || l.quantity < 1) return { ok: false, kind: 'invalid', message: 'Quantity must be a positive integer.' };
    resolved.push({ sku: l.sku, inventoryId: item.inventoryId, quantity: l.quantity });
  }
  const short = !canAllocate(store, resolved);
  if (short && refuseIfShort) return { ok: false, kind: 'short', message: 'Insufficient fulfillable inventory for this order.' };
  const now = store.now();
  const id = store.nextOrderId++;
  const order: WarehouseOrder = { id, shipmentId: id + 1_000_000, referenceId, ...details, status: 'Exception', lines: resolved, created: now, updated: now };
  store.orders.set(id, order);
  store.byReference.set(referenceId, id);
  emit(store, { type: 'order', order, change: 'created' });
  if (short) {
    for (const l of resolved) record(store, l.sku, { onHandDelta: 0, committedDelta: 0, backorderedDelta: l.quantity }, 'exception', referenceId);
    emit(store, { type: 'order', order, change: 'exception' });
  } else {
    allocate(store, order, false);
    emit(store, { type: 'order', order, change: 'allocated' });
  }
  return { ok: true, order };
}

/** ShipBob fulfils a bundle as its components. */
function expandBundles(store: WarehouseStore, lines: { sku: string; quantity: number }[]): { sku: string; quantity: number }[] {
  return lines.flatMap((l) => {
    const bundle = store.bundles.get(l.sku);
    return bundle ? bundle.components.map((c) => ({ sku: c.sku, quantity: c.quantity * l.quantity })) : [l];
  });
}

/** Stock arrived: allocate waiting orders, oldest first, each only if it fits whole. */
export function allocateWaiting(store: WarehouseStore): void {
  const waiting = [...store.orders.values()].filter((o) => o.status === 'Exception').sort((a, b) => a.id - b.id);
  for (const o of waiting) {
    if (!canAllocate(store, o.lines)) continue;
    allocate(store, o, true);
    emit(store, { type: 'order', order: o, change: 'allocated' });
  }
}

/** On hand fell below committed (shrinkage): newest allocations go back to Exception. */
function deallocateOverflow(store: WarehouseStore, item: InventoryItem): void {
  const allocated = [...store.orders.values()].filter((o) => o.status === 'Processing' && o.lines.some((l) => l.sku === item.sku)).sort((a, b) => b.id - a.id);
  for (const o of allocated) {
    if (item.committed <= item.onHand) break;
    for (const l of o.lines) change(store, store.items.get(l.sku)!, 0, -l.quantity, 'deallocate', o.referenceId, l.quantity);
    o.status = 'Exception';
    o.updated = store.now();
    emit(store, { type: 'order', order: o, change: 'exception' });
  }
}

export function ship(store: WarehouseStore, orderId: number): WarehouseOrder {
  const o = store.orders.get(orderId);
  if (!o) throw new Error(`no order ${orderId}`);
  if (o.status !== 'Processing') throw new Error(`order ${orderId} is ${o.status}; only an allocated (Processing) order ships`);
  for (const l of o.lines) change(store, store.items.get(l.sku)!, -l.quantity, -l.quantity, 'ship', o.referenceId);
  o.status = 'Fulfilled';
  o.shipped = o.updated = store.now();
  emit(store, { type: 'order', order: o, change: 'shipped' });
  return o;
}

export function cancel(store: WarehouseStore, orderId: number): WarehouseOrder {
  const o = store.orders.get(orderId);
  if (!o) throw new Error(`no order ${orderId}`);
  if (o.status === 'Fulfilled' || o.status === 'Cancelled') throw new Error(`order ${orderId} is ${o.status} and cannot be cancelled`);
  if (o.status === 'Processing') for (const l of o.lines) change(store, store.items.get(l.sku)!, 0, -l.quantity, 'cancel', o.referenceId);
  else for (const l of o.lines) record(store, l.sku, { onHandDelta: 0, committedDelta: 0, backorderedDelta: -l.quantity }, 'cancel', o.referenceId);
  o.status = 'Cancelled';
  o.updated = store.now();
  emit(store, { type: 'order', order: o, change: 'cancelled' });
  allocateWaiting(store);
  return o;
}

function itemOf(store: WarehouseStore, sku: string): InventoryItem {
  const item = store.items.get(sku);
  if (!item) throw new Error(`unknown sku ${sku}`);
  return item;
}

/** Physical count change: receipts, restocked returns, shrinkage, cycle counts. */
export function adjustOnHand(store: WarehouseStore, sku: string, delta: number, reason: string, ref?: string): InventoryItem {
  const item = store.items.get(sku) ?? (delta >= 0 ? addItem(store, sku, 0) : itemOf(store, sku));
  if (item.onHand + delta < 0) throw new Error(`${sku}: on hand ${item.onHand} cannot fall by ${-delta}`);
  if (delta === 0) return item;
  change(store, item, delta, 0, reason, ref);
  if (delta < 0) deallocateOverflow(store, item);
  else allocateWaiting(store);
  return item;
}

export function setAwaiting(store: WarehouseStore, sku: string, delta: number): void {
  const item = itemOf(store, sku);
  item.awaiting = Math.max(0, item.awaiting + delta);
  item.updated = store.now();
  emit(store, { type: 'inventory', item });
}
