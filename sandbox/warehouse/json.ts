// ShipBob 1.0 resource shapes (field names from the public API reference).
import type { Receiving, ReturnOrder } from './inbound.js';
import { backordered, fulfillable, type BundleProduct, type InventoryItem, type WarehouseOrder, type WarehouseStore } from './store.js';

export const FULFILLMENT_CENTER = { id: 1, name: 'Sandbox FC' };
export const CHANNEL = { id: 100001, name: 'stocksync-sandbox' };

export function inventoryJson(item: InventoryItem, store: WarehouseStore): Record<string, unknown> {
  const back = backordered(store, item.sku);
  const ff = fulfillable(item);
  return {
    id: item.inventoryId,
    name: item.name,
    // not in ShipBob's 1.0 inventory item (it is in 2026-01 inventory-level); handy for mapping
    sku: item.sku,
    is_active: true,
    is_digital: false,
    is_lot: false,
    total_onhand_quantity: item.onHand,
    total_committed_quantity: item.committed,
    total_fulfillable_quantity: ff,
    total_sellable_quantity: Math.max(0, ff - back),
    total_awaiting_quantity: item.awaiting,
    total_backordered_quantity: back,
    total_exception_quantity: back,
    total_internal_transfer_quantity: 0,
    fulfillable_quantity_by_fulfillment_center: [
      {
        id: FULFILLMENT_CENTER.id,
        name: FULFILLMENT_CENTER.name,
        onhand_quantity: item.onHand,
        committed_quantity: item.committed,
        fulfillable_quantity: ff,
        awaiting_quantity: item.awaiting,
        internal_transfer_quantity: 0,
      },
    ],
    // sandbox extension: what UpdatedSince filters on
    last_updated_at: item.updated.toISOString(),
  };
}

const SHIPMENT_STATUS: Record<WarehouseOrder['status'], string> = {
  Processing: 'Processing',
  Exception: 'Exception',
  Fulfilled: 'Completed',
  Cancelled: 'Cancelled',
};

export function orderJson(o: WarehouseOrder): Record<string, unknown> {
  const products = o.lines.map((l) => ({ id: l.inventoryId, reference_id: l.sku, sku: l.sku, quantity: l.quantity }));
  return {
    id: o.id,
    reference_id: o.referenceId,
    order_number: o.referenceId,
    status: o.status,
    type: 'DTC',
    channel: CHANNEL,
    created_date: o.created.toISOString(),
    purchase_date: o.created.toISOString(),
    last_updated_date: o.updated.toISOString(),
    products,
    shipments: [
      {
        id: o.shipmentId,
        order_id: o.id,
        reference_id: o.referenceId,
        status: SHIPMENT_STATUS[o.status],
        status_details:
          o.status === 'Exception' ? [{ id: 1, name: 'OutOfStock', description: 'Not enough fulfillable inventory to allocate this shipment.' }] : [],
        location: FULFILLMENT_CENTER,
        created_date: o.created.toISOString(),
        last_update_at: o.updated.toISOString(),
        actual_fulfillment_date: o.shipped?.toISOString() ?? null,
        products: products.map((p) => ({ id: p.id, reference_id: p.reference_id, sku: p.sku, inventory_items: [{ id: p.id, quantity: p.quantity }] })),
      },
    ],
  };
}

export function receivingJson(w: Receiving): Record<string, unknown> {
  return {
    id: w.id,
    purchase_order_number: w.purchaseOrderNumber,
    status: w.status,
    fulfillment_center: FULFILLMENT_CENTER,
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

export function returnJson(r: ReturnOrder): Record<string, unknown> {
  return {
    id: r.id,
    reference_id: r.referenceId,
    status: r.status,
    return_type: 'Regular',
    channel: CHANNEL,
    fulfillment_center: FULFILLMENT_CENTER,
    original_shipment_id: r.originalShipmentId ?? null,
    inventory: r.lines.map((l) => ({ id: l.inventoryId, sku: l.sku, quantity: l.quantity, action_requested: { action: l.action } })),
    insert_date: r.created.toISOString(),
    completed_date: r.completed?.toISOString() ?? null,
  };
}

/**
 * A product as ShipBob 1.0 GET /product lists it (the fields discovery reads): one product
 * per inventory item, with the item's id, then the bundles (instance option `bundles`),
 * whose items are their components'. `sku` on an item is a sandbox extension (as on
 * inventory items): ShipBob names an item by id and name only.
 */
export function productJson(p: InventoryItem | BundleProduct, store: WarehouseStore): Record<string, unknown> {
  if ('inventoryId' in p) {
    return {
      id: p.inventoryId,
      reference_id: p.sku,
      name: p.name,
      barcode: p.barcode,
      fulfillable_inventory_items: [{ id: p.inventoryId, name: p.name, quantity: 1, sku: p.sku }],
    };
  }
  return {
    id: p.productId,
    reference_id: p.sku,
    name: p.name,
    barcode: null,
    bundle_root_information: { id: p.productId, name: p.name },
    fulfillable_inventory_items: p.components.map((c) => {
      const item = store.items.get(c.sku);
      return { id: item?.inventoryId ?? 0, name: item?.name ?? c.sku, quantity: c.quantity, sku: c.sku };
    }),
  };
}
