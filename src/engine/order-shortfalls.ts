// Which order lines a batch of claims could not cover (pure, given the final totals).
import { bundleUnitsShort, unitsShort } from '../domain/index.js';
import type { BundleComponent } from '../domain/types.js';
import type { SkuStockRow } from '../store/stock.js';

export interface PlannedClaim {
  order: number; // index of the order in the batch
  lineNo: number;
  sku: string; // component SKU
  quantity: number;
}

export interface Shortfall {
  order: number;
  lineNo: number;
  sku: string; // the SKU ordered (a bundle stays a bundle here)
  unitsShort: number;
}

/**
 * Claims on one SKU are served in batch order (order, then line), so a claim's ATS after
 * is the final ATS plus the units every later claim on the same SKU took.
 */
export function shortfalls(
  claims: readonly PlannedClaim[],
  orderedSku: (order: number, lineNo: number) => { sku: string; quantity: number },
  stock: ReadonlyMap<string, SkuStockRow>,
  bundles: ReadonlyMap<string, readonly BundleComponent[]>,
): Shortfall[] {
  const laterClaimed = new Map<string, number>();
  const shortByLine = new Map<string, { order: number; lineNo: number; perComponent: Map<string, number> }>();
  for (let i = claims.length - 1; i >= 0; i--) {
    const c = claims[i]!;
    const row = stock.get(c.sku);
    const later = laterClaimed.get(c.sku) ?? 0;
    laterClaimed.set(c.sku, later + c.quantity);
    const short = row ? unitsShort(row.available - row.claimed + later, c.quantity) : 0;
    if (short === 0) continue;
    const key = `${c.order}:${c.lineNo}`;
    const entry = shortByLine.get(key) ?? { order: c.order, lineNo: c.lineNo, perComponent: new Map<string, number>() };
    entry.perComponent.set(c.sku, short);
    shortByLine.set(key, entry);
  }
  const result: Shortfall[] = [];
  for (const { order, lineNo, perComponent } of shortByLine.values()) {
    const line = orderedSku(order, lineNo);
    const components = bundles.get(line.sku);
    const units = components ? bundleUnitsShort(perComponent, components, line.quantity) : (perComponent.get(line.sku) ?? 0);
    if (units > 0) result.push({ order, lineNo, sku: line.sku, unitsShort: units });
  }
  return result.sort((a, b) => a.order - b.order || a.lineNo - b.lineNo);
}
