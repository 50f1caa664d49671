// Inventory listings, page by page. ShipBob pages by number (Page, Limit <= 250); the
// cursor we hand the engine carries the page and the `since` the first page used, so a
// listing stays one consistent query however the engine calls us back.
import { ConnectorError } from '../errors.js';
import type { Page, WarehouseLevel } from '../types.js';
import type { Api } from './api.js';
import { levelsOfPage, parseError, type LevelContext } from './levels.js';

export interface ListingDeps {
  api: Api;
  pageSize: number;
  /** Subtracted from `since`: the filter is strictly "after", and clocks and writes lag. */
  sinceOverlapMs: number;
  levels: Omit<LevelContext, 'fallbackTime'>;
}

interface Cursor {
  page: number;
  sinceMs: number | null;
}

export function encodeCursor(c: Cursor): string {
  return `p${c.page}:${c.sinceMs ?? ''}`;
}

export function decodeCursor(raw: string): Cursor {
  const m = /^p([1-9]\d{0,8}):(-?\d{1,16})?$/.exec(raw);
  if (!m) throw parseError(`not a warehouse inventory cursor: ${raw.slice(0, 40)}`);
  return { page: Number(m[1]), sinceMs: m[2] === undefined ? null : Number(m[2]) };
}

async function fetchPage(d: ListingDeps, c: Cursor): Promise<Page<WarehouseLevel>> {
  const q = new URLSearchParams({ Page: String(c.page), Limit: String(d.pageSize) });
  if (c.sinceMs !== null) q.set('UpdatedSince', new Date(c.sinceMs).toISOString());
  const res = await d.api.call('GET', `/1.0/inventory?${q}`);
  const body = res.json<unknown>();
  const date = Date.parse(res.headers.get('date') ?? '');
  const items = levelsOfPage(body, { ...d.levels, ...(!Number.isNaN(date) && { fallbackTime: new Date(date) }) });
  const rows = Array.isArray(body) ? body.length : 0;
  return { items, next: hasMore(res.headers, c.page, rows, d.pageSize) ? encodeCursor({ page: c.page + 1, sinceMs: c.sinceMs }) : null };
}

function hasMore(h: Headers, page: number, rows: number, pageSize: number): boolean {
  const total = Number(h.get('total-pages'));
  if (h.has('total-pages') && Number.isInteger(total)) return page < total;
  if (h.has('next-page')) return true;
  // No paging headers: a full page may have a successor; an empty next page ends it.
  return rows === pageSize;
}

export async function pollLevels(d: ListingDeps, since: Date, pageCursor: string | null): Promise<Page<WarehouseLevel>> {
  if (pageCursor !== null) return fetchPage(d, decodeCursor(pageCursor));
  if (Number.isNaN(since.getTime())) throw new ConnectorError('REJECTED', 'warehouse: pollLevels needs a valid since');
  return fetchPage(d, { page: 1, sinceMs: since.getTime() - d.sinceOverlapMs });
}

export async function listLevels(d: ListingDeps, pageCursor: string | null): Promise<Page<WarehouseLevel>> {
  return fetchPage(d, pageCursor === null ? { page: 1, sinceMs: null } : decodeCursor(pageCursor));
}
