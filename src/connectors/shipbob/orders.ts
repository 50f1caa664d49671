// Orders at ShipBob. The reference_id is ShipBob's idempotency key: a second POST with it
// is refused (422), which after a crash or a lost response means "already there". We
// confirm that by looking the reference up rather than by reading the error text, which
// the shared HTTP helper truncates and which platforms reword.
import { ConnectorError } from '../errors.js';
import type { HttpResponse } from '../http.js';
import type { WarehouseCancelOutcome, WarehouseOrder, WarehouseOrderOutcome } from '../types.js';
import type { Api } from './api.js';
import { id, isObject, parseError, timestamp, type Json } from './json.js';

/**
 * ShipBob requires a recipient and a shipping method on every order. The engine carries
 * no customer address (it keeps no personal data): the merchant configures what to send
 * (`options.recipient`, `options.shippingMethod`); see docs/shipbob.md.
 */
export interface OrderDefaults {
  recipient: Json;
  shippingMethod: string;
}

export interface OrderDeps {
  api: Api;
  /** ShipBob's `shipbob_channel_id` header; looked up from GET /channel when not configured. */
  channelId: () => Promise<string>;
  defaults: OrderDefaults;
  /** Told of every accepted or cancelled order, with the warehouse's time (level-memory.ts). */
  onOrderChanged: (skus: readonly string[], at: Date) => void;
}

export async function pushOrder(d: OrderDeps, order: WarehouseOrder): Promise<WarehouseOrderOutcome> {
  try {
    if (order.referenceId.length < 1 || order.referenceId.length > 300)
      throw new ConnectorError('REJECTED', 'shipbob: reference id must be 1 to 300 characters');
    const body = {
      reference_id: order.referenceId,
      order_number: order.referenceId,
      type: 'DTC',
      shipping_method: d.defaults.shippingMethod,
      recipient: d.defaults.recipient,
      // `name` is required when no ShipBob product has this reference_id; ours always exist.
      products: order.lines.map((l) => ({ reference_id: l.sku, name: l.sku, quantity: l.quantity })),
    };
    const headers = { shipbob_channel_id: await d.channelId() };
    let res: HttpResponse;
    try {
      res = await d.api.call('POST', '/order', { body, headers });
    } catch (e) {
      if (e instanceof ConnectorError && e.info.status === 422 && (await findByReference(d, order.referenceId)) !== null) return { status: 'duplicate' };
      throw e;
    }
    const outcome = accepted(res);
    d.onOrderChanged(
      order.lines.map((l) => l.sku),
      outcome.status === 'accepted' ? outcome.at : new Date(),
    );
    return outcome;
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
  // A 2xx means ShipBob holds the order. If we cannot read its id, saying "failed" would be
  // false and a permanent PARSE would quarantine a live order; "duplicate" is the
  // contract's word for "it is there, treat it as accepted".
  if (!isObject(o) || (typeof o.id !== 'number' && typeof o.id !== 'string') || o.id === '') return { status: 'duplicate' };
  // The warehouse's own clock: a claim settles against observations stamped by the same
  // clock. The Date header is whole seconds, rounded down: round up instead, as a claim
  // must not settle on an observation taken before the warehouse had the order.
  const header = Date.parse(res.headers.get('date') ?? '');
  let at = Number.isNaN(header) ? new Date() : new Date(header + 999);
  try {
    if (o.created_date !== undefined) at = timestamp(o.created_date, 'order created_date');
  } catch {
    // keep the response's Date: a bad timestamp does not undo a created order
  }
  return { status: 'accepted', warehouseOrderId: String(o.id), at };
}

async function findByReference(d: OrderDeps, referenceId: string): Promise<{ id: string; skus: string[] } | null> {
  const res = await d.api.call('GET', `/order?${new URLSearchParams({ ReferenceIds: referenceId, Limit: '1' })}`);
  const rows = res.json<unknown>();
  if (!Array.isArray(rows)) throw parseError('order lookup is not a JSON array');
  const row = rows.find((r) => isObject(r) && r.reference_id === referenceId);
  if (!isObject(row)) return null;
  const products = Array.isArray(row.products) ? row.products : [];
  return { id: id(row.id, 'order id'), skus: products.flatMap((p) => (isObject(p) && typeof p.reference_id === 'string' ? [p.reference_id] : [])) };
}

/** POST /order/{id}:cancel: 200 with status Success, PartialSuccess or Failure (shipped). */
export async function cancelOrder(d: OrderDeps, ref: { referenceId: string; warehouseOrderId: string | null }): Promise<WarehouseCancelOutcome> {
  try {
    const found = ref.warehouseOrderId === null ? await findByReference(d, ref.referenceId) : null;
    const orderId = ref.warehouseOrderId ?? found?.id;
    if (orderId === undefined) return { status: 'not_found' };
    let res: HttpResponse;
    try {
      res = await d.api.call('POST', `/order/${encodeURIComponent(orderId)}:cancel`);
    } catch (e) {
      if (e instanceof ConnectorError && e.info.status === 404) return { status: 'not_found' };
      if (e instanceof ConnectorError && e.info.status === 422) return { status: 'not_cancellable', reason: e.message.slice(0, 300) };
      throw e;
    }
    const body = res.json<unknown>();
    if (!isObject(body)) throw parseError('cancel answer is not an object');
    if (body.status === 'Success') {
      const skus =
        isObject(body.order) && Array.isArray(body.order.products)
          ? body.order.products.flatMap((p) => (isObject(p) && typeof p.sku === 'string' ? [p.sku] : []))
          : (found?.skus ?? []);
      d.onOrderChanged(skus, new Date(Date.parse(res.headers.get('date') ?? '') + 999 || Date.now()));
      return { status: 'cancelled' };
    }
    if (body.status === 'Failure' || body.status === 'PartialSuccess') return { status: 'not_cancellable', reason: cancelReason(body) };
    throw parseError(`cancel answered status ${String(body.status).slice(0, 40)}`);
  } catch (e) {
    if (e instanceof ConnectorError) return { status: 'failed', error: e };
    throw e;
  }
}

function cancelReason(body: Json): string {
  const results = Array.isArray(body.canceled_shipment_results) ? body.canceled_shipment_results : [];
  const reasons = results.flatMap((r) => (isObject(r) && r.is_success === false && typeof r.reason === 'string' ? [r.reason] : []));
  return `ShipBob: ${String(body.status)}${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`.slice(0, 300);
}

/** ShipBob wants the channel an order belongs to: the first one the token may write orders for. */
export async function lookupChannelId(api: Api): Promise<string> {
  const res = await api.call('GET', '/channel');
  const body = res.json<unknown>();
  const rows = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.items) ? body.items : [];
  const writable = rows.find((r) => isObject(r) && (!Array.isArray(r.scopes) || r.scopes.includes('orders_write')));
  if (!isObject(writable)) throw new ConnectorError('AUTH', 'shipbob: no channel with orders_write is visible to this token; set options.channelId');
  return id(writable.id, 'channel id');
}
