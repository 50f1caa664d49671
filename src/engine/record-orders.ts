// Engine operation: channels tell us about orders. A channel has already sold when we
// hear of an order, so an order is never rejected for lack of stock: a shortfall becomes
// an oversell incident. Orders are recorded in batches, one transaction and a fixed
// number of statements per batch, whatever its size.
import { assertQuantity, expandClaims } from '../domain/index.js';
import type { Fulfilment } from '../domain/routing.js';
import { invalidInput, StocksyncError } from '../errors.js';
import type { Db, Tx } from '../store/db.js';
import { insertIncidents, type NewIncident } from '../store/incidents.js';
import { expectCatalogVersion } from '../store/catalog-version.js';
import { listingStates, updateTargets } from '../store/listings.js';
import { recordOrderBatch, type OrderBatchEffects } from '../store/order-batch.js';
import { findOrderIds, orderKey, type NewOrder } from '../store/orders.js';
import { withPipelinedTx, type Statements } from '../store/pipelined-tx.js';
import type { SkuGraph } from '../store/skus.js';
import { catalogSnapshot, forgetCatalog, graphFromSnapshot, isStaleCatalogError, type CachedCatalog } from './catalog-cache.js';
import { shortfalls, type PlannedClaim } from './order-shortfalls.js';
import { adaptiveSettings } from './adaptive-settings.js';
import { loweringLatencies } from './lowering-latency-cache.js';
import { affectedSkus, atsOfSkus, skusToLock, sourcedStock, targetsFromCache } from './targets.js';
import { sourceLayoutAt, type SourceLayout } from './source-layout.js';
import { routeBatch, withRoutedShort, type RoutedShort } from './route-orders.js';
import { lockSkuStock } from '../store/stock.js';
import { countOrdersRecorded, countOversells } from '../metrics/counters.js';

export interface OrderInput {
  connectionId: string;
  externalId: string;
  placedAt?: Date;
  lines: readonly { sku: string; quantity: number }[];
  /**
   * `external`: the platform ships it from its own stock (Amazon AFN). Recorded with its
   * lines, it claims nothing, goes to no warehouse and leaves the channel's count alone.
   * Default `merchant`.
   */
  fulfilment?: Fulfilment;
  /** The channel's location the order was taken from, when the platform says (ChannelOrder.location). */
  location?: string;
  raw?: unknown;
}

export type RecordOrderResult =
  | {
      outcome: 'recorded';
      orderId: number;
      oversold: { sku: string; lineNo: number; unitsShort: number }[];
      unknownSkus: string[];
    }
  | { outcome: 'duplicate'; orderId: number }
  | { outcome: 'rejected'; error: StocksyncError };

export function validateOrder(input: OrderInput): void {
  if (typeof input.connectionId !== 'string' || input.connectionId === '') throw invalidInput('connectionId', 'is required');
  if (typeof input.externalId !== 'string' || input.externalId === '') throw invalidInput('externalId', 'is required');
  if (!Array.isArray(input.lines) || input.lines.length === 0) throw invalidInput('lines', 'must hold at least one line');
  input.lines.forEach((l, i) => {
    // A line without a SKU (a custom item, a fee) is kept as an unknown line with its
    // incident: refusing the order would leave its other lines' units unclaimed.
    if (typeof l.sku !== 'string') throw invalidInput(`lines[${i}].sku`, 'must be a string');
    assertQuantity(`lines[${i}].quantity`, l.quantity);
  });
  if (input.fulfilment !== undefined && input.fulfilment !== 'merchant' && input.fulfilment !== 'external') {
    throw invalidInput('fulfilment', "must be 'merchant' or 'external'");
  }
  if (input.placedAt !== undefined && Number.isNaN(new Date(input.placedAt).getTime())) throw invalidInput('placedAt', 'must be a valid date');
}

/** Records one order; throws a StocksyncError when the input is invalid. */
export async function recordOrder(db: Db, input: OrderInput): Promise<Exclude<RecordOrderResult, { outcome: 'rejected' }>> {
  const [result] = await recordOrders(db, [input]);
  if (result!.outcome === 'rejected') throw result!.error;
  return result!;
}

