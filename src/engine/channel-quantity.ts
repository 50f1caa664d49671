// A channel reports one of its listings' counts (Shopify inventory_levels/update, Amazon
// LISTINGS_ITEM_MFN_QUANTITY_CHANGE, WooCommerce product.updated). Mostly these are the
// echo of our own push or a sale whose order is on its way; what matters is a channel
// showing MORE than its target (someone raised it by hand): that must come down at once.
import type { Db } from '../store/db.js';
import { markListingsToVerify, type ListingIdentity } from '../store/dispatch.js';
export { findListing } from '../store/dispatch.js';

export type ChannelQuantityOutcome = 'echo' | 'lowering' | 'awaiting_order' | 'unknown_listing';

export async function handleChannelQuantity(db: Db, listing: ListingIdentity | undefined, quantity: number): Promise<ChannelQuantityOutcome> {
  if (!listing) return 'unknown_listing';
  if (quantity === listing.pushed) return 'echo'; // our own push coming back: no loop
  if (quantity > listing.target) {
    // Invariant 3: the channel must never show more than its target: the dispatcher
    // pushes the target again at once. The count is not taken as what the channel shows:
    // a late or reordered webhook carries an old one, and a `pushed` raised to it would
    // make the next compare-and-set read the channel's sales since as unrecorded ones
    // (units the plan then withholds for orders that never come). The push's own
    // compare-and-set reads what the channel shows now.
    await markListingsToVerify(db, [listing.id]);
    return 'lowering';
  }
  // Lower than we pushed: a sale the channel made, whose order arrives by webhook or poll
  // and lowers `pushed` then; reconciliation catches anything else.
  return 'awaiting_order';
}
