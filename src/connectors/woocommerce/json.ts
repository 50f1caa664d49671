// Defensive readers for WooCommerce JSON (REST responses and webhook bodies). Anything
// that is not the expected shape becomes ConnectorError('PARSE') naming the field, so a
// malformed body is quarantined with a reason instead of crashing a caller.
import { jsonReaders, type Json } from '../json-readers.js';

export type { Json };
export const { parseError, asObject, asArray } = jsonReaders('WooCommerce');

/** WooCommerce ids are positive integers (JSON numbers); we keep them as strings. */
export function idOf(v: unknown, what: string): string {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return v;
  throw parseError(`${what} is not an id`);
}

export function intOf(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  // Some plugins serialise numbers as strings.
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim())) return Number(v);
  throw parseError(`${what} is not an integer`);
}

/** stock_quantity: an integer while stock is managed, null otherwise. */
export function stockOf(item: Json, what: string): number | null {
  const q = item['stock_quantity'];
  if (q === null || q === undefined) return null;
  return intOf(q, `${what}.stock_quantity`);
}

export function strOf(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * `*_gmt` fields are UTC without a zone ("2026-01-02T03:04:05"). A value that already
 * carries a zone is taken as is.
 */
export function gmtDate(v: unknown, what: string): Date {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}/.test(v)) throw parseError(`${what} is not a date`);
  const iso = v.replace(' ', 'T');
  const d = new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(iso) ? iso : `${iso}Z`);
  if (Number.isNaN(d.getTime())) throw parseError(`${what} is not a date`);
  return d;
}

/** WordPress's zone-less GMT form, for modified_after with dates_are_gmt=true. */
export function wpGmt(d: Date): string {
  return d.toISOString().slice(0, 19);
}
