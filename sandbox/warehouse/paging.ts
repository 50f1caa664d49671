// ShipBob's 2026-01 list endpoints (products, inventory levels, webhooks) answer
// {items, first, last, next, prev}: `next` is the link to the following page, null on the
// last. The sandbox's cursor is the offset, base64url-encoded; clients must treat it as
// opaque (ShipBob's are). Orders still page by Page/Limit (see routes-orders.ts).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, queryParam } from './http.js';

export interface CursorPage<T> {
  items: T[];
  first: string | null;
  last: string | null;
  next: string | null;
  prev: string | null;
}

const encode = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');

function decode(cursor: string): number | undefined {
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

/**
 * One page of `rows`. `sizeParam` is the endpoint's page-size parameter (PageSize, or
 * RecordsPerPage for webhooks), capped at `max`. Links keep the request's other filters.
 */
export function cursorPage<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  rows: T[],
  o: { sizeParam: string; defaultSize: number; max: number },
): CursorPage<T> | undefined {
  const rawSize = queryParam(request, o.sizeParam);
  const size = rawSize === undefined ? o.defaultSize : Number(rawSize);
  if (!Number.isInteger(size) || size < 1 || size > o.max) return void badRequest(reply, `${o.sizeParam} must be between 1 and ${o.max}.`);
  const rawCursor = queryParam(request, 'Cursor');
  const offset = rawCursor === undefined ? 0 : decode(rawCursor);
  if (offset === undefined) return void badRequest(reply, 'The Cursor is not valid.');
  const link = (at: number) => {
    const url = new URL(request.url, 'http://sandbox.local');
    // The API root is where the version segment starts: the sandbox mounts it under /warehouse/<name>.
    const root = url.pathname.indexOf('/2026-01/');
    for (const k of [...url.searchParams.keys()]) if (k.toLowerCase() === 'cursor') url.searchParams.delete(k);
    url.searchParams.set('Cursor', encode(at));
    return `${url.pathname.slice(Math.max(0, root))}${url.search}`;
  };
  const lastOffset = Math.max(0, Math.floor((rows.length - 1) / size) * size);
  return {
    items: rows.slice(offset, offset + size),
    first: offset === 0 ? null : link(0),
    last: offset >= lastOffset ? null : link(lastOffset),
    next: offset + size < rows.length ? link(offset + size) : null,
    prev: offset === 0 ? null : link(Math.max(0, offset - size)),
  };
}
