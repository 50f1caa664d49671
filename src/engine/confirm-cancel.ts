// Engine operation: a warehouse confirmed the cancellation of its part of an order (or
// never had it), so the claims it was to ship end; or it refused (already shipped), so they
// stay and settle with that warehouse's next snapshot like any shipped order's.
import { openClaimSkusOfOrder } from '../store/claims.js';
import { withTx, type Db } from '../store/db.js';
import { loadSkuGraph } from '../store/skus.js';
import { lockSkuStock } from '../store/stock.js';
import { markWarehouseCancel, type OrderPart } from '../store/warehouse-orders.js';
import { releaseOpenClaims } from './cancel-order.js';
import { skusToLock } from './targets.js';

export async function confirmWarehouseCancel(db: Db, part: OrderPart, outcome: 'cancelled' | 'refused'): Promise<number> {
  return withTx(db, async (tx) => {
    if (outcome === 'refused') {
      await markWarehouseCancel(tx, part, 'refused');
      return 0;
    }
    const claimSkus = await openClaimSkusOfOrder(tx, part.orderId);
    const graph = await loadSkuGraph(tx, claimSkus);
    const stock = await lockSkuStock(tx, skusToLock(claimSkus, graph.bundles));
    const source = `warehouse-cancel:${part.orderId}:${part.warehouseConnectionId}`;
    const { released } = await releaseOpenClaims(tx, part.orderId, source, part.warehouseConnectionId, claimSkus, stock, graph.bundles);
    await markWarehouseCancel(tx, part, 'done');
    return released;
  });
}
