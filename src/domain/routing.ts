// Where an accepted order's units are claimed: at the locations that will ship them.
//
// The rule (docs/locations.md, "Routing a claim"), in the selling channel's source order:
// 1. the first source that can give every line of the order (one shipment);
// 2. else, per line, the first source that can give the whole line;
// 3. else the line is split in source order, each source giving what it can;
// 4. units still missing come from sources that have stock, though other channels show it;
// 5. units no source has are claimed at the first source and reported short (an oversell).
// A channel without sources records its claims unlocated; an order the platform ships from
// its own stock (Amazon FBA, `external`) claims nothing.
//
// "Can give" means the units are there and free: taking them there leaves every channel's
// count servable (Hall's condition, source-sets.ts), so a sale routed to a location another
// channel depends on does not oversell that channel when a location it cannot reach had
// the units.
import type { LocationKey } from './locations.js';
import { feasible, sourceSets, type SourcedChannel } from './source-sets.js';
import type { ComponentClaim, ConnectionId, Sku } from './types.js';

/** What one channel may still sell of a SKU (its count), and where from. */
export interface Commitment extends SourcedChannel {
  units: number;
}

/** One SKU's stock as the router sees it. */
export interface RoutingStock {
  atsAt: ReadonlyMap<LocationKey, number>;
  unlocated: number;
  /**
   * Every channel's count of the SKU, the selling channel's still including the order's
   * units. Empty: plain source order, no channel protected.
   */
  commitments: readonly Commitment[];
}

/** Who ships an order: the merchant (from a warehouse) or the platform from its own stock (Amazon FBA). */
export type Fulfilment = 'merchant' | 'external';

export interface RouteInput {
  /** The selling channel (its entry in `commitments`, when there is one). */
  seller: ConnectionId;
  /** Its sources, in order. */
  sources: readonly LocationKey[];
  /** `external`: the platform ships from its own stock (FBA); nothing is claimed. */
  fulfilment: Fulfilment;
  /** The order's claims on plain SKUs (a bundle line expanded into its components), in line order. */
  lines: readonly ComponentClaim[];
  stock: ReadonlyMap<Sku, RoutingStock>;
}

export interface ClaimPart {
  lineIndex: number;
  sku: Sku;
  /** null: unlocated (the channel has no source). */
  location: LocationKey | null;
  quantity: number;
}

export interface RoutedOrder {
  parts: ClaimPart[];
  /** Claims (line and SKU) split over more than one location. */
  split: { lineIndex: number; sku: Sku }[];
  /** Units no source had, claimed at the first source: an oversell there. */
  short: { lineIndex: number; sku: Sku; location: LocationKey; units: number }[];
  /** The stock after these claims (ATS lowered where claimed, the seller's count lowered). */
  stock: Map<Sku, RoutingStock>;
}

export function routeOrder(input: RouteInput): RoutedOrder {
  const stock = new Map(input.stock);
  const result: RoutedOrder = { parts: [], split: [], short: [], stock };
  if (input.fulfilment === 'external') return result;
  const sources = [...new Set(input.sources)];
  if (sources.length === 0) {
    for (const l of input.lines) result.parts.push({ lineIndex: l.lineIndex, sku: l.sku, location: null, quantity: l.quantity });
    return result;
  }
  const perSku = new Map<Sku, number>();
  for (const l of input.lines) perSku.set(l.sku, (perSku.get(l.sku) ?? 0) + l.quantity);
  const whole = sources.find((loc) => [...perSku].every(([sku, q]) => canGive(stockOf(stock, sku), input.seller, loc, q)));
  if (whole !== undefined) {
    for (const l of input.lines) take(result, input.seller, l, whole, l.quantity);
    return result;
  }
  for (const l of input.lines) routeLine(result, input.seller, sources, l);
  return result;
}

function routeLine(result: RoutedOrder, seller: ConnectionId, sources: readonly LocationKey[], claim: ComponentClaim): void {
  const { sku, quantity } = claim;
  const stock = () => stockOf(result.stock, sku);
  const whole = sources.find((loc) => canGive(stock(), seller, loc, quantity));
  if (whole !== undefined) {
    take(result, seller, claim, whole, quantity);
    return;
  }
  let left = quantity;
  for (const loc of sources) {
    const q = mostFree(stock(), seller, loc, left);
    if (q > 0) take(result, seller, claim, loc, q);
    left -= q;
  }
  for (const loc of sources) {
    const q = Math.min(left, Math.max(0, stock().atsAt.get(loc) ?? 0));
    if (q > 0) take(result, seller, claim, loc, q);
    left -= q;
  }
  if (left > 0) {
    take(result, seller, claim, sources[0]!, left);
    result.short.push({ lineIndex: claim.lineIndex, sku, location: sources[0]!, units: left });
  }
  if (result.parts.filter((p) => p.lineIndex === claim.lineIndex && p.sku === sku).length > 1) result.split.push({ lineIndex: claim.lineIndex, sku });
}

/** The most units (up to `want`) location `loc` can give the seller (binary search: giving is monotone). */
function mostFree(stock: RoutingStock, seller: ConnectionId, loc: LocationKey, want: number): number {
  let lo = 0;
  let hi = Math.min(want, Math.max(0, stock.atsAt.get(loc) ?? 0));
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (canGive(stock, seller, loc, mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Whether `loc` has `q` units and taking them there leaves every count servable. */
function canGive(stock: RoutingStock, seller: ConnectionId, loc: LocationKey, q: number): boolean {
  if ((stock.atsAt.get(loc) ?? 0) < q) return false;
  if (stock.commitments.length === 0) return true;
  const after = taken(stock, seller, loc, q);
  return feasible(
    sourceSets(after.commitments, after),
    after.commitments.map((c) => c.units),
  );
}

function taken(stock: RoutingStock, seller: ConnectionId, loc: LocationKey, q: number): RoutingStock {
  const atsAt = new Map(stock.atsAt);
  atsAt.set(loc, (atsAt.get(loc) ?? 0) - q);
  const commitments = stock.commitments.map((c) => (c.connectionId === seller ? { ...c, units: Math.max(0, c.units - q) } : c));
  return { atsAt, unlocated: stock.unlocated, commitments };
}

function take(result: RoutedOrder, seller: ConnectionId, claim: ComponentClaim, loc: LocationKey, q: number): void {
  const { lineIndex, sku } = claim;
  result.stock.set(sku, taken(stockOf(result.stock, sku), seller, loc, q));
  const part = result.parts.find((p) => p.lineIndex === lineIndex && p.sku === sku && p.location === loc);
  if (part) part.quantity += q;
  else result.parts.push({ lineIndex, sku, location: loc, quantity: q });
}

function stockOf(stock: ReadonlyMap<Sku, RoutingStock>, sku: Sku): RoutingStock {
  return stock.get(sku) ?? { atsAt: new Map(), unlocated: 0, commitments: [] };
}
