/**
 * The claim lifecycle (invariant 2, docs/invariants.md) as a pure state machine:
 *
 *   open --cancel--> released
 *   open --warehouse observation taken at or after the warehouse acknowledged the order--> settled
 *
 * Only an open claim counts against ATS. Settling early would count the units twice (the
 * warehouse's `available` does not yet include the order, and the claim would be gone),
 * so an observation before the acknowledgement, or with no acknowledgement yet,
 * leaves the claim open. Settled and released are terminal: a late cancel after
 * settlement is a return, which the warehouse reports as stock, not a claim change.
 */
export type ClaimState = 'open' | 'settled' | 'released';

export type ClaimEvent = { type: 'cancel' } | { type: 'warehouse_observation'; observedAt: Date; ackAt: Date | null };

export function nextClaimState(state: ClaimState, event: ClaimEvent): ClaimState {
  if (state !== 'open') return state;
  switch (event.type) {
    case 'cancel':
      return 'released';
    case 'warehouse_observation':
      return settlesClaim(event.observedAt, event.ackAt) ? 'settled' : 'open';
  }
}

/**
 * True when an observation taken at `observedAt` already includes an order acknowledged at
 * `ackAt`, both on the warehouse's own clock. At or after: a warehouse allocates an order
 * no earlier than it accepts it and stamps the stock change with that moment, so the
 * snapshot stamped at the acceptance instant is the one that carries the allocation.
 * Strictly-after would leave the claim counting (hiding units) until the item changes
 * again, which may be never. The cost: an unrelated change stamped in the very same
 * millisecond, before the allocation, settles early until the allocation's own update
 * arrives moments later. Invalid dates never settle.
 */
export function settlesClaim(observedAt: Date, ackAt: Date | null): boolean {
  if (ackAt === null) return false;
  return observedAt.getTime() >= ackAt.getTime(); // NaN compares false
}

/** Whether a claim in this state still counts against ATS. */
export function claimCounts(state: ClaimState): boolean {
  return state === 'open';
}
