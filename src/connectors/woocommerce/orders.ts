// Orders: the REST list for polling and the same JSON in order webhooks.
import { ConnectorError } from '../errors.js';
import type { ChannelOrder, Page } from '../types.js';
import type { WooClient } from './client.js';
import { asArray, asObject, gmtDate, idOf, intOf, strOf, wpGmt, type Json } from './json.js';

/** Statuses whose stock WooCommerce has given back (or never held): no claim. */
export const CANCELLED_STATUSES: ReadonlySet<string> = new Set(['cancelled', 'refunded']);

export function orderFrom(raw: unknown, what = 'order'): ChannelOrder {
  const o = asObject(raw, what);
  const externalId = idOf(o['id'], `${what}.id`);
  const placedAt = gmtDate(o['date_created_gmt'], `${what} ${externalId}.date_created_gmt`);
  const updatedAt = o['date_modified_gmt'] ? gmtDate(o['date_modified_gmt'], `${what} ${externalId}.date_modified_gmt`) : placedAt;
  const lines = asArray(o['line_items'] ?? [], `${what} ${externalId}.line_items`).map((l, i) => {
    const line = asObject(l, `${what} ${externalId}.line_items[${i}]`);
    const quantity = intOf(line['quantity'], `${what} ${externalId}.line_items[${i}].quantity`);
    // A line without a SKU is kept with an empty one: the engine quarantines it as an
    // unknown SKU rather than the order silently losing a line.
    return { sku: strOf(line['sku']), quantity };
  });
  return { externalId, placedAt, updatedAt, cancelled: CANCELLED_STATUSES.has(strOf(o['status'])), lines, raw: o };
}

/**
 * Orders modified after `since`, oldest first; the cursor is the next page number
 * (X-WP-TotalPages says when to stop). Offset pages can shift when an order already read
 * is modified during a pass (it moves to the end): the engine's overlap window on
 * `since` and its ledger keys cover that, as for every poll.
 */
export async function pollOrders(client: WooClient, since: Date, cursor: string | null): Promise<Page<ChannelOrder>> {
  const page = cursor === null ? 1 : Number(cursor);
  if (!Number.isSafeInteger(page) || page < 1) throw new ConnectorError('REJECTED', `WooCommerce: bad pollOrders cursor ${cursor}`);
  const query = new URLSearchParams({
    modified_after: wpGmt(since),
    dates_are_gmt: 'true',
    per_page: '100',
    page: String(page),
    orderby: 'modified',
    order: 'asc',
  });
  const { rows, totalPages } = await client.list(`orders?${query.toString()}`);
  const items = rows.map((r: Json, i) => orderFrom(r, `orders page ${page} row ${i}`));
  return { items, next: page < totalPages && rows.length > 0 ? String(page + 1) : null };
}
