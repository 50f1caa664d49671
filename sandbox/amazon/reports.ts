// Reports API 2021-06-30, the part a full read of the listings uses: createReport of
// GET_MERCHANT_LISTINGS_ALL_DATA, getReport until processing ends, getReportDocument for a
// presigned download URL (expiring after 5 minutes, as Amazon's do), and the download
// itself (not an SP-API call: no token, no usage plan). The report is generated
// asynchronously: IN_QUEUE, then IN_PROGRESS (the listings are read at that moment), then
// DONE after a time proportional to the listing count. Options (instance `reports: {...}`):
// baseMs, msPerListing, queueMs (platform ms, x timeScale), gzip, charset (UTF-8 | Cp1252),
// cacheMs (a repeated request within that time gets the earlier report back, as Amazon may
// do with one 1-6 h old; 0, the default, never), outcomes (the end state of the next reports
// in turn: DONE, FATAL, CANCELLED; a test's fault injection).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Rng } from '../core/rng.js';
import { amzError, type AmazonHttp } from './http.js';
import { merchantListingsDocument, merchantListingsRow, type ReportCharset } from './report-document.js';
import type { AmazonStore } from './store.js';

export const LISTINGS_REPORT = 'GET_MERCHANT_LISTINGS_ALL_DATA';
const URL_TTL_MS = 5 * 60_000;
const END_STATES = ['DONE', 'FATAL', 'CANCELLED'] as const;
type EndState = (typeof END_STATES)[number];

export interface ReportOptions {
  baseMs: number;
  msPerListing: number;
  queueMs: number;
  gzip: boolean;
  charset: ReportCharset;
  cacheMs: number;
  outcomes: EndState[];
}

export function reportOptions(raw: unknown): ReportOptions {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const num = (k: string, d: number): number => (typeof o[k] === 'number' && (o[k] as number) >= 0 ? (o[k] as number) : d);
  const outcomes = Array.isArray(o.outcomes) ? o.outcomes : [];
  for (const x of outcomes) if (!END_STATES.includes(x as EndState)) throw new Error(`reports.outcomes: ${String(x)} is not one of ${END_STATES.join(', ')}`);
  return {
    // Unverified: Amazon says reports take "minutes"; about 30 s plus 3 ms a listing (100,000 listings: 5.5 min).
    baseMs: num('baseMs', 30_000),
    msPerListing: num('msPerListing', 3),
    queueMs: num('queueMs', 2_000),
    gzip: o.gzip !== false,
    charset: o.charset === 'Cp1252' ? 'Cp1252' : 'UTF-8',
    cacheMs: num('cacheMs', 0),
    outcomes: outcomes as EndState[],
  };
}

interface Report {
  reportId: string;
  reportType: string;
  marketplaceIds: string[];
  createdTime: Date;
  processingStatus: 'IN_QUEUE' | 'IN_PROGRESS' | EndState;
  processingStartTime?: Date;
  processingEndTime?: Date;
  reportDocumentId?: string;
  listings?: number;
}

interface Document {
  id: string;
  bytes: Buffer;
  gzip: boolean;
  charset: ReportCharset;
}

export interface ReportsSim {
  /** `prefix`: where the instance is mounted (the download URL is absolute). */
  register(app: FastifyInstance, http: AmazonHttp, prefix: string): void;
  truth(): unknown;
  close(): void;
}

