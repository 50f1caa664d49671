// listQuantities through a report (reports.ts, report-rows.ts), page by page off one
// download stream, or through paged searchListingsItems (listings.ts) for small
// catalogues, by `options.fullRead`:
//   report  always a report (a failed one: `reportFallback`);
//   paged   always searchListingsItems, 20 listings a call at 5 calls/s (100,000 listings:
//           about 17 minutes);
//   auto    (default) a report from `reportMinListings` known listings on: below that the
//           paged read is done before a report would be ready (reports take minutes).
// A report that cannot be used (FATAL, CANCELLED, stale, not ready in time) falls back to
// the paged read (`reportFallback: paged`, the default) or fails the run with the reason
// (`fail`). Every page of a report read carries `asOf`: the moment of our createReport
// request, by our clock, when the counts were taken at the earliest (invariant 3 compares
// it with the orders ingested, never the download's time).
import { ConnectorError } from '../errors.js';
import type { ChannelQuantity, ListingRef, Page } from '../types.js';
import type { AmazonClient } from './client.js';
import { readQuantities, sellerSkuOf } from './listings.js';
import { openReportRows, type ReportRows } from './report-rows.js';
import { requestListingsReport, type ReportSettings } from './reports.js';

export type FullRead = 'report' | 'paged' | 'auto';

export interface ReportReadOptions {
  fullRead: FullRead;
  minListings: number;
  pageSize: number;
  fallback: 'paged' | 'fail';
  settings: ReportSettings;
  /** A read nobody asked the next page of for this long is dropped (its download closed). */
  idleMs: number;
}

type ListReader = (cursor: string | null, known: readonly ListingRef[]) => Promise<Page<ChannelQuantity>>;

const CURSOR = 'report:';
/** The report's columns a count is read from (the other 25 are never made strings). */
const REPORT_COLUMNS = ['seller-sku', 'quantity', 'fulfillment-channel', 'asin1'];
const num = (v: unknown, d: number, min = 0): number => (typeof v === 'number' && Number.isFinite(v) && v >= min ? v : d);

export function reportReadOptions(o: Record<string, unknown>, timeoutMs?: number): ReportReadOptions {
  const fullRead = o['fullRead'] ?? 'auto';
  if (fullRead !== 'report' && fullRead !== 'paged' && fullRead !== 'auto') {
    throw new ConnectorError('REJECTED', `amazon: options.fullRead must be report, paged or auto, not ${String(fullRead)}`);
  }
  const fallback = o['reportFallback'] ?? 'paged';
  if (fallback !== 'paged' && fallback !== 'fail') throw new ConnectorError('REJECTED', `amazon: options.reportFallback must be paged or fail`);
  return {
    fullRead,
    // Paged: about 95 listings a second; 10,000 listings take under 2 minutes, about what
    // a report takes to be generated (unverified: Amazon says "minutes").
    minListings: num(o['reportMinListings'], 10_000, 1),
    pageSize: Math.floor(num(o['reportPageSize'], 1_000, 1)),
    fallback,
    settings: {
      pollMs: num(o['reportPollMs'], 15_000, 1),
      timeoutMs: num(o['reportTimeoutMs'], 45 * 60_000, 1),
      clockSkewMs: num(o['reportClockSkewMs'], 60_000),
      ...(timeoutMs !== undefined && { requestTimeoutMs: timeoutMs }),
    },
    idleMs: num(o['reportIdleMs'], 10 * 60_000, 1),
  };
}

interface Pass {
  asOf: Date;
  rows: ReportRows;
  /** Known listings not met in the report yet, by seller SKU. */
  bySku: Map<string, ListingRef>;
  /** Known listings whose row could not be read: read one by one at the end. */
  unreadable: ListingRef[];
  idle?: NodeJS.Timeout;
}

