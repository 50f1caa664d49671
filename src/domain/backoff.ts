// Exponential backoff with jitter for retries that must go on (a database coming back, a
// listener reconnecting, an inbox event whose operation failed for a passing reason).

/**
 * The wait before retry number `attempt` (1 = the first retry): `baseMs` doubling up to
 * `maxMs`, of which a random half. Half is kept fixed so that a retry never comes right
 * back at once, and the random half spreads processes that failed together.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
