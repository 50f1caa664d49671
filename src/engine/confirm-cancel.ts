// Engine operation: the warehouse confirmed a cancellation (or never had the order), so
// the order's claims end; or it refused (already shipped), so they stay and settle with
// the warehouse's next snapshot like any shipped order's.
import { openClaimSkusOfOrder } from '../store/claims.js';
import { withTx, type Db } from '../store/db.js';
import { loadSkuGraph } from '../store/skus.js';
import { lockSkuStock } from '../store/stock.js';
import { markWarehouseCancel } from '../store/warehouse-orders.js';
import { releaseOpenClaims } from './cancel-order.js';
import { skusToLock } from './targets.js';

export async function confirmWarehouseCancel(db: Db, orderId: number, outcome: 'cancelled' | 'refused'): Promise<number> {
  return withTx(db, async (tx) => {
    if (outcome === 'refused') {
      await markWarehouseCancel(tx, orderId, 'refused');
      return 0;
    }
    const claimSkus = await openClaimSkusOfOrder(tx, orderId);
    const graph = await loadSkuGraph(tx, claimSkus);
    const stock = await lockSkuStock(tx, skusToLock(claimSkus, graph.bundles));
    const { released } = await releaseOpenClaims(tx, orderId, `warehouse-cancel:${orderId}`, claimSkus, stock, graph.bundles);
    await markWarehouseCancel(tx, orderId, 'done');
    return released;
  });
}
