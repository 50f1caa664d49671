// The ground truth over one or several 3PLs: one oversell detector per warehouse, each
// following that warehouse's own ledger. An order waits in Exception at the warehouse it
// was sent to when that warehouse cannot allocate it, whatever another warehouse holds,
// so an oversell at east is never hidden by stock at west; and the stock each warehouse
// shows is what it really ships from, wherever the engine meant the units to come from.
//
// What a channel could still sell (its true ATS) follows from it: the units of the
// warehouses it may ship from, less the units sold on the channels and not yet at any
// warehouse, assigned as Hall's condition allows (servableByChannel). Pure: no stack.
import { loads, sourceSets } from '../domain/source-sets.js';
import { OversellDetector, type WarehouseLedgerEntry } from './oversell-detector.js';

export interface TruthWarehouse {
  id: string;
  /** The warehouse's ledger, appended to by its owner. */
  ledger: readonly WarehouseLedgerEntry[];
  /** On hand per SKU before its first entry. */
  opening: Iterable<{ sku: string; onHand: number }>;
}

/** A selling channel as the truth sees it: the warehouses it may ship from and its units sold on the way. */
export interface TruthChannel {
  id: string;
  sources: readonly string[];
  /** Units sold on the channel that no warehouse has received yet. */
  inFlight: number;
}

export class WarehouseTruth {
  readonly detectors: ReadonlyMap<string, OversellDetector>;

  constructor(warehouses: readonly TruthWarehouse[]) {
    this.detectors = new Map(warehouses.map((w) => [w.id, new OversellDetector(w.ledger, w.opening)]));
  }

  get warehouseIds(): string[] {
    return [...this.detectors.keys()];
  }

  /** Applies every warehouse's new ledger entries; returns the references they showed oversold. */
  follow(): string[] {
    return [...this.detectors.values()].flatMap((d) => d.follow());
  }

  /** 3PL reference -> units that waited in Exception, summed over the warehouses it waited at. */
  get oversold(): Map<string, number> {
    const all = new Map<string, number>();
    for (const d of this.detectors.values()) for (const [ref, units] of d.oversold) all.set(ref, (all.get(ref) ?? 0) + units);
    return all;
  }

  /** What one warehouse can still sell (on hand less committed and backordered), or all of them together. */
  available(sku: string, warehouse?: string): number {
    if (warehouse !== undefined) return this.detector(warehouse).available(sku);
    let units = 0;
    for (const d of this.detectors.values()) units += d.available(sku);
    return units;
  }

  /** A SKU's true ATS per channel, and for all of them together (`pool`). */
  trueAts(sku: string, channels: readonly TruthChannel[]): { byChannel: Map<string, number>; pool: number } {
    const availableAt = new Map(this.warehouseIds.map((w) => [w, this.available(sku, w)]));
    return servableByChannel(availableAt, channels);
  }

  private detector(warehouse: string): OversellDetector {
    const d = this.detectors.get(warehouse);
    if (!d) throw new Error(`no warehouse ${warehouse} in the truth`);
    return d;
  }
}

/**
 * What each channel could still sell without leaving another unit sold unserved: the
 * units in flight, assigned to the warehouses their channels may ship from, serve as many
 * as they can (a max flow F); channel c's true ATS is how much more flows once c's demand
 * is unbounded, pool the same with every channel's unbounded. By max-flow min-cut over the
 * sets M of source groups, flow(d) = min over M of cap(U(M)) + d(groups outside M), cap(U)
 * the available units of the warehouses in U, an oversold warehouse counting 0 (its waiting
 * orders cannot take another warehouse's units). While every unit in flight can be served
 * this is Hall's slack, the least of cap(U(M)) - d(M) over the sets M holding c's group;
 * with one warehouse it is max(0, available - in flight), the single-3PL truth.
 */
export function servableByChannel(
  availableAt: ReadonlyMap<string, number>,
  channels: readonly TruthChannel[],
): { byChannel: Map<string, number>; pool: number } {
  const atsAt = new Map([...availableAt].map(([w, units]) => [w, Math.max(0, units)]));
  const sets = sourceSets(
    channels.map((c) => ({ connectionId: c.id, sources: c.sources })),
    { atsAt, unlocated: 0 },
  );
  const inFlight = loads(
    sets,
    channels.map((c) => c.inFlight),
  );
  const all = sets.cap.length - 1; // the mask of every group
  const cut = sets.cap.map((cap, mask) => cap + inFlight[all]! - inFlight[mask]!); // index 0: every group outside
  const served = Math.min(...cut);
  const byChannel = new Map<string, number>();
  channels.forEach((c, i) => {
    const bit = 1 << sets.groupOf[i]!;
    let least = Infinity;
    for (let mask = 1; mask < cut.length; mask++) if (mask & bit) least = Math.min(least, cut[mask]!);
    byChannel.set(c.id, least - served);
  });
  return { byChannel, pool: sets.cap[all]! - served };
}
