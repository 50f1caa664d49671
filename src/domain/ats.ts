import type { BundleComponent, Sku } from './types.js';

/** ATS of a plain SKU: warehouse available minus open claims. Negative after an oversell. */
export function ats(stock: { available: number; claimed: number }): number {
  return stock.available - stock.claimed;
}

/**
 * ATS of a bundle: how many whole bundles the components can still make, i.e. the minimum
 * over components of floor(ATS_c / q).
 *
 * Decisions where the spec is silent:
 * - A component with negative ATS (oversold) yields 0, not a negative bundle ATS: the
 *   shortfall belongs to the component and is already recorded against it; a negative
 *   bundle ATS would only be clamped by every target anyway and would double-report it.
 * - A component missing from `componentAts` (unknown SKU, no stock row) counts as 0: we
 *   never sell what we cannot see.
 * - A bundle with no components has ATS 0 (such a definition is rejected by validateBundle).
 * - A non-positive quantity would divide by zero or flip signs; it counts as unsellable (0).
 */
export function bundleAts(componentAts: ReadonlyMap<Sku, number>, components: readonly BundleComponent[]): number {
  if (components.length === 0) return 0;
  let min = Infinity;
  for (const c of components) {
    if (!(c.quantity >= 1)) return 0;
    const a = componentAts.get(c.sku);
    if (a === undefined || a <= 0) return 0;
    min = Math.min(min, Math.floor(a / c.quantity));
  }
  return min;
}

/**
 * Units of one claim that the stock did not cover, given the ATS right after the claim.
 * A claim of 5 that takes ATS from 2 to -3 is 3 units short; one that takes it from -4 to
 * -9 is 5 short (all of it), never more than the claim itself.
 */
export function unitsShort(atsAfter: number, quantity: number): number {
  return Math.min(quantity, Math.max(0, -atsAfter));
}
