// A channel reports one of its listings' counts (Shopify inventory_levels/update, Amazon
// LISTINGS_ITEM_MFN_QUANTITY_CHANGE, WooCommerce product.updated). Mostly these are the
// echo of our own push or a sale whose order is on its way; what matters is a channel
// showing MORE than its target (someone raised it by hand): that must come down at once.
import type { Db } from '../store/db.js';
import { recordObservedChannelCount, type ListingIdentity } from '../store/dispatch.js';
export { findListing } from '../store/dispatch.js';

export type ChannelQuantityOutcome = 'echo' | 'lowering' | 'awaiting_order' | 'unknown_listing';

export async function handleChannelQuantity(db: Db, listing: ListingIdentity | undefined, quantity: number): Promise<ChannelQuantityOutcome> {
  if (!listing) return 'unknown_listing';
  if (quantity === listing.pushed) return 'echo'; // our own push coming back: no loop
  if (quantity > listing.target) {
    // Invariant 3: the channel must never show more than its target. Record what it
    // shows; the listing turns dirty and the dispatcher lowers it with compare-and-set.
    await recordObservedChannelCount(db, [{ id: listing.id, actual: quantity }]);
    return 'lowering';
  }
  // Lower than we pushed: a sale the channel made, whose order arrives by webhook or poll
  // and lowers `pushed` then; reconciliation catches anything else.
  return 'awaiting_order';
}