/** Records a batch of orders in one transaction; results come back in input order. */
export async function recordOrders(db: Db, inputs: readonly OrderInput[]): Promise<RecordOrderResult[]> {
  const results: (RecordOrderResult | undefined)[] = inputs.map((input) => {
    try {
      validateOrder(input);
      return undefined;
    } catch (e) {
      if (e instanceof StocksyncError) return { outcome: 'rejected', error: e };
      throw e;
    }
  });
  const valid = inputs.map((input, i) => ({ input, i })).filter(({ i }) => results[i] === undefined);
  if (valid.length > 0) {
    const batch = valid.map((v) => v.input);
    // The snapshot is read before taking a connection for the transaction: many batches
    // waiting inside transactions for a snapshot would exhaust the pool.
    const record = async () => {
      const catalog = await catalogSnapshot(db);
      const plan = planBatch(batch, catalog, await sourceLayoutAt(db, catalog.version));
      const window = adaptiveSettings().velocityWindowMs;
      if (!routes(plan)) {
        return withPipelinedTx(
          db,
          (tx) => recordOrderBatch(tx, plan.newOrders, plan.lockSkus, window),
          (tx, effects) => finishBatch(tx, plan, effects),
        );
      }
      // Claims go to locations: lock the stock rows first, route on them, then the batch.
      return withPipelinedTx(
        db,
        (tx) => lockSkuStock(tx, plan.lockSkus),
        async (tx) => {
          const routed = await routeBatch(tx, plan.newOrders, plan.layout);
          const effects = await recordOrderBatch(tx, routed.newOrders, plan.lockSkus, window);
          return finishBatch(tx, { ...plan, newOrders: routed.newOrders, routedShort: routed.short }, effects);
        },
      );
    };
    let recorded: RecordOrderResult[];
    try {
      recorded = await record();
    } catch (e) {
      if (!isStaleCatalogError(e)) throw e;
      forgetCatalog(db); // rolled back: redo once against the current catalogue
      recorded = await record();
    }
    valid.forEach(({ i }, k) => (results[i] = recorded[k]));
    // Counted after the commit: a rolled-back batch recorded nothing.
    for (const { input, i } of valid) {
      const r = results[i];
      if (r?.outcome !== 'recorded') continue;
      countOrdersRecorded(input.connectionId);
      countOversells(input.connectionId, r.oversold.length);
    }
  }
  return results as RecordOrderResult[];
}

type Planned = {
  i: number;
  input: OrderInput;
  lines: { sku: string; quantity: number; known: boolean }[];
  claims: { lineNo: number; sku: string; quantity: number }[];
};

interface BatchPlan {
  inputs: readonly OrderInput[];
  catalog: CachedCatalog;
  /** Which locations each channel sells from, at the catalogue's version. */
  layout: SourceLayout;
  graph: SkuGraph;
  /** Rejections known before writing (unknown or non-channel connection). */
  results: (RecordOrderResult | undefined)[];
  /** The first occurrence of each key, with its lines and claims; any repeat is a duplicate. */
  orders: Planned[];
  newOrders: NewOrder[];
  lockSkus: string[];
  /** Units short at the selling channel's sources, when claims were routed to locations. */
  routedShort?: RoutedShort[];
}

/**
 * Claims are routed to locations once some channel has its own sources; before that they
 * stay unlocated (counted against every location), exactly as before locations.
 */
function routes(plan: BatchPlan): boolean {
  return plan.layout.configured.size > 0 && plan.newOrders.some((o) => o.claims.length > 0);
}

/** Everything about a batch that the catalogue alone decides, computed before its transaction. */
function planBatch(inputs: readonly OrderInput[], catalog: CachedCatalog, layout: SourceLayout): BatchPlan {
  const graph = graphFromSnapshot(catalog, [...new Set(inputs.flatMap((o) => o.lines.map((l) => l.sku)))], [...new Set(inputs.map((o) => o.connectionId))]);
  const connections = graph.connections;
  const results: (RecordOrderResult | undefined)[] = inputs.map((o) => {
    const c = connections.get(o.connectionId);
    if (!c) return { outcome: 'rejected', error: new StocksyncError('NOT_FOUND', `connection ${o.connectionId} is not configured`) };
    if (c.kind !== 'channel') return { outcome: 'rejected', error: invalidInput('connectionId', `${o.connectionId} is a ${c.kind}, not a channel`) };
    return undefined;
  });
  const firstOfKey = new Set<string>();
  const orders = inputs.flatMap((input, i): Planned[] => {
    const key = orderKey(input.connectionId, input.externalId);
    if (results[i] || firstOfKey.has(key)) return [];
    firstOfKey.add(key);
    const lines = input.lines.map((l) => ({ ...l, known: graph.known.has(l.sku) }));
    // An external order ships from the platform's stock (FBA): the next read of it shows the sale.
    const claims = lines.flatMap((line, lineNo) =>
      line.known && input.fulfilment !== 'external' ? expandClaims([line], graph.bundles).map((c) => ({ lineNo, sku: c.sku, quantity: c.quantity })) : [],
    );
    return [{ i, input, lines, claims }];
  });
  const newOrders = orders.map(({ input, lines, claims }) => ({
    connectionId: input.connectionId,
    externalId: input.externalId,
    placedAt: input.placedAt ? new Date(input.placedAt) : new Date(),
    warehouseConnectionId: input.fulfilment === 'external' ? null : connections.get(input.connectionId)!.fulfilledBy,
    external: input.fulfilment === 'external',
    hasUnknownSku: lines.some((l) => !l.known),
    raw: input.raw,
    lines,
    claims,
    ...(input.location && { outlet: input.location }),
  }));
  const lockSkus = skusToLock(
    orders.flatMap((o) => o.claims.map((c) => c.sku)),
    graph.bundles,
  );
  return { inputs, catalog, layout, graph, results, orders, newOrders, lockSkus };
}

