// Routes an order batch's claims to the locations that will ship them (docs/locations.md,
// "Routing a claim"; src/domain/routing.ts), inside the batch's transaction once the SKUs'
// stock rows are locked: the stock by location and every channel's count are read, each
// order is routed in batch order on the stock the previous ones left, and every part
// becomes its own claim with its location. The order goes to the warehouse that ships
// most of its units.
import { routeOrder, type RoutingStock } from '../domain/routing.js';
import type { Sku } from '../domain/types.js';
import type { Tx } from '../store/db.js';
import { listingStates } from '../store/listings.js';
import type { NewOrder } from '../store/orders.js';
import { locationStocks } from './location-stock.js';
import type { Shortfall } from './order-shortfalls.js';
import { sellerSources, sourcesOf, type SourceLayout } from './source-layout.js';
import { outletKey } from '../domain/locations.js';

export interface RoutedShort {
  /** Index of the order in the batch's `newOrders`. */
  order: number;
  lineNo: number;
  sku: Sku;
  units: number;
}

export interface RoutedBatch {
  newOrders: NewOrder[];
  /** Units no source of the selling channel had: an oversell at its first source. */
  short: RoutedShort[];
}

export async function routeBatch(tx: Tx, orders: readonly NewOrder[], layout: SourceLayout): Promise<RoutedBatch> {
  const skus = [...new Set(orders.flatMap((o) => o.claims.map((c) => c.sku)))].sort();
  const [byLocation, states] = [await locationStocks(tx, skus, new Map()), await listingStates(tx, skus)];
  const stock = new Map<Sku, RoutingStock>(
    skus.map((sku) => [
      sku,
      {
        ...byLocation.get(sku)!,
        // Every channel's count, the sellers' still including this batch's units (the batch
        // statement lowers them): a sale is routed where it leaves the others servable.
        commitments: states
          .filter((s) => s.sku === sku)
          .map((s) => ({
            connectionId: outletKey(s.connectionId, s.outlet),
            sources: sourcesOf(layout, outletKey(s.connectionId, s.outlet)),
            units: Math.max(0, s.exposure),
            unrecordedSales: s.unrecordedSales,
          })),
      },
    ]),
  );
  const short: RoutedShort[] = [];
  const newOrders = orders.map((o, order) => {
    // An order taken at one of the channel's locations sells that location's count. One
    // naming none (or a location not configured) came off one of them, we do not know which:
    // the channel's locations count as one for it (sellerSources says where it may ship from).
    const outlets = layout.outlets.get(o.connectionId);
    const known = o.outlet !== undefined && outlets?.includes(o.outlet) === true;
    const routed = routeOrder({
      seller: known ? outletKey(o.connectionId, o.outlet!) : o.connectionId,
      sources: sellerSources(layout, o.connectionId, o.outlet),
      fulfilment: o.external ? 'external' : 'merchant',
      lines: o.claims.map((c) => ({ lineIndex: c.lineNo, sku: c.sku, quantity: c.quantity })),
      stock: outlets && !known ? asOneSeller(stock, o.connectionId, outlets) : stock,
    });
    // ...and the batch lowers none of their counts (order-batch.ts): their commitments stay
    for (const [sku, s] of routed.stock) stock.set(sku, outlets && !known ? { ...s, commitments: stock.get(sku)!.commitments } : s);
    for (const s of routed.short) short.push({ order, lineNo: s.lineIndex, sku: s.sku, units: s.units });
    const claims = routed.parts.map((p) => ({
      lineNo: p.lineIndex,
      sku: p.sku,
      quantity: p.quantity,
      locationId: p.location === null ? null : layout.ids.get(p.location)!,
    }));
    return { ...o, claims, warehouseConnectionId: shippingWarehouse(claims, layout) ?? o.warehouseConnectionId };
  });
  return { newOrders, short };
}

/** The stock with a channel's locations' commitments merged into one of the channel: their units over the union of their sources. */
function asOneSeller(stock: ReadonlyMap<Sku, RoutingStock>, connectionId: string, outlets: readonly string[]): Map<Sku, RoutingStock> {
  const keys = new Set(outlets.map((o) => outletKey(connectionId, o)));
  return new Map(
    [...stock].map(([sku, s]) => {
      const own = s.commitments.filter((c) => keys.has(c.connectionId));
      if (own.length === 0) return [sku, s];
      const merged = {
        connectionId,
        sources: [...new Set(own.flatMap((c) => c.sources))],
        units: own.reduce((n, c) => n + c.units, 0),
        unrecordedSales: own.reduce((n, c) => n + (c.unrecordedSales ?? 0), 0),
      };
      return [sku, { ...s, commitments: [...s.commitments.filter((c) => !keys.has(c.connectionId)), merged] }];
    }),
  );
}

/** The warehouse holding most of the claimed units (the first such on a tie); null when none is located. */
function shippingWarehouse(claims: readonly { quantity: number; locationId: number | null }[], layout: SourceLayout): string | null {
  const units = new Map<string, number>();
  for (const c of claims) {
    const w = c.locationId === null ? undefined : layout.warehouseOf.get(c.locationId);
    if (w !== undefined) units.set(w, (units.get(w) ?? 0) + c.quantity);
  }
  let best: string | null = null;
  for (const [w, n] of units) if (best === null || n > units.get(best)!) best = w;
  return best;
}

/**
 * The batch's oversells (order = input index) with the routing's: a plain line short at its
 * channel's sources is short by the larger count, though the SKU's total may cover it. Only
 * orders inserted by the batch count (`inputIndexOf` answers undefined for the others).
 */
export function withRoutedShort(
  short: readonly Shortfall[],
  routed: readonly RoutedShort[],
  inputIndexOf: (order: number) => number | undefined,
  lineSku: (input: number, lineNo: number) => string,
): Shortfall[] {
  const result = [...short];
  for (const r of routed) {
    const input = inputIndexOf(r.order);
    if (input === undefined || lineSku(input, r.lineNo) !== r.sku) continue; // a bundle's component: its total reports the bundle
    const k = result.findIndex((s) => s.order === input && s.lineNo === r.lineNo);
    if (k < 0) result.push({ order: input, lineNo: r.lineNo, sku: r.sku, unitsShort: r.units });
    else if (result[k]!.unitsShort < r.units) result[k] = { ...result[k]!, unitsShort: r.units };
  }
  return result.sort((a, b) => a.order - b.order || a.lineNo - b.lineNo);
}
