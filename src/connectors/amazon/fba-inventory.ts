// FBA Inventory API v1, getInventorySummaries: the quantity Amazon holds for the seller in
// its fulfillment network, per seller SKU, at marketplace granularity. Every SKU page by
// page (a full read), or with `startDateTime` only those changed since (a poll). Pages
// come 50 summaries at a time behind a nextToken that lives 30 s; an expired token
// restarts the read from its first page (levels are absolute, so a page read twice
// changes nothing).
import { ConnectorError } from '../errors.js';
import type { Page, WarehouseLevel } from '../types.js';
import type { AmazonClient } from './client.js';
import { asArray, asCount, asObject, asString, parseError } from './json.js';

/** Where a read stands: Amazon's nextToken, and the change window it belongs to (null: every SKU). */
interface FbaCursor {
  nextToken: string;
  startDateTime: string | null;
}

function encodeCursor(c: FbaCursor): string {
  return JSON.stringify(c);
}

function decodeCursor(raw: string): FbaCursor {
  try {
    const c = JSON.parse(raw) as Partial<FbaCursor>;
    if (typeof c.nextToken === 'string' && c.nextToken !== '' && (c.startDateTime === null || typeof c.startDateTime === 'string')) {
      return { nextToken: c.nextToken, startDateTime: c.startDateTime };
    }
  } catch {
    // reported below
  }
  throw new ConnectorError('REJECTED', 'amazon-fba: the page cursor is not one this connector wrote');
}

/**
 * Amazon answers a stale nextToken with 400 InvalidInput naming it (the message text is
 * unverified; the sandbox says "The nextToken has expired").
 */
export function isExpiredToken(e: unknown): boolean {
  return e instanceof ConnectorError && e.connectorCode === 'REJECTED' && /next\s*token/i.test(e.message) && /expired|invalid/i.test(e.message);
}

/** One summary as a level at `location`: fulfillable is what Amazon can ship now. */
function levelOf(raw: unknown, i: number, location: string, observedAt: Date): WarehouseLevel {
  const s = asObject(raw, `inventorySummaries[${i}]`);
  const sku = asString(s['sellerSku'], `inventorySummaries[${i}].sellerSku`);
  const details = asObject(s['inventoryDetails'], `inventory summary ${sku}.inventoryDetails (request details=true)`);
  const fulfillable = asCount(details['fulfillableQuantity'], `inventory summary ${sku}.fulfillableQuantity`);
  const reservedRaw = details['reservedQuantity'];
  const reserved =
    reservedRaw === undefined
      ? 0
      : asCount(
          asObject(reservedRaw, `inventory summary ${sku}.reservedQuantity`)['totalReservedQuantity'] ?? 0,
          `inventory summary ${sku}.totalReservedQuantity`,
        );
  // Reserved units are in the fulfillment centre, held for orders and transfers.
  return { sku, location, available: fulfillable, onHand: fulfillable + reserved, allocated: reserved, observedAt };
}

export interface FbaReadDeps {
  client: AmazonClient;
  /** The connection's one (external) location. */
  location: string;
  now?: () => Date;
}

async function summariesPage(d: FbaReadDeps, startDateTime: string | null, nextToken: string | null): Promise<Page<WarehouseLevel>> {
  const q = new URLSearchParams({
    details: 'true',
    granularityType: 'Marketplace',
    granularityId: d.client.marketplaceId,
    marketplaceIds: d.client.marketplaceId,
  });
  if (startDateTime !== null) q.set('startDateTime', startDateTime);
  if (nextToken !== null) q.set('nextToken', nextToken);
  // Stamped before the call: Amazon's answer is at least this recent.
  const observedAt = (d.now ?? (() => new Date()))();
  const body = asObject(await d.client.call('getInventorySummaries', 'GET', `/fba/inventory/v1/summaries?${q.toString()}`), 'getInventorySummaries');
  const payload = asObject(body['payload'], 'getInventorySummaries.payload');
  const items = asArray(payload['inventorySummaries'], 'payload.inventorySummaries').map((raw, i) => levelOf(raw, i, d.location, observedAt));
  const pagination = body['pagination'] === undefined ? {} : asObject(body['pagination'], 'getInventorySummaries.pagination');
  const token = pagination['nextToken'];
  if (token !== undefined && token !== null && typeof token !== 'string') throw parseError('pagination.nextToken is not a string');
  const next = typeof token === 'string' && token !== '' ? encodeCursor({ nextToken: token, startDateTime }) : null;
  return { items, next, asOf: observedAt };
}

/** One page of a read; a page cursor whose token expired starts its read again. */
async function readPage(d: FbaReadDeps, startDateTime: string | null, cursor: string | null): Promise<Page<WarehouseLevel>> {
  if (cursor === null) return summariesPage(d, startDateTime, null);
  const c = decodeCursor(cursor);
  try {
    return await summariesPage(d, c.startDateTime, c.nextToken);
  } catch (e) {
    if (!isExpiredToken(e)) throw e;
    return summariesPage(d, c.startDateTime, null);
  }
}

/** Every SKU's FBA stock, page by page (full reconciliation). */
export function listFbaLevels(d: FbaReadDeps, cursor: string | null): Promise<Page<WarehouseLevel>> {
  return readPage(d, null, cursor);
}

/** SKUs whose FBA stock changed after `since`, page by page (incremental poll). */
export function pollFbaLevels(d: FbaReadDeps, since: Date, cursor: string | null): Promise<Page<WarehouseLevel>> {
  if (Number.isNaN(since.getTime())) throw new ConnectorError('REJECTED', 'amazon-fba pollLevels: since is not a date');
  return readPage(d, since.toISOString(), cursor);
}
