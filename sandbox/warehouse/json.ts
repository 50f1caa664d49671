// ShipBob 2026-01 resource shapes (field names from the public API reference; the
// deviations are listed in docs/shipbob.md).
import type { Receiving, ReturnOrder } from './inbound.js';
import { backordered, fulfillable, type Bundle, type InventoryItem, type WarehouseOrder, type WarehouseStore } from './store.js';

export interface FulfillmentCenter {
  id: number;
  name: string;
}

export const DEFAULT_CENTERS: readonly FulfillmentCenter[] = [{ id: 1, name: 'Sandbox FC' }];
export const CHANNEL = { id: 100001, name: 'stocksync-sandbox' };
export const USER_ID = 7001;

export function centerOf(centers: readonly FulfillmentCenter[], id: number): FulfillmentCenter {
  return centers.find((c) => c.id === id) ?? { id, name: `FC ${id}` };
}

const sellable = (item: InventoryItem, store: WarehouseStore): number => Math.max(0, fulfillable(item) - backordered(store, item.sku));

/** GET /inventory-level: network-wide totals of one inventory item. */
export function inventoryLevelJson(item: InventoryItem, store: WarehouseStore): Record<string, unknown> {
  const back = backordered(store, item.sku);
  return {
    inventory_id: item.inventoryId,
    name: item.name,
    sku: item.sku,
    total_on_hand_quantity: item.onHand,
    total_committed_quantity: item.committed,
    total_fulfillable_quantity: fulfillable(item),
    total_sellable_quantity: sellable(item, store),
    total_awaiting_quantity: item.awaiting,
    total_backordered_quantity: back,
    total_exception_quantity: back,
    total_internal_transfer_quantity: 0,
  };
}

/** GET /inventory-level/locations: one item's quantities per fulfillment center. */
export function inventoryByCenterJson(item: InventoryItem, centers: readonly FulfillmentCenter[]): Record<string, unknown> {
  const center = centerOf(centers, item.centerId);
  return {
    inventory_id: item.inventoryId,
    name: item.name,
    sku: item.sku,
    locations: [
      {
        location_id: center.id,
        name: center.name,
        on_hand_quantity: item.onHand,
        committed_quantity: item.committed,
        fulfillable_quantity: fulfillable(item),
        awaiting_quantity: item.awaiting,
        internal_transfer_quantity: 0,
      },
    ],
  };
}

/** GET /product: a product with one variant (the sandbox keeps one variant per product). */
export function productJson(item: InventoryItem): Record<string, unknown> {
  return product(item.inventoryId, item.name, 'Regular', item.updated, {
    sku: item.sku,
    barcode: item.barcode,
    inventory: { inventory_id: item.inventoryId, on_hand_qty: item.onHand },
    bundle_definition: [],
  });
}

/** A bundle: no inventory of its own, its components in bundle_definition. */
export function bundleProductJson(bundle: Bundle, id: number, store: WarehouseStore): Record<string, unknown> {
  return product(id, bundle.name, 'Bundle', new Date(0), {
    sku: bundle.sku,
    barcode: null,
    inventory: { inventory_id: null, on_hand_qty: 0 },
    bundle_definition: bundle.components.map((c) => {
      const item = store.items.get(c.sku);
      return { product_id: item?.inventoryId ?? 0, variant_id: item?.inventoryId ?? 0, variant_sku: c.sku, variant_name: c.sku, quantity: c.quantity };
    }),
  });
}

function product(
  id: number,
  name: string,
  type: 'Regular' | 'Bundle',
  updated: Date,
  v: { sku: string; barcode: string | null; inventory: Record<string, unknown>; bundle_definition: unknown[] },
): Record<string, unknown> {
  return {
    id,
    name,
    type,
    user_id: USER_ID,
    created_on: new Date(0).toISOString(),
    updated_on: updated.toISOString(),
    taxonomy: null,
    variants: [
      {
        id,
        name,
        sku: v.sku,
        status: 'Active',
        is_digital: false,
        gtin: v.barcode,
        upc: null,
        barcodes: v.barcode === null ? [] : [{ value: v.barcode, sticker_url: null }],
        inventory: v.inventory,
        bundle_definition: v.bundle_definition,
        associated_bundles: [],
        created_on: new Date(0).toISOString(),
        updated_on: updated.toISOString(),
      },
    ],
  };
}

