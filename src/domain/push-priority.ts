// Which pushes are urgent. A lowering closes an oversell window (the channel shows units
// we may not have); a raise only ends an undersell, so it may wait. Where the platform's
// write rate is below the changes (Amazon, 5 patches/s), lowerings go first at every
// queue: the dispatcher's selection, its slots (a raise never holds the one a lowering
// needs) and the connector's rate limiter (a raise waits behind later lowerings).

/** A push that lowers the channel, or sets a count never pushed (unknown: may be too high). */
export function isLowering(l: { target: number; pushed: number | null }): boolean {
  return l.pushed === null || l.target < l.pushed;
}

/** A push item that raises the channel above the count it is believed to show. */
export function isRaise(i: { quantity: number; expected: number | null }): boolean {
  return i.expected !== null && i.quantity > i.expected;
}