export function createReportListReader(c: AmazonClient, o: ReportReadOptions, paged: ListReader, now: () => Date = () => new Date()): ListReader {
  const passes = new Map<string, Pass>();
  let nextToken = 0;
  const drop = (token: string) => {
    const p = passes.get(token);
    if (!p) return;
    clearTimeout(p.idle);
    p.rows.close();
    passes.delete(token);
  };

  async function start(known: readonly ListingRef[]): Promise<Page<ChannelQuantity>> {
    const asOf = now();
    const outcome = await requestListingsReport(c, o.settings, asOf);
    if (!outcome.ok) {
      if (o.fallback === 'fail') throw new ConnectorError('SERVER', `Amazon listings report unusable, and reportFallback is fail: ${outcome.reason}`);
      return paged(null, known);
    }
    let rows: ReportRows;
    try {
      rows = await openReportRows(outcome.document, o.settings.requestTimeoutMs ?? 30_000, REPORT_COLUMNS);
    } catch (e) {
      // The download would not start (its URL refused, the storage unreachable): nothing
      // was read yet, so the paged read can still take over.
      if (!(e instanceof ConnectorError) || o.fallback === 'fail') throw e;
      return paged(null, known);
    }
    const token = `${CURSOR}${++nextToken}`;
    passes.set(token, { asOf, rows, bySku: new Map(known.map((l) => [sellerSkuOf(l), l])), unreadable: [] });
    return page(token);
  }

  async function page(token: string): Promise<Page<ChannelQuantity>> {
    const pass = passes.get(token);
    if (!pass) throw new ConnectorError('REJECTED', `Amazon: report read ${token} is over or expired; start the full read again`);
    clearTimeout(pass.idle);
    const items: ChannelQuantity[] = [];
    let done = false;
    try {
      while (items.length < o.pageSize) {
        const next = await pass.rows.rows.next();
        if (next.done) {
          done = true;
          break;
        }
        const row = next.value;
        const sku = row['seller-sku'];
        if (sku === undefined) throw new ConnectorError('PARSE', 'Amazon listings report has no seller-sku column (a localized header? ask for en_US)');
        const listing = pass.bySku.get(sku);
        if (!listing) continue; // not one of ours, or met already
        pass.bySku.delete(sku);
        // An Amazon-fulfilled listing's quantity is Amazon's stock, not a count we set.
        const channel = row['fulfillment-channel'];
        if (channel !== undefined && channel !== '' && channel !== 'DEFAULT') continue;
        const raw = (row['quantity'] ?? '').trim();
        // A listing without a quantity sells nothing (as the Listings API's answer is read).
        if (raw !== '' && !/^\d{1,9}$/.test(raw)) {
          pass.unreadable.push(listing);
          continue;
        }
        const asin = row['asin1'];
        items.push({
          sku: listing.sku,
          platformIds: { ...listing.platformIds, sellerSku: sku, ...(asin && { asin }) },
          quantity: raw === '' ? 0 : Number(raw),
        });
      }
      if (done && pass.unreadable.length > 0) {
        // Never dropped: what the report could not say, the Listings API is asked.
        const counts = await readQuantities(c, pass.unreadable);
        for (const l of pass.unreadable) {
          const q = counts.get(l.listingId);
          if (q !== undefined) items.push({ sku: l.sku, platformIds: { ...l.platformIds, sellerSku: sellerSkuOf(l) }, quantity: q });
        }
      }
    } catch (e) {
      drop(token);
      if (e instanceof ConnectorError) throw e;
      throw new ConnectorError('PARSE', `Amazon listings report could not be read: ${(e as Error).message}`);
    }
    if (done) drop(token);
    else pass.idle = setTimeout(() => drop(token), o.idleMs).unref();
    return { items, next: done ? null : token, asOf: pass.asOf };
  }

  return async function listQuantities(cursor, known) {
    if (cursor !== null) return cursor.startsWith(CURSOR) ? page(cursor) : paged(cursor, known);
    const useReport = o.fullRead === 'report' || (o.fullRead === 'auto' && known.length >= o.minListings);
    return useReport ? start(known) : paged(null, known);
  };
}
