// adjust: relative changes with an idempotency key (inventoryAdjustQuantities). Not part
// of ChannelConnector yet (capabilities.relativeAdjust has no method in types.ts), so it
// is offered as an extension the engine can feature-test for.
import { ConnectorError } from '../errors.js';
import type { ListingRef, PushOutcome } from '../types.js';
import type { ShopifyContext } from './context.js';
import { ADJUST_QUANTITIES, ADJUST_QUANTITIES_COST } from './documents.js';
import { MAX_BATCH, readUserErrors, userErrorCode } from './push.js';
import { idsFor } from './reads.js';
import { reader } from './shapes.js';

export interface AdjustItem {
  listing: ListingRef;
  delta: number;
}

/**
 * One call, all or nothing (as on Shopify). The same key with the same items returns
 * the first call's result without applying it twice: derive it from what caused the
 * change (e.g. a ledger entry), never from the attempt.
 */
export async function adjust(ctx: ShopifyContext, items: AdjustItem[], idempotencyKey: string): Promise<PushOutcome[]> {
  if (items.length > MAX_BATCH) throw new ConnectorError('REJECTED', `adjust of ${items.length} items refused before sending: at most ${MAX_BATCH}`);
  if (!idempotencyKey) throw new ConnectorError('REJECTED', 'adjust needs an idempotency key');
  const failed = (listingId: number, error: ConnectorError): PushOutcome => ({ status: 'failed', listingId, error });
  const bad = items.find((i) => !Number.isSafeInteger(i.delta) || i.delta === 0);
  if (bad)
    return items.map((i) =>
      failed(
        i.listing.listingId,
        new ConnectorError('REJECTED', `listing ${bad.listing.listingId}: delta ${bad.delta} is not a non-zero integer; nothing sent`),
      ),
    );
  try {
    const ids = await idsFor(
      ctx,
      items.map((i) => i.listing),
    );
    const missing = items.find((i) => !ids.has(i.listing.listingId));
    if (missing) {
      return items.map((i) =>
        failed(
          i.listing.listingId,
          new ConnectorError(i === missing ? 'NOT_FOUND' : 'REJECTED', `SKU ${missing.listing.sku} not found on Shopify; nothing sent`),
        ),
      );
    }
    const changes = items.map((i) => ({ ...ids.get(i.listing.listingId)!, delta: i.delta, changeFromQuantity: null }));
    const input = {
      name: 'available',
      reason: 'correction',
      referenceDocumentUri: `gid://stocksync/InventorySync/${encodeURIComponent(idempotencyKey)}`,
      changes,
    };
    const data = await ctx.client.call(ADJUST_QUANTITIES, { input, key: idempotencyKey }, ADJUST_QUANTITIES_COST);
    const r = reader('inventoryAdjustQuantities answer');
    const payload = r.obj(data['inventoryAdjustQuantities'], 'data.inventoryAdjustQuantities');
    const errors = readUserErrors(r, payload);
    if (errors.length > 0) {
      return items.map((item, pos) => {
        const own = errors.find((e) => e.field?.[1] === 'changes' && e.field[2] === String(pos));
        const e = own ?? errors[0]!;
        const code = own ? userErrorCode(own.code) : 'REJECTED';
        return failed(
          item.listing.listingId,
          new ConnectorError(code, `Shopify refused ${own ? 'this change' : 'the call'}: ${e.code} ${e.message}`, { platformCode: e.code }),
        );
      });
    }
    const group = r.obj(payload['inventoryAdjustmentGroup'], 'data.inventoryAdjustQuantities.inventoryAdjustmentGroup');
    const after = new Map<string, number>();
    for (const [i, c] of r.arr(group['changes'], 'inventoryAdjustmentGroup.changes').entries()) {
      const change = r.obj(c, `changes[${i}]`);
      const item = r.str(r.obj(change['item'], `changes[${i}].item`)['id'], `changes[${i}].item.id`);
      const location = r.str(r.obj(change['location'], `changes[${i}].location`)['id'], `changes[${i}].location.id`);
      after.set(`${item}|${location}`, r.int(change['quantityAfterChange'], `changes[${i}].quantityAfterChange`));
    }
    return items.map((i) => {
      const id = ids.get(i.listing.listingId)!;
      const quantity = after.get(`${id.inventoryItemId}|${id.locationId}`);
      return quantity === undefined
        ? failed(i.listing.listingId, new ConnectorError('PARSE', `inventoryAdjustQuantities answer has no change for ${id.inventoryItemId}`))
        : { status: 'applied', listingId: i.listing.listingId, quantity };
    });
  } catch (e) {
    if (!(e instanceof ConnectorError)) throw e;
    return items.map((i) => failed(i.listing.listingId, e));
  }
}
