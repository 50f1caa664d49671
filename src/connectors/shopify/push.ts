// push: one inventorySetQuantities call per batch, with compare-and-set. Shopify refuses
// the WHOLE call when one line is stale or invalid, so the connector narrows the batch
// (re-reading after a stale compare) and sends the rest again, a bounded number of times.
import { randomUUID } from 'node:crypto';
import { ConnectorError, type ConnectorErrorCode } from '../errors.js';
import type { PushItem, PushOutcome } from '../types.js';
import { type PlatformIds, type ShopifyContext } from './context.js';
import { SET_QUANTITIES, SET_QUANTITIES_COST } from './documents.js';
import { idsFor, readQuantities } from './reads.js';
import { reader, type Json, type Reader } from './shapes.js';

export const MAX_BATCH = 250;
export const MAX_QUANTITY = 1_000_000_000;
/** Sends per push: the first, one after a stale compare, and some after invalid lines. */
const MAX_SENDS = 4;

interface Line {
  index: number;
  item: PushItem;
  ids: PlatformIds;
}

export interface UserError {
  code: string;
  field: string[] | null;
  message: string;
}

/** What a user error code means for a retry: the item or location is gone, or the input is refused. */
export function userErrorCode(code: string): ConnectorErrorCode {
  switch (code) {
    case 'INVALID_INVENTORY_ITEM':
    case 'INVALID_LOCATION':
    case 'ITEM_NOT_STOCKED_AT_LOCATION':
      return 'NOT_FOUND';
    case 'IDEMPOTENCY_CONCURRENT_REQUEST':
      return 'SERVER'; // the same key is still running on Shopify's side: try again later
    default:
      return 'REJECTED';
  }
}

export async function push(ctx: ShopifyContext, items: PushItem[]): Promise<PushOutcome[]> {
  if (items.length > MAX_BATCH) {
    throw new ConnectorError('REJECTED', `push of ${items.length} items refused before sending: inventorySetQuantities takes at most ${MAX_BATCH}`);
  }
  const out: (PushOutcome | undefined)[] = new Array(items.length);
  const fail = (line: { index: number; item: PushItem }, code: ConnectorErrorCode, message: string, platformCode?: string) =>
    (out[line.index] = {
      status: 'failed',
      listingId: line.item.listing.listingId,
      error: new ConnectorError(code, message, platformCode ? { platformCode } : {}),
    });

  try {
    const valid = items
      .map((item, index) => ({ index, item }))
      .filter((l) => {
        const q = l.item.quantity;
        if (Number.isInteger(q) && q >= 0 && q <= MAX_QUANTITY) return true;
        fail(l, 'REJECTED', `listing ${l.item.listing.listingId} (${l.item.listing.sku}): quantity ${q} is not an integer from 0 to ${MAX_QUANTITY}`);
        return false;
      });
    const ids = await idsFor(
      ctx,
      valid.map((l) => l.item.listing),
    );
    let pending: Line[] = [];
    const seen = new Set<string>();
    for (const l of valid) {
      const found = ids.get(l.item.listing.listingId);
      const key = found && `${found.inventoryItemId}|${found.locationId}`;
      if (!found) fail(l, 'NOT_FOUND', `SKU ${l.item.listing.sku} not found on Shopify (or not stocked at the location)`);
      else if (seen.has(key!)) fail(l, 'REJECTED', `listing ${l.item.listing.listingId}: the same inventory item and location appear twice in one push`);
      else pending.push({ ...l, ids: (seen.add(key!), found) });
    }
    let staleRounds = 0;
    for (let send = 0; pending.length > 0; send++) {
      const errors = await setQuantities(ctx, pending);
      if (errors.length === 0) {
        for (const l of pending) out[l.index] = { status: 'applied', listingId: l.item.listing.listingId, quantity: l.item.quantity };
        break;
      }
      if (errors.some((e) => e.code === 'CHANGE_FROM_QUANTITY_STALE')) {
        pending = await sortOutStale(ctx, pending, out, staleRounds++ > 0 || send + 1 >= MAX_SENDS);
        continue;
      }
      const byLine = new Map<number, UserError>();
      for (const e of errors) {
        const pos = e.field?.[0] === 'input' && e.field[1] === 'quantities' ? Number(e.field[2]) : NaN;
        if (Number.isInteger(pos) && pending[pos]) byLine.set(pos, e);
      }
      const lastSend = send + 1 >= MAX_SENDS;
      if (byLine.size === 0 || lastSend) {
        // an error about the whole call (or too many rounds): nothing in it was applied
        const e = errors[0]!;
        for (const [pos, l] of pending.entries()) {
          const own = byLine.get(pos) ?? e;
          fail(l, userErrorCode(own.code), `Shopify refused ${byLine.has(pos) ? 'this line' : 'the call'}: ${own.code} ${own.message}`, own.code);
        }
        break;
      }
      for (const [pos, e] of byLine) {
        const l = pending[pos]!;
        if (e.code === 'INVALID_INVENTORY_ITEM') ctx.skuCache.delete(l.item.listing.sku);
        fail(l, userErrorCode(e.code), `SKU ${l.item.listing.sku} (${l.ids.inventoryItemId} at ${l.ids.locationId}): ${e.code} ${e.message}`, e.code);
      }
      pending = pending.filter((_, pos) => !byLine.has(pos));
    }
  } catch (e) {
    if (!(e instanceof ConnectorError)) throw e;
    // a transport failure after retries: every item not yet decided carries it
    for (const [index, item] of items.entries()) out[index] ??= { status: 'failed', listingId: item.listing.listingId, error: e };
  }
  return out.map(
    (o, index) => o ?? { status: 'failed', listingId: items[index]!.listing.listingId, error: new ConnectorError('SERVER', 'push ended without an outcome') },
  );
}

