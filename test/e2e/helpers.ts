// Waiting for the system to converge, and reading both sides of it.
import type { Stack, ChannelPlatform } from './stack.js';

export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function listing(stack: Stack, platform: ChannelPlatform, sku: string) {
  const { rows } = await stack.db.query(
    `SELECT target, pushed, dirty, quarantined_reason AS "quarantinedReason" FROM listings WHERE connection_id = $1 AND sku = $2`,
    [stack.connectionOf(platform), sku],
  );
  return rows[0] as { target: number; pushed: number | null; dirty: boolean; quarantinedReason: string | null };
}

export async function ats(stack: Stack, sku: string): Promise<number> {
  const { rows } = await stack.db.query(`SELECT available - claimed AS ats FROM sku_stock WHERE sku = $1`, [sku]);
  return rows[0].ats;
}

/** Every channel shows its target for these SKUs and nothing is dirty. */
export async function converged(stack: Stack, channels: readonly ChannelPlatform[], skus: readonly string[]) {
  try {
    return await waitConverged(stack, channels, skus);
  } catch (e) {
    // Say what was left, so a failure can be understood from the log alone.
    const { rows } = await stack.db.query(
      `SELECT l.connection_id, l.sku, l.target, l.pushed, l.dirty, l.verify, l.raise_held_since, l.push_pending_until, l.quarantined_reason,
              c.since AS orders_since, now() AS now
         FROM listings l LEFT JOIN poll_cursors c ON c.connection_id = l.connection_id AND c.stream = 'orders'`,
    );
    const shown = channels.flatMap((c) => skus.map((sku) => `${c}/${sku}=${stack.instance(c).control.getStock(sku)}`));
    throw new Error(`${(e as Error).message}\nlistings: ${JSON.stringify(rows)}\nchannels show: ${shown.join(' ')}`, { cause: e });
  }
}

function waitConverged(stack: Stack, channels: readonly ChannelPlatform[], skus: readonly string[]) {
  return eventually(
    'channels to show their targets',
    async () => {
      for (const c of channels) {
        for (const sku of skus) {
          const l = await listing(stack, c, sku);
          if (!l || l.dirty) return false;
          if (stack.instance(c).control.getStock(sku) !== l.target) return false;
        }
      }
      return true;
    },
    60_000,
  ); // generous: CI runs this beside other suites on 2 cores
}

/** The small Shopify catalogue the admin API and dashboard tests work on (a low-stock CUP among them). */
export const SMALL_SHOP_SKUS = [
  { sku: 'MUG', quantity: 20 },
  { sku: 'CUP', quantity: 3 },
  { sku: 'BOWL', quantity: 8 },
];