export function createReportsSim(store: AmazonStore, opts: ReportOptions, timeScale: number, rng: Rng): ReportsSim {
  const reports = new Map<string, Report>();
  const documents = new Map<string, Document>();
  const downloads = new Map<string, { documentId: string; expiresAt: number }>();
  const timers = new Set<NodeJS.Timeout>();
  const outcomes = [...opts.outcomes];
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms * timeScale);
    timers.add(t);
  };
  const id = (digits: number) => Array.from({ length: digits }, () => rng.int(0, 9)).join('');
  const json = (r: Report) => ({
    reportId: r.reportId,
    reportType: r.reportType,
    marketplaceIds: r.marketplaceIds,
    // This report is a snapshot: its data range is the moment it was asked for.
    dataStartTime: r.createdTime.toISOString(),
    dataEndTime: r.createdTime.toISOString(),
    createdTime: r.createdTime.toISOString(),
    processingStatus: r.processingStatus,
    ...(r.processingStartTime && { processingStartTime: r.processingStartTime.toISOString() }),
    ...(r.processingEndTime && { processingEndTime: r.processingEndTime.toISOString() }),
    ...(r.reportDocumentId && { reportDocumentId: r.reportDocumentId }),
  });
  const storeDocument = (bytes: Buffer, gzip: boolean, charset: ReportCharset): string => {
    const docId = `amzn1.spdoc.1.4.na.${randomBytes(8).toString('hex')}`;
    documents.set(docId, { id: docId, bytes, gzip, charset });
    return docId;
  };

  function generate(r: Report): void {
    later(opts.queueMs, () => {
      r.processingStatus = 'IN_PROGRESS';
      r.processingStartTime = store.now();
      // The listings as they are when processing starts: later sales are not in the report.
      const rows = [...store.listings.values()].map((l) => merchantListingsRow(l, rng));
      r.listings = rows.length;
      later(opts.baseMs + opts.msPerListing * rows.length, () => {
        const end = outcomes.shift() ?? 'DONE';
        r.processingStatus = end;
        r.processingEndTime = store.now();
        if (end === 'DONE') r.reportDocumentId = storeDocument(merchantListingsDocument(rows, opts.charset, opts.gzip), opts.gzip, opts.charset);
        // A fatal report may come with a document saying why (Amazon's wording varies).
        if (end === 'FATAL')
          r.reportDocumentId = storeDocument(Buffer.from('Report processing failed: internal error while reading listings.\n'), false, 'UTF-8');
      });
    });
  }

  return {
    register(app, http, prefix) {
      app.post(
        '/reports/2021-06-30/reports',
        http.route('createReport', async (request, reply) => {
          const body = request.body as Record<string, unknown> | undefined;
          if (!body || typeof body !== 'object') return amzError(reply, 400, 'InvalidInput', 'Request body is required.');
          const markets = body.marketplaceIds;
          if (typeof body.reportType !== 'string' || !body.reportType) return amzError(reply, 400, 'InvalidInput', 'reportType is required.');
          if (!Array.isArray(markets) || markets.length === 0 || !markets.every((m) => typeof m === 'string')) {
            return amzError(reply, 400, 'InvalidInput', 'marketplaceIds must be a non-empty list.');
          }
          if (!markets.includes(store.marketplaceId)) return amzError(reply, 400, 'InvalidInput', `Invalid marketplaceIds: ${markets.join(',')}.`);
          if (body.reportType !== LISTINGS_REPORT) {
            return amzError(reply, 400, 'InvalidInput', `The sandbox generates ${LISTINGS_REPORT} only, not ${body.reportType}.`);
          }
          const now = store.now();
          if (opts.cacheMs > 0) {
            const cached = [...reports.values()].find(
              (r) => r.reportType === body.reportType && r.processingStatus === 'DONE' && now.getTime() - r.createdTime.getTime() < opts.cacheMs,
            );
            if (cached) return reply.code(202).send({ reportId: cached.reportId });
          }
          const r: Report = {
            reportId: id(11),
            reportType: body.reportType,
            marketplaceIds: markets as string[],
            createdTime: now,
            processingStatus: 'IN_QUEUE',
          };
          reports.set(r.reportId, r);
          generate(r);
          return reply.code(202).send({ reportId: r.reportId });
        }),
      );
      app.get(
        '/reports/2021-06-30/reports/:reportId',
        http.route('getReport', async (request, reply) => {
          const r = reports.get((request.params as { reportId: string }).reportId);
          if (!r) return amzError(reply, 404, 'NotFound', 'The report was not found.');
          return json(r);
        }),
      );
      app.get(
        '/reports/2021-06-30/documents/:documentId',
        http.route('getReportDocument', async (request, reply) => {
          const doc = documents.get((request.params as { documentId: string }).documentId);
          if (!doc) return amzError(reply, 404, 'NotFound', 'The report document was not found.');
          const token = randomBytes(16).toString('hex');
          downloads.set(token, { documentId: doc.id, expiresAt: Date.now() + URL_TTL_MS });
          const q = new URLSearchParams({ 'X-Amz-Expires': String(URL_TTL_MS / 1000), 'X-Amz-Signature': token });
          return {
            reportDocumentId: doc.id,
            url: `${request.protocol}://${request.headers.host}${prefix}/report-documents/${encodeURIComponent(doc.id)}?${q.toString()}`,
            ...(doc.gzip && { compressionAlgorithm: 'GZIP' }),
          };
        }),
      );
      // The presigned S3 URL: anyone holding it may read until it expires.
      app.get('/report-documents/:documentId', async (request, reply) => {
        const signature = (request.query as Record<string, string | undefined>)['X-Amz-Signature'] ?? '';
        const grant = downloads.get(signature);
        const { documentId } = request.params as { documentId: string };
        const valid = grant !== undefined && grant.documentId === documentId;
        if (!valid || grant!.expiresAt < Date.now()) {
          const why = valid ? 'Request has expired' : 'The request signature we calculated does not match the signature you provided.';
          return reply
            .code(403)
            .header('content-type', 'application/xml')
            .send(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>${why}</Message></Error>`);
        }
        const doc = documents.get(documentId)!;
        // A gzip document is an object of gzip bytes, not a gzip-encoded response.
        return reply.header('content-type', `text/plain; charset=${doc.charset}`).send(doc.bytes);
      });
    },
    truth: () => ({
      reports: [...reports.values()].map(json),
      documents: [...documents.values()].map((d) => ({ reportDocumentId: d.id, bytes: d.bytes.length, gzip: d.gzip, charset: d.charset })),
    }),
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
