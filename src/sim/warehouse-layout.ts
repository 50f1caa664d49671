// The two-warehouse workload's layout (`simulate --warehouses 2`): two 3PLs, east and
// west, each with its own stock, and channels that sell from different ones. Pure: the
// split of a SKU's stock is drawn from the workload's seeded streams.
import type { Rng } from '../../sandbox/core/rng.js';
import type { SimChannel } from './workload.js';

export type SimWarehouse = 'east' | 'west';
export const SIM_WAREHOUSES: readonly SimWarehouse[] = ['east', 'west'];

/**
 * Which warehouses each channel sells from, in routing order: the web shop from both
 * (east first), Amazon from west only, WooCommerce from east only. So every SKU has three
 * source sets, two of them disjoint, and a Shopify sale competes with both others.
 */
export const TWO_WAREHOUSE_SOURCES: Readonly<Record<SimChannel, readonly SimWarehouse[]>> = {
  shopify: ['east', 'west'],
  amazon: ['west'],
  woocommerce: ['east'],
};

/** Where a SKU is stocked: its opening units per warehouse, and the warehouses that carry it (receipts, returns and shrinkage happen only there). */
export interface SkuPlacement {
  stockAt: Record<SimWarehouse, number>;
  homes: SimWarehouse[];
}

/**
 * Splits `initial` units (2 or more) between the warehouses: 60% of SKUs are carried by
 * both (each gets 20-80% of the units, at least one), 20% by east only, 20% by west only.
 */
export function placeSku(rng: Rng, initial: number): SkuPlacement {
  const r = rng.next();
  if (r < 0.2) return { stockAt: { east: initial, west: 0 }, homes: ['east'] };
  if (r < 0.4) return { stockAt: { east: 0, west: initial }, homes: ['west'] };
  // at least one unit at each (every SKU has 2 or more): a SKU carried by both is stocked at both
  const east = Math.min(initial - 1, Math.max(1, Math.round(initial * (0.2 + 0.6 * rng.next()))));
  return { stockAt: { east, west: initial - east }, homes: ['east', 'west'] };
}
