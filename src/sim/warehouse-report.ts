// Per-warehouse figures of a run, for the report: what each 3PL received from the engine,
// what it could not allocate (judged on its own stock), what the workload moved there, and
// the orders the engine routed across warehouses, which today are sent whole to one of
// them (docs/locations-wiring.md). Such an order waits in Exception at the warehouse it
// was sent to when that warehouse lacks the part routed elsewhere: it is **misrouted**, not
// oversold, when the warehouse had free every unit the engine routed to it (its own part),
// so the shortfall is only the other warehouse's part; it is oversold when even its own
// part was short. With per-warehouse pushes no order is misrouted.
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
  /** Orders it could not allocate, misrouted ones included. */
  inExceptionOrders: number;
  inExceptionUnits: number;
  oversoldOrders: number;
  oversoldUnits: number;
  misroutedOrders: number;
  misroutedUnits: number;
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
): Promise<{ byWarehouse: Record<string, WarehouseFigures>; splitOrders: SplitOrders; misrouted: Set<string> }> {
  const byWarehouse: Record<string, WarehouseFigures> = {};
  const receivedBy = new Map<number, Set<string>>(); // engine order id -> warehouses that got it
  const split = await ordersClaimedAtSeveralWarehouses(stack.db);
  const splitUnits = new Map(split.map((o) => [o.orderId, o.units]));
  const misrouted = new Set<string>(); // references
  for (const id of stack.warehouseIds) {
    const view = stack.warehouse(id).control.truth() as WarehouseTruthView;
    const ours = view.orders.filter((o) => orderIdOfReference(o.reference_id) !== null);
    for (const o of ours) {
      const orderId = orderIdOfReference(o.reference_id)!;
      (receivedBy.get(orderId) ?? receivedBy.set(orderId, new Set()).get(orderId)!).add(id);
    }
    const stuck = ours.filter((o) => o.status === 'Exception');
    const detector = truth.detectors.get(id)!;
    const here = [...detector.oversold];
    const wrong = here.filter(([ref]) => {
      const claimed = splitUnits.get(orderIdOfReference(ref) ?? -1)?.[id];
      return claimed !== undefined && (detector.shortLines.get(ref) ?? []).every((l) => (claimed[l.sku] ?? 0) <= l.free);
    });
    for (const [ref] of wrong) misrouted.add(ref);
    const unitsIn = (entries: readonly [string, number][]) => entries.reduce((sum, [, units]) => sum + units, 0);
    byWarehouse[id] = {
      ordersReceived: ours.length,
      unitsReceived: unitsOf(ours),
      inExceptionOrders: here.length,
      inExceptionUnits: unitsIn(here),
      oversoldOrders: here.length - wrong.length,
      oversoldUnits: unitsIn(here) - unitsIn(wrong),
      misroutedOrders: wrong.length,
      misroutedUnits: unitsIn(wrong),
      stuckInExceptionAtEnd: { orders: stuck.length, units: unitsOf(stuck) },
      receivedUnits: counts[id]?.receivedUnits ?? 0,
      returnedUnits: counts[id]?.returnedUnits ?? 0,
      shrunkUnits: counts[id]?.shrunkUnits ?? 0,
      onHandAtEnd: view.inventory.reduce((s, i) => s + i.on_hand, 0),
    };
  }
  let away = 0;
  for (const { orderId, units } of split) {
    const shippers = receivedBy.get(orderId) ?? new Set<string>();
    for (const [warehouse, skus] of Object.entries(units)) if (!shippers.has(warehouse)) away += Object.values(skus).reduce((a, b) => a + b, 0);
  }
  return {
    byWarehouse,
    misrouted,
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