const SHIPMENT_STATUS: Record<WarehouseOrder['status'], string> = {
  Processing: 'Processing',
  Exception: 'Exception',
  Fulfilled: 'Completed',
  Cancelled: 'Cancelled',
};

/** A shipment (the body of the order.shipment.* webhooks). */
export function shipmentJson(o: WarehouseOrder, store: WarehouseStore, centers: readonly FulfillmentCenter[]): Record<string, unknown> {
  const center = centerOf(centers, store.items.get(o.lines[0]?.sku ?? '')?.centerId ?? centers[0]!.id);
  return {
    id: o.shipmentId,
    order_id: o.id,
    reference_id: o.referenceId,
    status: SHIPMENT_STATUS[o.status],
    status_details:
      o.status === 'Exception'
        ? [{ id: 1, name: 'OutOfStock', description: 'Not enough fulfillable inventory to allocate this shipment.', inventory_id: null }]
        : [],
    location: center,
    created_date: o.created.toISOString(),
    last_update_at: o.updated.toISOString(),
    actual_fulfillment_date: o.shipped?.toISOString() ?? null,
    delivery_date: null,
    products: o.lines.map((l) => ({
      id: l.inventoryId,
      reference_id: l.sku,
      sku: l.sku,
      name: l.sku,
      inventory_items: [{ id: l.inventoryId, name: l.sku, quantity: l.quantity, quantity_committed: o.status === 'Processing' ? l.quantity : 0 }],
    })),
    tracking: o.shipped ? { carrier: 'USPS', tracking_number: `9400${o.shipmentId}`, tracking_url: null } : null,
  };
}

const ORDER_STATUS: Record<WarehouseOrder['status'], string> = {
  Processing: 'Processing',
  Exception: 'Exception',
  Fulfilled: 'Fulfilled',
  Cancelled: 'Cancelled',
};

/** An order (GET /order, POST /order, and the order.shipped webhook). */
export function orderJson(o: WarehouseOrder, store: WarehouseStore, centers: readonly FulfillmentCenter[]): Record<string, unknown> {
  return {
    id: o.id,
    reference_id: o.referenceId,
    order_number: o.orderNumber,
    status: ORDER_STATUS[o.status],
    type: 'DTC',
    channel: CHANNEL,
    created_date: o.created.toISOString(),
    purchase_date: o.created.toISOString(),
    shipping_method: o.shippingMethod,
    recipient: o.recipient,
    products: o.lines.map((l) => ({ id: l.inventoryId, reference_id: l.sku, sku: l.sku, quantity: l.quantity })),
    shipments: [shipmentJson(o, store, centers)],
  };
}

export function receivingJson(w: Receiving, centers: readonly FulfillmentCenter[]): Record<string, unknown> {
  return {
    id: w.id,
    purchase_order_number: w.purchaseOrderNumber,
    status: w.status,
    fulfillment_center: centers[0],
    inventory_quantities: w.lines.map((l) => ({
      inventory_id: l.inventoryId,
      sku: l.sku,
      expected_quantity: l.expected,
      received_quantity: l.received,
      stowed_quantity: l.received,
    })),
    insert_date: w.created.toISOString(),
    last_updated_date: w.updated.toISOString(),
  };
}

export function returnJson(r: ReturnOrder, centers: readonly FulfillmentCenter[]): Record<string, unknown> {
  return {
    id: r.id,
    reference_id: r.referenceId,
    status: r.status,
    return_type: 'Regular',
    channel: CHANNEL,
    fulfillment_center: centers[0],
    original_shipment_id: r.originalShipmentId ?? null,
    inventory: r.lines.map((l) => ({ id: l.inventoryId, sku: l.sku, quantity: l.quantity, action_requested: { action: l.action } })),
    insert_date: r.created.toISOString(),
    completed_date: r.completed?.toISOString() ?? null,
  };
}
