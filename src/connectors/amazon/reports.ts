// Reports API 2021-06-30 for a full read of the listings: createReport of
// GET_MERCHANT_LISTINGS_ALL_DATA, getReport until processing ends, getReportDocument for
// the download URL. Each call goes through the client (its operation's token bucket:
// createReport and getReportDocument one a minute with a burst of 15, getReport 2/s).
//
// A report that cannot be used is a result, not an exception, so that the caller can fall
// back to paged reads: FATAL (Amazon may add a document saying why: its first line is
// quoted), CANCELLED (Amazon cancels a report with no data, or one requested again too
// soon), and a stale report. A repeated createReport may hand back a report generated
// earlier (Amazon keeps them 1-6 h): its counts predate the run, and a reconciliation that
// took them as now would raise counts over sales made since. So a report created before
// our request (less the clock skew allowed between Amazon and us) is refused.
import { ConnectorError } from '../errors.js';
import { httpRequest } from '../http.js';
import type { AmazonClient } from './client.js';
import { asDate, asObject, asString, type Json } from './json.js';

export const LISTINGS_REPORT = 'GET_MERCHANT_LISTINGS_ALL_DATA';

export interface ReportSettings {
  /** The longest wait between two getReport polls (Amazon: reports take minutes). */
  pollMs: number;
  /** Give up waiting for processing after this long. */
  timeoutMs: number;
  /** Amazon's clock may be this far behind ours and a report still count as made for this request. */
  clockSkewMs: number;
  /** Per request (the download has its own: until its headers arrive). */
  requestTimeoutMs?: number;
}

export interface ReportDocumentRef {
  reportId: string;
  url: string;
  gzip: boolean;
}

export type ReportOutcome = { ok: true; document: ReportDocumentRef } | { ok: false; reason: string };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Asks for the listings report and waits until it is ready. `requestedAt` is our clock
 * just before createReport; it is also the moment the report's counts are taken as of.
 */
export async function requestListingsReport(c: AmazonClient, s: ReportSettings, requestedAt: Date): Promise<ReportOutcome> {
  const created = asObject(
    await c.call('createReport', 'POST', '/reports/2021-06-30/reports', { reportType: LISTINGS_REPORT, marketplaceIds: [c.marketplaceId] }),
    'createReport',
  );
  const reportId = asString(created['reportId'], 'createReport reportId');
  const deadline = Date.now() + s.timeoutMs;
  // A small report is ready in seconds, a large one in minutes: poll after 1 s, then twice
  // as long each time up to pollMs (getReport's 2/s leaves room for either).
  let wait = Math.min(s.pollMs, 1_000);
  for (;;) {
    const report = asObject(await c.call('getReport', 'GET', `/reports/2021-06-30/reports/${encodeURIComponent(reportId)}`), 'getReport');
    const status = report['processingStatus'];
    if (status === 'DONE') {
      const stale = staleness(report, requestedAt, s.clockSkewMs);
      if (stale) return { ok: false, reason: `report ${reportId} is stale: ${stale}` };
      const documentId = asString(report['reportDocumentId'], 'getReport reportDocumentId');
      return { ok: true, document: { reportId, ...(await documentOf(c, documentId)) } };
    }
    if (status === 'FATAL') {
      const why = typeof report['reportDocumentId'] === 'string' ? await fatalReason(c, report['reportDocumentId'], s) : 'no document given';
      return { ok: false, reason: `report ${reportId} ended FATAL (${why})` };
    }
    if (status === 'CANCELLED') {
      return { ok: false, reason: `report ${reportId} was CANCELLED (Amazon cancels a report with no data, or one requested again too soon)` };
    }
    if (status !== 'IN_QUEUE' && status !== 'IN_PROGRESS') throw new ConnectorError('PARSE', `Amazon getReport: unknown processingStatus ${String(status)}`);
    if (Date.now() + wait > deadline) {
      return { ok: false, reason: `report ${reportId} still ${status} after ${Math.round(s.timeoutMs / 1000)} s` };
    }
    await sleep(wait);
    wait = Math.min(s.pollMs, wait * 2);
  }
}

/** Why a finished report is older than the request it answers; undefined when it is not. */
function staleness(report: Json, requestedAt: Date, clockSkewMs: number): string | undefined {
  const created = asDate(report['createdTime'], 'getReport createdTime');
  const start = report['dataStartTime'] === undefined ? created : asDate(report['dataStartTime'], 'getReport dataStartTime');
  const taken = Math.min(created.getTime(), start.getTime());
  const earliest = requestedAt.getTime() - clockSkewMs;
  if (taken >= earliest) return undefined;
  return `created ${new Date(taken).toISOString()}, before this run's request at ${requestedAt.toISOString()} (a cached report; ${Math.round((requestedAt.getTime() - taken) / 60_000)} min old)`;
}

async function documentOf(c: AmazonClient, documentId: string): Promise<{ url: string; gzip: boolean }> {
  const doc = asObject(await c.call('getReportDocument', 'GET', `/reports/2021-06-30/documents/${encodeURIComponent(documentId)}`), 'getReportDocument');
  const url = asString(doc['url'], 'getReportDocument url');
  const algorithm = doc['compressionAlgorithm'];
  if (algorithm !== undefined && algorithm !== 'GZIP')
    throw new ConnectorError('PARSE', `Amazon report document: unknown compressionAlgorithm ${String(algorithm)}`);
  return { url, gzip: algorithm === 'GZIP' };
}

/** The first line of a FATAL report's document (small: Amazon's explanation). */
async function fatalReason(c: AmazonClient, documentId: string, s: ReportSettings): Promise<string> {
  try {
    const { url, gzip } = await documentOf(c, documentId);
    if (gzip) return `document ${documentId}`;
    const res = await httpRequest({ method: 'GET', url, ...(s.requestTimeoutMs !== undefined && { timeoutMs: s.requestTimeoutMs }) });
    return res.text.split('\n')[0]!.slice(0, 300) || `document ${documentId} is empty`;
  } catch (e) {
    if (e instanceof ConnectorError) return `its document ${documentId} could not be read: ${e.message.slice(0, 200)}`;
    throw e;
  }
}
