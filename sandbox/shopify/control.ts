import type { InstanceControl, ShopperOrderOptions, ShopperOrderResult, SkuQuantity } from '../core/instance.js';
import type { Rng } from '../core/rng.js';
import type { WebhookSubscriptions } from '../core/webhooks.js';
import { MAX_QUANTITY } from './constants.js';
import type { ShopRuntime } from './resolvers.js';
import { addItem, applyDelta, moveUnits, removeItem, totalAvailable, type Level, type Order } from './store.js';

/**
 * Shopper and merchant actions on the shop, for tests and the demo. A shopper order
 * behaves as Shopify's checkout does: it moves units from available to committed at
 * once, before any app hears of it, and a line beyond what is available is refused
 * (inventory policy "deny").
 */
export function createShopControl(rt: ShopRuntime, subscriptions: WebhookSubscriptions, rng: Rng): InstanceControl {
  const { state } = rt;

  function setStock(sku: string, quantity: number): void {
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > MAX_QUANTITY) {
      throw new Error(`quantity must be an integer from 0 to ${MAX_QUANTITY}`);
    }
    const now = rt.now();
    const existing = state.itemsBySku.get(sku);
    const item = existing ?? addItem(state, sku, 0, now, rng, rt.stockEverywhere);
    const level = item.levels.get(state.locations[0]!.key)!;
    if (applyDelta(level, 'available', quantity - level.q.available).length === 0) return;
    level.updatedAt = now;
    item.updatedAt = now;
    rt.events.inventoryLevelUpdated(item, level);
  }

  function shopperOrder(lines: SkuQuantity[], options: ShopperOrderOptions = {}): ShopperOrderResult {
    // a point-of-sale order is taken at its location; an online one where stock is
    const retail = options.location === undefined ? undefined : state.locationsByKey.get(options.location.replace(/^gid:\/\/shopify\/Location\//, ''));
    if (options.location !== undefined && !retail) return { ok: false, reason: `unknown location ${options.location}` };
    // check every line first: an order is taken whole or not at all
    const picks: { sku: string; quantity: number; level: Level; itemKey: string }[] = [];
    for (const line of lines) {
      const item = state.itemsBySku.get(line.sku);
      if (!item) return { ok: false, reason: `unknown sku ${line.sku}` };
      const already = picks.filter((p) => p.sku === line.sku).reduce((n, p) => n + p.quantity, 0);
      const levels = retail ? [item.levels.get(retail.key)].filter((l) => l !== undefined) : [...item.levels.values()];
      const level = levels.find((l) => l.q.available - already >= line.quantity);
      if (!level) return { ok: false, reason: `insufficient stock for ${line.sku}: ${totalAvailable(item) - already} available, ${line.quantity} wanted` };
      picks.push({ sku: line.sku, quantity: line.quantity, level, itemKey: item.key });
    }
    const now = rt.now();
    const id = state.nextOrderId;
    state.nextOrderId += BigInt(rng.int(1000, 99_999));
    const order: Order = {
      id,
      key: id.toString(),
      number: state.nextOrderNumber++,
      createdAt: now,
      updatedAt: now,
      cancelledAt: null,
      lines: picks.map((p) => {
        const lineId = state.nextLineId;
        state.nextLineId += BigInt(rng.int(1, 999));
        return { id: lineId, sku: p.sku, quantity: p.quantity, itemKey: p.itemKey, locationKey: p.level.locationId.toString() };
      }),
      ...(retail && { retailLocation: retail }),
    };
    for (const p of picks) {
      moveUnits(p.level, 'available', 'committed', p.quantity);
      p.level.updatedAt = now;
      state.itemsByKey.get(p.itemKey)!.updatedAt = now;
    }
    state.orders.push(order);
    state.ordersByKey.set(order.key, order);
    // the order webhook and the level webhooks are separate events, as on Shopify
    rt.events.orderCreated(order);
    for (const p of picks) rt.events.inventoryLevelUpdated(state.itemsByKey.get(p.itemKey)!, p.level);
    return { ok: true, orderId: order.key };
  }

  function cancelOrder(orderId: string): boolean {
    const key = orderId.replace(/^gid:\/\/shopify\/Order\//, '');
    const order = state.ordersByKey.get(key);
    if (!order || order.cancelledAt) return false;
    const now = rt.now();
    order.cancelledAt = now;
    order.updatedAt = now;
    const touched = new Set<Level>();
    for (const line of order.lines) {
      const item = state.itemsByKey.get(line.itemKey)!;
      const level = item.levels.get(line.locationKey)!;
      // cancelled with restock: the committed units become available again
      moveUnits(level, 'committed', 'available', line.quantity);
      level.updatedAt = now;
      item.updatedAt = now;
      touched.add(level);
    }
    rt.events.orderCancelled(order);
    for (const line of order.lines) {
      const item = state.itemsByKey.get(line.itemKey)!;
      const level = item.levels.get(line.locationKey)!;
      if (touched.delete(level)) rt.events.inventoryLevelUpdated(item, level);
    }
    return true;
  }

  return {
    setStock,
    getStock: (sku) => {
      const item = state.itemsBySku.get(sku);
      return item ? totalAvailable(item) : undefined;
    },
    shopperOrder,
    cancelOrder,
    listSkus: () => state.items.map((i) => i.sku),
    removeSku: (sku) => {
      const gone = state.items.filter((i) => i.sku === sku);
      for (const item of gone) removeItem(state, item);
      return gone.length;
    },
    subscribe: (topic, url) => subscriptions.subscribe(topic, url),
    truth: () => ({
      shop: rt.shop,
      locations: state.locations.map((l) => ({ id: `gid://shopify/Location/${l.key}`, name: l.name })),
      items: state.items.map((i) => ({
        sku: i.sku,
        inventoryItemId: `gid://shopify/InventoryItem/${i.key}`,
        updatedAt: i.updatedAt.toISOString(),
        levels: [...i.levels.values()].map((l) => ({ locationId: `gid://shopify/Location/${l.locationId}`, quantities: { ...l.q } })),
      })),
      orders: state.orders.map((o) => ({
        id: `gid://shopify/Order/${o.key}`,
        name: `#${o.number}`,
        createdAt: o.createdAt.toISOString(),
        cancelledAt: o.cancelledAt?.toISOString() ?? null,
        lines: o.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      })),
      webhooks: subscriptions.list(),
    }),
  };
}
