// Claim settlement (docs/invariants.md, invariant 2): the claims a warehouse snapshot already
// counts stop counting, each with its ledger entry.
import type { Tx } from '../store/db.js';
import { settleClaims as settleClaimRows } from '../store/claims.js';
import type { NewLedgerEntry } from '../store/ledger.js';

export interface Settlement {
  entries: NewLedgerEntry[];
  claimedDelta: number; // negative: units that stop counting
}

export async function settleClaims(tx: Tx, p: { sku: string; warehouseConnectionId: string; observedAt: Date; source: string }): Promise<Settlement> {
  const settled = await settleClaimRows(tx, p);
  return {
    entries: settled.map((c) => ({
      key: `settle:${c.id}`,
      sku: c.sku,
      kind: 'settle' as const,
      availableDelta: 0,
      claimedDelta: -c.quantity,
      locationId: c.locationId,
      orderId: c.orderId,
      source: p.source,
    })),
    claimedDelta: settled.reduce((n, c) => n - c.quantity, 0),
  };
}
