// Per-warehouse figures of a run, for the report: what each 3PL received from the engine,
// what it could not allocate (its own oversells, judged on its own stock), what the
// workload moved there, and the orders the engine routed across warehouses, which today
// are sent whole to one of them (docs/locations-wiring.md): the units claimed at a
// warehouse that never got the order show how far the engine's claims and the warehouses'
// real shipments parted.
import type { PlatformStack } from '../harness/stack.js';
import { orderIdOfReference } from '../engine/workers/warehouse-pusher.js';
import { ordersClaimedAtSeveralWarehouses } from '../store/locations.js';
import type { WarehouseCounts } from './player.js';
import type { WarehouseTruth } from './warehouse-truth.js';

interface WarehouseTruthView {
  orders: { reference_id: string; status: string; lines: { quantity: number }[] }[];
  inventory: { on_hand: number; committed: number }[];
}

export interface WarehouseFigures {
  ordersReceived: number;
  unitsReceived: number;
  oversoldOrders: number;
  oversoldUnits: number;
  stuckInExceptionAtEnd: { orders: number; units: number };
  receivedUnits: number;
  returnedUnits: number;
  shrunkUnits: number;
  onHandAtEnd: number;
}

export interface SplitOrders {
  /** Orders whose claims the engine routed to more than one warehouse. */
  orders: number;
  /** Their units claimed at a warehouse that never received the order. */
  unitsClaimedAwayFromShipper: number;
  meaning: string;
}

export async function warehouseFigures(
  stack: PlatformStack,
  truth: WarehouseTruth,
  counts: Readonly<Record<string, WarehouseCounts>>,
): Promise<{ byWarehouse: Record<string, WarehouseFigures>; splitOrders: SplitOrders }> {
  const byWarehouse: Record<string, WarehouseFigures> = {};
  const receivedBy = new Map<number, Set<string>>(); // engine order id -> warehouses that got it
  for (const id of stack.warehouseIds) {
    const view = stack.warehouse(id).control.truth() as WarehouseTruthView;
    const ours = view.orders.filter((o) => orderIdOfReference(o.reference_id) !== null);
    for (const o of ours) {
      const orderId = orderIdOfReference(o.reference_id)!;
      (receivedBy.get(orderId) ?? receivedBy.set(orderId, new Set()).get(orderId)!).add(id);
    }
    const stuck = ours.filter((o) => o.status === 'Exception');
    const oversold = truth.detectors.get(id)!.oversold;
    byWarehouse[id] = {
      ordersReceived: ours.length,
      unitsReceived: unitsOf(ours),
      oversoldOrders: oversold.size,
      oversoldUnits: [...oversold.values()].reduce((a, b) => a + b, 0),
      stuckInExceptionAtEnd: { orders: stuck.length, units: unitsOf(stuck) },
      receivedUnits: counts[id]?.receivedUnits ?? 0,
      returnedUnits: counts[id]?.returnedUnits ?? 0,
      shrunkUnits: counts[id]?.shrunkUnits ?? 0,
      onHandAtEnd: view.inventory.reduce((s, i) => s + i.on_hand, 0),
    };
  }
  const split = await ordersClaimedAtSeveralWarehouses(stack.db);
  let away = 0;
  for (const { orderId, units } of split) {
    const shippers = receivedBy.get(orderId) ?? new Set<string>();
    for (const [warehouse, n] of Object.entries(units)) if (!shippers.has(warehouse)) away += n;
  }
  return {
    byWarehouse,
    splitOrders: {
      orders: split.length,
      unitsClaimedAwayFromShipper: away,
      meaning:
        'orders the engine routed to locations of more than one warehouse; units = their units claimed at a warehouse that did not receive the order (0 once every part is sent to its own warehouse)',
    },
  };
}

function unitsOf(orders: readonly { lines: { quantity: number }[] }[]): number {
  return orders.reduce((s, o) => s + o.lines.reduce((t, l) => t + l.quantity, 0), 0);
}
