import { createHmac, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseBulkQuery, runBulkWindow, type BulkQuery } from './bulk-query.js';
import { BULK_MAX_CONCURRENT, BULK_OBJECTS_PER_SECOND, BULK_URL_TTL_MS, MESSAGES } from './constants.js';
import { gid, isoSeconds, gidKey } from './format.js';

/**
 * Bulk query operations (bulkOperationRunQuery): each runs in the background at a rate
 * of objects per second, reading the shop progressively (a root object read late shows
 * the changes made meanwhile: it is no snapshot), then its JSONL result is served from a
 * signed URL that expires. Polled with bulkOperation(id:) or currentBulkOperation, and
 * announced by the bulk_operations/finish webhook. Failures as Shopify documents them:
 * FAILED with ACCESS_DENIED, INTERNAL_SERVER_ERROR or TIMEOUT (the last two with the
 * partial data), CANCELED, and EXPIRED once the URL has lapsed.
 */
export type BulkStatus = 'CANCELED' | 'CANCELING' | 'COMPLETED' | 'CREATED' | 'EXPIRED' | 'FAILED' | 'RUNNING';
export type BulkErrorCode = 'ACCESS_DENIED' | 'INTERNAL_SERVER_ERROR' | 'TIMEOUT';

interface Operation {
  key: string;
  app: string;
  status: Exclude<BulkStatus, 'EXPIRED'>;
  errorCode: BulkErrorCode | null;
  createdAt: Date;
  completedAt: Date | null;
  text: string;
  query: BulkQuery;
  lines: string[];
  bytes: number;
  objects: number;
  roots: number;
  lastId: bigint | null;
  /** Real time (Date.now()) after which the result URL is refused. */
  urlExpiresAt: number;
  failAt?: { objects: number; code: BulkErrorCode };
}

/** What tests and the bench set on a shop's bulk operations. */
export interface BulkControl {
  /** Objects read per second by every operation (real time). */
  setRate(objectsPerSecond: number): void;
  /** The next operation started fails with this code once it has read `afterObjects`. */
  failNext(code: BulkErrorCode, afterObjects?: number): void;
  /** Every result URL handed out so far lapses now. */
  expireUrls(): void;
  /** The next `count` downloads break off (connection reset) after about `afterLines` lines. */
  breakDownloads(count: number, afterLines: number): void;
  operations(): { id: string; status: BulkStatus; objectCount: number; createdAt: Date }[];
}

export interface BulkDeps {
  /** The root value the query runs against (the shop's own queries). */
  rootValue: () => unknown;
  now: () => Date;
  finished: (body: string) => void;
  /** Signs result URLs. */
  secret: string;
  objectsPerSecond?: number;
  urlTtlMs?: number;
}

/** graphql-js context of one request: the app (access token) and where results are served. */
export interface RequestContext {
  app: string;
  origin: string;
}

const TICK_MS = 20;
const MAX_WINDOW = 1_000;