/** After the batch statement: incidents, the results, and the targets to send with the COMMIT. */
async function finishBatch(
  tx: Tx,
  plan: BatchPlan,
  { ids: inserted, stock }: OrderBatchEffects,
): Promise<{ result: RecordOrderResult[]; beforeCommit: Statements }> {
  const { inputs, catalog, graph } = plan;
  const results = [...plan.results];
  const fresh = plan.orders.filter(({ input }) => inserted.has(orderKey(input.connectionId, input.externalId)));
  // Claims of orders inserted here only, in batch order (the order shortfalls are served in).
  const claims: PlannedClaim[] = fresh.flatMap(({ i, claims }) => claims.map((c) => ({ order: i, ...c })));
  const totalShort = shortfalls(claims, (order, lineNo) => inputs[order]!.lines[lineNo]!, stock, graph.bundles);
  const freshIndex = new Map(fresh.map((f) => [plan.orders.indexOf(f), f.i]));
  const short = withRoutedShort(
    totalShort,
    plan.routedShort ?? [],
    (k) => freshIndex.get(k),
    (i, lineNo) => inputs[i]!.lines[lineNo]!.sku,
  );
  await insertIncidents(tx, incidentsFor(short, fresh, inserted));
  const affected = affectedSkus(
    claims.map((c) => c.sku),
    graph.bundles,
  );
  // After the batch statement: the selling channels' counts and velocities include this batch.
  const states = await listingStates(tx, [...affected]);
  const listed = states.map((s) => ({ sku: s.sku, connectionId: s.connectionId, outlet: s.outlet }));
  const sourced = await sourcedStock(tx, plan.layout, listed, graph.bundles);
  const targets = targetsFromCache(catalog.listings, states, atsOfSkus(affected, stock, graph.bundles), await loweringLatencies(tx), sourced);

  for (const { i, input, lines } of fresh) {
    results[i] = {
      outcome: 'recorded',
      orderId: inserted.get(orderKey(input.connectionId, input.externalId))!,
      oversold: short.filter((s) => s.order === i).map(({ sku, lineNo, unitsShort }) => ({ sku, lineNo, unitsShort })),
      unknownSkus: lines.filter((l) => !l.known).map((l) => l.sku),
    };
  }
  const duplicates = inputs.map((o, i) => ({ o, i })).filter(({ i }) => results[i] === undefined);
  const existing = await findOrderIds(
    tx,
    duplicates.map(({ o }) => o),
  );
  for (const { o, i } of duplicates) {
    const id = existing.get(orderKey(o.connectionId, o.externalId));
    results[i] =
      id === undefined
        ? { outcome: 'rejected', error: new StocksyncError('NOT_FOUND', `order ${o.externalId} vanished during insert`) }
        : { outcome: 'duplicate', orderId: id };
  }
  // The batch's last writes go with its COMMIT, in one round trip, behind the check (made
  // while the batch holds its stock locks) that the cached catalogue they were computed
  // from is still current.
  return {
    result: results as RecordOrderResult[],
    beforeCommit: (tx) => [expectCatalogVersion(tx, catalog.version), updateTargets(tx, targets)],
  };
}

function incidentsFor(
  short: ReturnType<typeof shortfalls>,
  fresh: readonly { i: number; input: OrderInput; lines: readonly { sku: string; quantity: number; known: boolean }[] }[],
  ids: ReadonlyMap<string, number>,
): NewIncident[] {
  const byIndex = new Map(fresh.map((f) => [f.i, f]));
  const idOf = (i: number) => {
    const f = byIndex.get(i)!;
    return ids.get(orderKey(f.input.connectionId, f.input.externalId))!;
  };
  return [
    ...short.map((s) => ({
      kind: 'oversell' as const,
      sku: s.sku,
      orderId: idOf(s.order),
      connectionId: byIndex.get(s.order)!.input.connectionId,
      unitsShort: s.unitsShort,
      details: { lineNo: s.lineNo },
    })),
    ...fresh.flatMap((f) =>
      f.lines.flatMap((l, lineNo) =>
        l.known
          ? []
          : [
              {
                kind: 'unknown_sku' as const,
                sku: l.sku,
                orderId: idOf(f.i),
                connectionId: f.input.connectionId,
                unitsShort: null,
                details: { lineNo, quantity: l.quantity },
              },
            ],
      ),
    ),
  ];
}
