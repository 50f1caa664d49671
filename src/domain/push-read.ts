// When a push to a platform without compare-and-set (Amazon) may skip reading the count
// first. The read exists for invariant 4: a sale the channel made since we last knew its
// count, whose order we have not recorded, must not be overwritten by an absolute set.
//
// Amazon applies a patch minutes after accepting it, as an absolute count: every sale made
// between the read and the apply is overwritten whatever we do. The engine already accounts
// for that: an order placed from 30 s before an asynchronous push's acknowledgement until
// it applies is taken as overwritten (src/store/order-batch.ts), its units counted in the
// channel's exposure until the orders are ingested past the apply (src/store/listings.ts),
// and the target then comes down by them. So the read protects only the sales made between
// our last knowledge of the count and the push, and only those older than that 30 s window.
//
// The read is therefore needed only when the channel may have sold, unaccounted, since our
// last known count; it may be skipped when all of these hold:
// - we know a count (`pushed`), confirmed by a push the channel acknowledged (or a read that
//   found it) at most FRESH_COUNT_MS ago: an unseen sale since then falls inside the window
//   above even when the push waits its turn in the rate limiter (the other half of 30 s);
// - no sale of the listing has been recorded since (each recorded sale marks the listing
//   `verify`: its count is then inferred, not known, and is read back; that is also the
//   mark a channel count above target leaves);
// - no read found sales whose orders are not recorded yet (unrecorded sales, a held raise).
// Anything else, or a platform that applies synchronously (no overwrite window), reads.
//
// The orders ingested confirm a count too. When the channel's orders are ingested through
// a moment C (the orders poll's cursor, which invariant 3's raise gate trusts the same
// way) and no sale was recorded since our count was set (`verify` is clear), every sale
// placed before C is recorded and none came after the count: at C the channel still showed
// `pushed` (a push still applying is never pushed over: the dispatcher waits for it). C is
// then as good a confirmation as an acknowledgement, and the latest of the two counts. On
// a busy catalogue most listings are pushed less often than every FRESH_COUNT_MS, while
// the cursor moves every poll: this is what spares most reads (bench:propagation).

/** How long after its confirmation a count is current enough to push over without reading. */
export const FRESH_COUNT_MS = 15_000;

export interface KnownCount {
  /** What we believe the channel shows; null: never pushed, unknown. */
  pushed: number | null;
  /** A sale was recorded since the count was confirmed (or the count must be re-checked). */
  verify: boolean;
  /** Sales a read found whose orders are not recorded yet. */
  unrecordedSales: number;
  /** A raise waits for the channel's orders (a read found unseen sales). */
  raiseHeld: boolean;
  /** Since the channel acknowledged our last push (or a read confirmed it); null: never. */
  confirmedAgoMs: number | null;
  /** Since the moment the channel's orders are ingested through; null: never polled. */
  ordersIngestedAgoMs?: number | null;
}

/** How long ago the channel last showed `pushed` to our knowledge; null: unknown. */
export function knownAgoMs(k: KnownCount): number | null {
  if (k.confirmedAgoMs === null || k.confirmedAgoMs < 0) return k.confirmedAgoMs;
  const ingested = k.ordersIngestedAgoMs;
  // A cursor in our future (clock skew) vouches for nothing.
  return ingested === undefined || ingested === null || ingested < 0 ? k.confirmedAgoMs : Math.min(k.confirmedAgoMs, ingested);
}

/** True when the channel cannot have sold since `pushed` was confirmed without the engine accounting for it. */
export function countIsCurrent(k: KnownCount, freshMs = FRESH_COUNT_MS): boolean {
  const ago = knownAgoMs(k);
  return k.pushed !== null && !k.verify && k.unrecordedSales === 0 && !k.raiseHeld && ago !== null && ago >= 0 && ago <= freshMs;
}