/**
 * After CHANGE_FROM_QUANTITY_STALE (nothing was applied): one read of the batch. A line
 * already showing its target is applied (e.g. our own earlier call whose answer was
 * lost); one whose count differs from `expected` is stale; the rest go again, unless
 * this was the last chance.
 */
async function sortOutStale(ctx: ShopifyContext, pending: Line[], out: (PushOutcome | undefined)[], last: boolean): Promise<Line[]> {
  const listings = pending.map((l) => ({ ...l.item.listing, platformIds: { ...l.item.listing.platformIds, ...l.ids } }));
  const actual = await readQuantities(ctx, listings);
  const again: Line[] = [];
  for (const l of pending) {
    const id = l.item.listing.listingId;
    const now = actual.get(id);
    if (now === undefined) {
      out[l.index] = {
        status: 'failed',
        listingId: id,
        error: new ConnectorError('NOT_FOUND', `SKU ${l.item.listing.sku}: no inventory level for ${l.ids.inventoryItemId} at ${l.ids.locationId}`),
      };
    } else if (now === l.item.quantity) {
      out[l.index] = { status: 'applied', listingId: id, quantity: now };
    } else if (last || (l.item.expected !== null && now !== l.item.expected)) {
      out[l.index] = { status: 'stale', listingId: id, actual: now };
    } else {
      again.push(l);
    }
  }
  return again;
}

/** One call; returns its user errors (none = applied). A fresh idempotency key per input. */
async function setQuantities(ctx: ShopifyContext, lines: Line[]): Promise<UserError[]> {
  const key = randomUUID();
  const input = {
    name: 'available',
    reason: 'correction',
    referenceDocumentUri: `gid://stocksync/InventorySync/${key}`,
    quantities: lines.map((l) => ({
      inventoryItemId: l.ids.inventoryItemId,
      locationId: l.ids.locationId,
      quantity: l.item.quantity,
      changeFromQuantity: l.item.expected,
    })),
  };
  const data = await ctx.client.call(SET_QUANTITIES, { input, key: `stocksync-${key}` }, SET_QUANTITIES_COST);
  const r = reader('inventorySetQuantities answer');
  return readUserErrors(r, r.obj(data['inventorySetQuantities'], 'data.inventorySetQuantities'));
}

export function readUserErrors(r: Reader, payload: Json): UserError[] {
  return r.arr(payload['userErrors'], 'userErrors').map((e, i) => {
    const o = r.obj(e, `userErrors[${i}]`);
    const field = o['field'] == null ? null : r.arr(o['field'], `userErrors[${i}].field`).map((f) => String(f));
    return { code: r.optStr(o['code'], `userErrors[${i}].code`) ?? 'UNKNOWN', field, message: r.str(o['message'], `userErrors[${i}].message`) };
  });
}
