// Stock coming in: warehouse receiving orders (WROs: announced, counted as awaiting, on
// hand when they arrive) and returns (announced with a reference id; restocked units
// go back on hand when the return is processed).
import { adjustOnHand, setAwaiting, type WarehouseStore } from './store.js';

export interface Receiving {
  id: number;
  purchaseOrderNumber: string;
  status: 'Awaiting' | 'Completed';
  lines: { sku: string; inventoryId: number; expected: number; received: number }[];
  created: Date;
  updated: Date;
}

export type ReturnAction = 'Restock' | 'Quarantine' | 'Dispose';

export interface ReturnOrder {
  id: number;
  referenceId: string;
  status: 'Awaiting Arrival' | 'Completed';
  originalShipmentId?: number;
  lines: { sku: string; inventoryId: number; quantity: number; action: ReturnAction }[];
  created: Date;
  completed?: Date;
}

export interface Inbound {
  receivings: Map<number, Receiving>;
  returns: Map<number, ReturnOrder>;
  returnRefs: Set<string>;
  nextId: number;
}

export function createInbound(): Inbound {
  return { receivings: new Map(), returns: new Map(), returnRefs: new Set(), nextId: 9001 };
}

export function announceReceiving(store: WarehouseStore, inbound: Inbound, po: string, lines: { sku: string; quantity: number }[]): Receiving {
  const now = store.now();
  const wro: Receiving = {
    id: inbound.nextId++,
    purchaseOrderNumber: po,
    status: 'Awaiting',
    lines: lines.map((l) => ({ sku: l.sku, inventoryId: store.items.get(l.sku)!.inventoryId, expected: l.quantity, received: 0 })),
    created: now,
    updated: now,
  };
  inbound.receivings.set(wro.id, wro);
  for (const l of lines) setAwaiting(store, l.sku, l.quantity);
  return wro;
}

/**
 * Goods are counted in. Units announced by an open WRO (matched by id or purchase order
 * number when given, else the oldest open one for the SKU) leave `awaiting`; all of
 * them go on hand either way, as an unannounced delivery still gets stowed.
 */
export function receive(store: WarehouseStore, inbound: Inbound, sku: string, quantity: number, reference?: string): Receiving | undefined {
  const open = [...inbound.receivings.values()].filter(
    (w) => w.status === 'Awaiting' && (!reference || String(w.id) === reference || w.purchaseOrderNumber === reference),
  );
  let left = quantity;
  let touched: Receiving | undefined;
  for (const w of open) {
    for (const l of w.lines) {
      if (l.sku !== sku || left === 0) continue;
      const take = Math.min(left, l.expected - l.received);
      if (take <= 0) continue;
      l.received += take;
      left -= take;
      setAwaiting(store, sku, -take);
      touched = w;
    }
    if (w.lines.every((l) => l.received >= l.expected)) w.status = 'Completed';
    w.updated = store.now();
  }
  adjustOnHand(store, sku, quantity, 'receive', touched ? `WRO ${touched.id}` : reference);
  return touched;
}

export function announceReturn(
  store: WarehouseStore,
  inbound: Inbound,
  referenceId: string,
  lines: { sku: string; quantity: number; action: ReturnAction }[],
  originalShipmentId?: number,
): ReturnOrder {
  const ret: ReturnOrder = {
    id: inbound.nextId++,
    referenceId,
    status: 'Awaiting Arrival',
    ...(originalShipmentId !== undefined && { originalShipmentId }),
    lines: lines.map((l) => ({ ...l, inventoryId: store.items.get(l.sku)!.inventoryId })),
    created: store.now(),
  };
  inbound.returns.set(ret.id, ret);
  inbound.returnRefs.add(referenceId);
  return ret;
}

/**
 * A returned parcel is processed. With a matching announced return (by reference id, or
 * the oldest open one holding the SKU) its requested action decides; an unannounced
 * return is restocked. Only Restock puts units back on hand.
 */
export function processReturn(store: WarehouseStore, inbound: Inbound, sku: string, quantity: number, reference?: string): ReturnOrder | undefined {
  const match = [...inbound.returns.values()].find(
    (r) => r.status === 'Awaiting Arrival' && (!reference || r.referenceId === reference || String(r.id) === reference) && r.lines.some((l) => l.sku === sku),
  );
  const action = match?.lines.find((l) => l.sku === sku)?.action ?? 'Restock';
  if (match) {
    match.status = 'Completed';
    match.completed = store.now();
  }
  if (action === 'Restock') adjustOnHand(store, sku, quantity, 'return', match?.referenceId ?? reference);
  else
    store.ledger.push({
      at: store.now().toISOString(),
      sku,
      onHandDelta: 0,
      committedDelta: 0,
      reason: `return ${action.toLowerCase()}`,
      ...(reference && { ref: reference }),
    });
  return match;
}
