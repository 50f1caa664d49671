// bench:reconcile's paged reference, measured in the same run: after the reconciliations,
// Shopify's paged reads (GraphQL pages of 250 at the plan's points/s) and Amazon's paged
// searchListingsItems (20 SKUs a call at its rate scale) read a sample of the catalogue
// from the same sandboxes, at the same latency; the whole catalogue's paged time is then
// extrapolated from the sample (a 100,000-SKU paged read at Standard takes about 50
// minutes, too long to run). The warehouse and WooCommerce read page by page in the main
// run already: their times there are their paged reference.
import pino from 'pino';
import type { ChannelConnector, ListingRef } from '../../src/connectors/types.js';
import { benchConnectors, type EngineConfig } from './reconcile-engine.js';
import { round } from './report.js';

export interface PagedSample {
  connection: 'shop' | 'amazon';
  listings: number;
  pages: number;
  seconds: number;
  /** Seconds per page over the sample's second half (the rate limit's burst spent by then). */
  steadyPageSeconds: number;
  extrapolatedSeconds: number;
  how: string;
}

interface Timed {
  listings: number;
  /** Seconds from the start at which each page arrived. */
  arrivals: number[];
}

/** Reads pages until `upTo` counts (or the end), noting when each page arrived. */
async function timedRead(c: ChannelConnector, known: readonly ListingRef[], upTo: number): Promise<Timed> {
  const t0 = performance.now();
  const arrivals: number[] = [];
  let listings = 0;
  let cursor: string | null = null;
  do {
    const page = await c.listQuantities(cursor, known);
    arrivals.push((performance.now() - t0) / 1000);
    listings += page.items.length;
    cursor = page.next;
  } while (cursor !== null && listings < upTo);
  return { listings, arrivals };
}

/**
 * Linear from the sample's steady rate: the sample's own time, then the remaining pages at
 * the seconds per page its second half took (its first pages ride the rate limit's burst,
 * which a long read spends once).
 */
function extrapolate(connection: PagedSample['connection'], t: Timed, total: number): PagedSample {
  const pages = t.arrivals.length;
  const mid = Math.floor(pages / 2);
  const seconds = t.arrivals.at(-1)!;
  const steady = (seconds - (t.arrivals[mid - 1] ?? 0)) / (pages - mid);
  const perPage = t.listings / pages;
  const remaining = Math.max(0, Math.ceil((total - t.listings) / perPage));
  const extrapolated = seconds + remaining * steady;
  return {
    connection,
    listings: t.listings,
    pages,
    seconds: round(seconds, 1),
    steadyPageSeconds: round(steady, 3),
    extrapolatedSeconds: round(extrapolated),
    how: `measured ${round(seconds, 1)} s for ${t.listings} listings in ${pages} pages; the other ${remaining} pages of ${round(perPage)} at the ${round(steady, 2)} s a page of the sample's second half: ${round(seconds, 1)} + ${remaining} x ${round(steady, 2)} = ${round(extrapolated)} s`,
  };
}

/** The two paged reads at once (separate platforms, separate limits), each on `sample` listings. */
export async function pagedReference(cfg: EngineConfig, sample: number, total: number, sku: (i: number) => string): Promise<PagedSample[]> {
  const connectors = await benchConnectors(cfg, pino({ level: 'warn' }, pino.destination(2)), 'paged');
  const shop = connectors.shop as ChannelConnector;
  const amazon = connectors.amazon as ChannelConnector;
  // Amazon reads the listings it is given; Shopify pages through the shop and is stopped.
  const known: ListingRef[] = Array.from({ length: sample }, (_, i) => ({ listingId: i + 1, sku: sku(i), platformIds: {} }));
  try {
    const [s, a] = await Promise.all([timedRead(shop, known, sample), timedRead(amazon, known, Infinity)]);
    return [extrapolate('shop', s, total), extrapolate('amazon', a, total)];
  } finally {
    await Promise.all(Object.values(connectors).map((c) => c.close?.()));
  }
}
