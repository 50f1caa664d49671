// Pushing an order to the 3PL. The reference id is ShipBob's idempotency key: a second
// POST with it is refused (422), which after a crash or a lost response means "already
// there". We confirm that by looking the reference up rather than by reading the error
// text, which the shared HTTP helper truncates and which platforms reword.
import { ConnectorError } from '../errors.js';
import type { HttpResponse } from '../http.js';
import type { WarehouseCancelOutcome, WarehouseOrder, WarehouseOrderOutcome } from '../types.js';
import type { Api } from './api.js';
import { isObject, parseError, timestamp } from './levels.js';

export interface OrderDeps {
  api: Api;
  /** ShipBob's `shipbob_channel_id` header; looked up from GET /1.0/channel when not configured. */
  channelId: () => Promise<string>;
}

export async function pushOrder(d: OrderDeps, order: WarehouseOrder): Promise<WarehouseOrderOutcome> {
  try {
    if (order.referenceId.length < 1 || order.referenceId.length > 300)
      throw new ConnectorError('REJECTED', 'warehouse: reference id must be 1 to 300 characters');
    const body = {
      reference_id: order.referenceId,
      order_number: order.referenceId,
      type: 'DTC',
      products: order.lines.map((l) => ({ reference_id: l.sku, quantity: l.quantity })),
    };
    const headers = { shipbob_channel_id: await d.channelId() };
    let res: HttpResponse;
    try {
      res = await d.api.call('POST', '/1.0/order', { body, headers });
    } catch (e) {
      if (e instanceof ConnectorError && e.info.status === 422 && (await exists(d, order.referenceId))) return { status: 'duplicate' };
      throw e;
    }
    return accepted(res);
  } catch (e) {
    if (e instanceof ConnectorError) return { status: 'failed', error: e };
    throw e;
  }
}

function accepted(res: HttpResponse): WarehouseOrderOutcome {
  let o: unknown;
  try {
    o = res.json<unknown>();
  } catch {
    o = undefined;
  }
  // A 2xx means the warehouse holds the order. If we cannot read its id, saying "failed"
  // would be false and a permanent PARSE would quarantine a live order; "duplicate" is
  // the contract's word for "it is there, treat it as accepted".
  if (!isObject(o) || (typeof o.id !== 'number' && typeof o.id !== 'string') || o.id === '') return { status: 'duplicate' };
  // The warehouse's own clock: a claim settles against observations stamped by the same clock.
  // The Date header is whole seconds, rounded down: round up instead, as a claim must not
  // settle on an observation taken before the warehouse had the order.
  const header = Date.parse(res.headers.get('date') ?? '');
  let at = Number.isNaN(header) ? new Date() : new Date(header + 999);
  try {
    if (o.created_date !== undefined) at = timestamp(o.created_date, 'order created_date');
  } catch {
    // keep the response's Date: a bad timestamp does not undo a created order
  }
  return { status: 'accepted', warehouseOrderId: String(o.id), at };
}

async function exists(d: OrderDeps, referenceId: string): Promise<boolean> {
  return (await findByReference(d, referenceId)) !== null;
}

async function findByReference(d: OrderDeps, referenceId: string): Promise<string | null> {
  const res = await d.api.call('GET', `/1.0/order?${new URLSearchParams({ ReferenceIds: referenceId, Limit: '1' })}`);
  const rows = res.json<unknown>();
  if (!Array.isArray(rows)) throw parseError('order lookup is not a JSON array');
  const row = rows.find((r) => isObject(r) && r.reference_id === referenceId);
  return isObject(row) && (typeof row.id === 'number' || typeof row.id === 'string') ? String(row.id) : null;
}

/** ShipBob: POST /order/{id}/cancel; a shipped order answers 422. */
export async function cancelOrder(d: OrderDeps, ref: { referenceId: string; warehouseOrderId: string | null }): Promise<WarehouseCancelOutcome> {
  try {
    const id = ref.warehouseOrderId ?? (await findByReference(d, ref.referenceId));
    if (id === null) return { status: 'not_found' };
    try {
      await d.api.call('POST', `/1.0/order/${encodeURIComponent(id)}/cancel`, { headers: { shipbob_channel_id: await d.channelId() } });
    } catch (e) {
      if (e instanceof ConnectorError && e.info.status === 404) return { status: 'not_found' };
      if (e instanceof ConnectorError && e.info.status === 422) return { status: 'not_cancellable', reason: e.message.slice(0, 300) };
      throw e;
    }
    return { status: 'cancelled' };
  } catch (e) {
    if (e instanceof ConnectorError) return { status: 'failed', error: e };
    throw e;
  }
}

/** ShipBob wants the channel an order belongs to; take the first the token can see. */
export async function lookupChannelId(api: Api): Promise<string> {
  const res = await api.call('GET', '/1.0/channel');
  const rows = res.json<unknown>();
  const first = Array.isArray(rows) ? rows[0] : undefined;
  if (!isObject(first) || (typeof first.id !== 'number' && typeof first.id !== 'string')) throw parseError('no channel visible to this token');
  return String(first.id);
}
