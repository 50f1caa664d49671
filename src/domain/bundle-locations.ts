// A bundle's stock by location, for the planner over sources (docs/locations.md): at each
// location, the whole bundles its components make there. Claims without a location count
// against every location; for the bundle they take the most bundles any one component's
// unlocated units could stand for. A component oversold at a location (negative ATS)
// makes the bundle negative there too, as the planner counts a plain SKU's. The result never shows more bundles over a set of
// locations than the components there can make (property-tested).
import type { LocationKey, LocationStock } from './locations.js';
import type { BundleComponent, Sku } from './types.js';

export function bundleLocationStock(components: readonly BundleComponent[], stockOf: (sku: Sku) => LocationStock | undefined): LocationStock {
  const atsAt = new Map<LocationKey, number>();
  if (components.length === 0 || components.some((c) => !(c.quantity >= 1))) return { atsAt, unlocated: 0 };
  const stocks = components.map((c) => ({ c, stock: stockOf(c.sku) ?? { atsAt: new Map<LocationKey, number>(), unlocated: 0 } }));
  const where = new Set(stocks.flatMap(({ stock }) => [...stock.atsAt.keys()]));
  for (const l of where) {
    const made = Math.min(...stocks.map(({ c, stock }) => Math.floor((stock.atsAt.get(l) ?? 0) / c.quantity)));
    if (made !== 0) atsAt.set(l, made);
  }
  const unlocated = Math.max(0, ...stocks.map(({ c, stock }) => Math.ceil(Math.max(0, stock.unlocated) / c.quantity)));
  return { atsAt, unlocated };
}
