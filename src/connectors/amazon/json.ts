// Defensive readers for SP-API JSON: any unexpected shape is ConnectorError('PARSE')
// naming the field, never a TypeError.
import { jsonReaders, type Json } from '../json-readers.js';

export type { Json };
export const { parseError, asObject, asArray } = jsonReaders('Amazon');

export function asString(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 500) throw parseError(`${what} is not a string`);
  return v;
}

/** A count: a safe non-negative integer (a negative quantity is bad input, not data). */
export function asCount(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw parseError(`${what} is not a non-negative integer`);
  return v;
}

export function asDate(v: unknown, what: string): Date {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(v)) throw parseError(`${what} is not an ISO 8601 date`);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw parseError(`${what} is not an ISO 8601 date`);
  return d;
}

/** SP-API notifications use PascalCase (older types) or camelCase (newer ones). */
export function field(o: Json, name: string): unknown {
  return o[name] ?? o[name.charAt(0).toLowerCase() + name.slice(1)];
}