export function createBulkOperations(d: BulkDeps) {
  const ops: Operation[] = [];
  let rate = d.objectsPerSecond ?? BULK_OBJECTS_PER_SECOND;
  let nextFailure: Operation['failAt'] | undefined;
  let broken = { count: 0, afterLines: 0 };
  let seq = 4_471_230_000;
  let timer: NodeJS.Timeout | undefined;
  let last = Date.now();
  const ttl = d.urlTtlMs ?? BULK_URL_TTL_MS;

  const active = (o: Operation) => o.status === 'CREATED' || o.status === 'RUNNING' || o.status === 'CANCELING';
  const statusOf = (o: Operation): BulkStatus => (o.status === 'COMPLETED' && Date.now() > o.urlExpiresAt ? 'EXPIRED' : o.status);

  function finish(o: Operation, status: 'COMPLETED' | 'FAILED' | 'CANCELED', code: BulkErrorCode | null = null) {
    o.status = status;
    o.errorCode = code;
    o.completedAt = d.now();
    o.urlExpiresAt = Date.now() + ttl;
    const at = (x: Date | null) => (x ? `"${x.toISOString()}"` : 'null');
    d.finished(
      `{"admin_graphql_api_id":"${gid('BulkOperation', o.key)}","completed_at":${at(o.completedAt)},"created_at":${at(o.createdAt)},` +
        `"error_code":${code ? `"${code.toLowerCase()}"` : 'null'},"status":"${status.toLowerCase()}","type":"query"}`,
    );
  }

  function step(o: Operation, budget: number) {
    if (o.status === 'CANCELING') return finish(o, 'CANCELED');
    o.status = 'RUNNING';
    let left = budget;
    while (left >= 1) {
      const perRoot = o.roots > 0 ? o.objects / o.roots : 1;
      const w = runBulkWindow(o.query, d.rootValue(), o.lastId, Math.max(1, Math.min(MAX_WINDOW, Math.floor(left / perRoot))));
      for (const line of w.lines) {
        o.lines.push(line);
        o.bytes += Buffer.byteLength(line) + 1;
      }
      o.objects += w.lines.length;
      o.roots += w.roots;
      o.lastId = w.lastId;
      left -= Math.max(1, w.lines.length);
      if (o.failAt && o.objects >= o.failAt.objects) return finish(o, 'FAILED', o.failAt.code);
      if (w.done) return finish(o, 'COMPLETED');
    }
  }

  function tick() {
    const now = Date.now();
    const budget = (rate * (now - last)) / 1000;
    last = now;
    for (const o of ops.filter(active)) step(o, budget);
    if (!ops.some(active)) {
      clearInterval(timer);
      timer = undefined;
    }
  }

  function sign(path: string, expires: number): string {
    return createHmac('sha256', d.secret).update(`${path}:${expires}`).digest('hex');
  }
  function url(ctx: RequestContext, o: Operation, partial: boolean): string {
    const path = `${o.key}${partial ? '-partial' : ''}.jsonl`;
    return `${ctx.origin}/bulk-results/${path}?expires=${o.urlExpiresAt}&signature=${sign(path, o.urlExpiresAt)}`;
  }

  function node(o: Operation, ctx: RequestContext) {
    const status = statusOf(o);
    const partial = status === 'FAILED' && o.errorCode !== 'ACCESS_DENIED' && o.lines.length > 0;
    return {
      id: gid('BulkOperation', o.key),
      status,
      errorCode: o.errorCode,
      createdAt: isoSeconds(o.createdAt),
      completedAt: o.completedAt && isoSeconds(o.completedAt),
      objectCount: String(o.objects),
      rootObjectCount: String(o.roots),
      fileSize: status === 'COMPLETED' ? String(o.bytes) : null,
      url: status === 'COMPLETED' ? url(ctx, o, false) : null,
      partialDataUrl: partial && Date.now() <= o.urlExpiresAt ? url(ctx, o, true) : null,
      query: o.text,
      type: 'QUERY',
    };
  }

  const find = (app: string, id: string) => ops.find((o) => o.app === app && o.key === gidKey(id, 'BulkOperation'));

  const root = {
    currentBulkOperation: ({ type }: { type: string }, ctx: RequestContext) => {
      const mine = ops.filter((o) => o.app === ctx.app);
      return type === 'QUERY' && mine.length > 0 ? node(mine[mine.length - 1]!, ctx) : null;
    },
    bulkOperation: ({ id }: { id: string }, ctx: RequestContext) => {
      const o = find(ctx.app, id);
      return o ? node(o, ctx) : null;
    },
    bulkOperationRunQuery: ({ query }: { query: string }, ctx: RequestContext) => {
      const parsed = parseBulkQuery(query);
      if ('error' in parsed) return { bulkOperation: null, userErrors: [{ code: 'INVALID', field: ['query'], message: parsed.error }] };
      if (ops.filter((o) => o.app === ctx.app && active(o)).length >= BULK_MAX_CONCURRENT) {
        return { bulkOperation: null, userErrors: [{ code: 'LIMIT_REACHED', field: null, message: MESSAGES.bulkLimitReached }] };
      }
      const o: Operation = {
        key: String(seq++),
        app: ctx.app,
        status: 'CREATED',
        errorCode: null,
        createdAt: d.now(),
        completedAt: null,
        text: query,
        query: parsed,
        lines: [],
        bytes: 0,
        objects: 0,
        roots: 0,
        lastId: null,
        urlExpiresAt: Number.MAX_SAFE_INTEGER,
        ...(nextFailure && { failAt: nextFailure }),
      };
      nextFailure = undefined;
      ops.push(o);
      if (!timer) {
        last = Date.now();
        timer = setInterval(tick, TICK_MS);
      }
      return { bulkOperation: node(o, ctx), userErrors: [] };
    },
    bulkOperationCancel: ({ id }: { id: string }, ctx: RequestContext) => {
      const o = find(ctx.app, id);
      if (!o) return { bulkOperation: null, userErrors: [{ field: ['id'], message: MESSAGES.bulkNotFound }] };
      if (o.status !== 'CREATED' && o.status !== 'RUNNING') {
        return { bulkOperation: node(o, ctx), userErrors: [{ field: ['id'], message: MESSAGES.bulkNotCancelable(statusOf(o)) }] };
      }
      o.status = 'CANCELING';
      return { bulkOperation: node(o, ctx), userErrors: [] };
    },
  };

  /** GET <prefix>/bulk-results/:file: the JSONL, streamed; refused once expired or when the signature is wrong. */
  async function download(request: FastifyRequest, reply: FastifyReply) {
    const { file } = request.params as { file: string };
    const { expires, signature } = request.query as { expires?: string; signature?: string };
    const m = /^(\d+)(-partial)?\.jsonl$/.exec(file);
    const o = m ? ops.find((x) => x.key === m[1]) : undefined;
    const expected = sign(file, Number(expires));
    if (!o || !signature || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      return reply.code(403).type('application/xml').send(storageError('SignatureDoesNotMatch', 'Access denied.'));
    }
    if (Date.now() > Number(expires) || Date.now() > o.urlExpiresAt) {
      return reply.code(400).type('application/xml').send(storageError('ExpiredToken', 'The provided token has expired.'));
    }
    const lines = o.lines;
    const cut = broken.count > 0 ? (broken.count--, broken.afterLines) : Infinity;
    const chunks = function* () {
      for (let i = 0; i < lines.length; i += 500) {
        // the storage connection reset mid-file: the client has a prefix of the lines
        if (i >= cut) throw new Error('connection reset by the sandbox (breakDownloads)');
        yield `${lines.slice(i, i + 500).join('\n')}\n`;
      }
    };
    return reply.type('application/jsonl').send(Readable.from(chunks()));
  }

  const control: BulkControl = {
    setRate: (r) => void (rate = r),
    failNext: (code, afterObjects = 0) => void (nextFailure = { code, objects: afterObjects }),
    expireUrls: () => {
      for (const o of ops) if (!active(o)) o.urlExpiresAt = Date.now() - 1;
    },
    breakDownloads: (count, afterLines) => void (broken = { count, afterLines }),
    operations: () => ops.map((o) => ({ id: gid('BulkOperation', o.key), status: statusOf(o), objectCount: o.objects, createdAt: o.createdAt })),
  };

  return { root, download, control, close: () => clearInterval(timer) };
}

/** The storage service's error body (unverified: Google Cloud Storage's XML shape). */
function storageError(code: string, message: string): string {
  return `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
