// Engine operation: a channel tells us about an order. The channel has already sold, so
// the order is never rejected; a shortfall becomes an oversell incident.
import { assertQuantity, bundleUnitsShort, expandClaims, unitsShort } from '../domain/index.js';
import type { ComponentClaim } from '../domain/types.js';
import { invalidInput, StocksyncError } from '../errors.js';
import { insertClaims } from '../store/claims.js';
import type { Db, Tx } from '../store/db.js';
import { withTx } from '../store/db.js';
import { insertIncidents, type NewIncident } from '../store/incidents.js';
import { appendLedger } from '../store/ledger.js';
import { recordChannelSale } from '../store/listings.js';
import { findOrderId, insertOrder, insertOrderLines } from '../store/orders.js';
import { loadSkuGraph, type SkuGraph } from '../store/skus.js';
import { addToSkuStock, lockSkuStock, type SkuStockRow } from '../store/stock.js';
import { affectedSkus, recomputeTargets, skusToLock } from './targets.js';
import { channelConnection } from './connections.js';

export interface OrderInput {
  connectionId: string;
  externalId: string;
  placedAt?: Date;
  lines: readonly { sku: string; quantity: number }[];
  raw?: unknown;
}

export type RecordOrderResult =
  | {
      outcome: 'recorded';
      orderId: number;
      oversold: { sku: string; lineNo: number; unitsShort: number }[];
      unknownSkus: string[];
      dirtied: number;
    }
  | { outcome: 'duplicate'; orderId: number };

export function validateOrder(input: OrderInput): void {
  if (typeof input.connectionId !== 'string' || input.connectionId === '') throw invalidInput('connectionId', 'is required');
  if (typeof input.externalId !== 'string' || input.externalId === '') throw invalidInput('externalId', 'is required');
  if (!Array.isArray(input.lines) || input.lines.length === 0) throw invalidInput('lines', 'must hold at least one line');
  input.lines.forEach((l, i) => {
    if (typeof l.sku !== 'string' || l.sku === '') throw invalidInput(`lines[${i}].sku`, 'is required');
    assertQuantity(`lines[${i}].quantity`, l.quantity);
  });
}

export async function recordOrder(db: Db, input: OrderInput): Promise<RecordOrderResult> {
  validateOrder(input);
  return withTx(db, (tx) => recordOrderInTx(tx, input));
}

export async function recordOrderInTx(tx: Tx, input: OrderInput): Promise<RecordOrderResult> {
  const connection = await channelConnection(tx, input.connectionId);
  const orderId = await insertOrder(tx, {
    connectionId: input.connectionId,
    externalId: input.externalId,
    placedAt: input.placedAt ?? new Date(),
    warehouseConnectionId: connection.fulfilledBy,
    raw: input.raw,
  });
  if (orderId === null) {
    const existing = await findOrderId(tx, input.connectionId, input.externalId);
    if (existing === null) throw new StocksyncError('NOT_FOUND', `order ${input.externalId} vanished during insert`);
    return { outcome: 'duplicate', orderId: existing };
  }

  const graph = await loadSkuGraph(tx, input.lines.map((l) => l.sku));
  const knownLines = input.lines.map((l) => ({ ...l, known: graph.known.has(l.sku) }));
  await insertOrderLines(tx, orderId, knownLines);

  // One line at a time so every claim keeps its order line number; unknown SKUs claim nothing.
  const claims = input.lines.flatMap((line, lineNo) =>
    graph.known.has(line.sku) ? expandClaims([line], graph.bundles).map((c) => ({ ...c, lineIndex: lineNo })) : [],
  );

  const stock = await lockSkuStock(tx, skusToLock(claims.map((c) => c.sku), graph.bundles));
  const after = await addToSkuStock(tx, claims.map((c) => ({ sku: c.sku, available: 0, claimed: c.quantity })));
  for (const row of after) stock.set(row.sku, row);

  const rows = await insertClaims(tx, orderId, claims.map((c) => ({ lineNo: c.lineIndex, sku: c.sku, quantity: c.quantity })));
  await appendLedger(
    tx,
    rows.map((r) => ({
      key: `claim:${r.id}`,
      sku: r.sku,
      kind: 'claim' as const,
      availableDelta: 0,
      claimedDelta: r.quantity,
      orderId,
      source: `order:${input.connectionId}:${input.externalId}`,
    })),
  );

  const oversold = shortfalls(input.lines, claims, stock, graph);
  const unknownSkus = knownLines.filter((l) => !l.known).map((l) => l.sku);
  await insertIncidents(tx, incidentsFor(orderId, input.connectionId, oversold, knownLines));

  await recordChannelSale(tx, input.connectionId, knownLines.filter((l) => l.known));
  const dirtied = await recomputeTargets(tx, affectedSkus(claims.map((c) => c.sku), graph.bundles), stock, graph.bundles);
  return { outcome: 'recorded', orderId, oversold, unknownSkus, dirtied };
}

/**
 * Units short per line. Claims on one SKU are taken in line order, so a claim's ATS after
 * is the final ATS plus the units later claims on the same SKU took.
 */
function shortfalls(
  lines: OrderInput['lines'],
  claims: readonly ComponentClaim[],
  stock: ReadonlyMap<string, SkuStockRow>,
  graph: SkuGraph,
): { sku: string; lineNo: number; unitsShort: number }[] {
  const laterClaimed = new Map<string, number>();
  const shortByLine = new Map<number, Map<string, number>>();
  for (let i = claims.length - 1; i >= 0; i--) {
    const c = claims[i]!;
    const row = stock.get(c.sku)!;
    const later = laterClaimed.get(c.sku) ?? 0;
    const short = unitsShort(row.available - row.claimed + later, c.quantity);
    laterClaimed.set(c.sku, later + c.quantity);
    if (short > 0) {
      const m = shortByLine.get(c.lineIndex) ?? new Map<string, number>();
      m.set(c.sku, short);
      shortByLine.set(c.lineIndex, m);
    }
  }
  const result: { sku: string; lineNo: number; unitsShort: number }[] = [];
  for (const [lineNo, perComponent] of [...shortByLine].sort((a, b) => a[0] - b[0])) {
    const line = lines[lineNo]!;
    const components = graph.bundles.get(line.sku);
    const units = components
      ? bundleUnitsShort(perComponent, components, line.quantity)
      : (perComponent.get(line.sku) ?? 0);
    if (units > 0) result.push({ sku: line.sku, lineNo, unitsShort: units });
  }
  return result;
}

function incidentsFor(
  orderId: number,
  connectionId: string,
  oversold: readonly { sku: string; lineNo: number; unitsShort: number }[],
  lines: readonly { sku: string; quantity: number; known: boolean }[],
): NewIncident[] {
  return [
    ...oversold.map((o) => ({
      kind: 'oversell' as const,
      sku: o.sku,
      orderId,
      connectionId,
      unitsShort: o.unitsShort,
      details: { lineNo: o.lineNo },
    })),
    ...lines
      .map((l, lineNo) => ({ l, lineNo }))
      .filter(({ l }) => !l.known)
      .map(({ l, lineNo }) => ({
        kind: 'unknown_sku' as const,
        sku: l.sku,
        orderId,
        connectionId,
        unitsShort: null,
        details: { lineNo, quantity: l.quantity },
      })),
  ];
}
