// Tiny readers for untrusted JSON (webhook bodies and API answers). Each names the path
// it was reading when the shape is wrong, so a quarantined record says exactly why.
import { ConnectorError } from '../errors.js';

export type Json = Record<string, unknown>;

export function parseError(where: string, path: string, what: string): ConnectorError {
  return new ConnectorError('PARSE', `${where}: ${path} ${what}`);
}

export interface Reader {
  obj(v: unknown, path: string): Json;
  arr(v: unknown, path: string): unknown[];
  str(v: unknown, path: string): string;
  optStr(v: unknown, path: string): string | null;
  int(v: unknown, path: string): number;
  bool(v: unknown, path: string): boolean;
  /** A numeric id given as a safe integer or as a digit string (big ones are quoted). */
  id(v: unknown, path: string): string;
  date(v: unknown, path: string): Date;
  optDate(v: unknown, path: string): Date | null;
}

/** Readers whose errors start with `where` (e.g. "orders/create webhook"). */
export function reader(where: string): Reader {
  const fail = (path: string, what: string) => parseError(where, path, what);
  const r: Reader = {
    obj(v, path) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(path, `must be an object, got ${kind(v)}`);
      return v as Json;
    },
    arr(v, path) {
      if (!Array.isArray(v)) throw fail(path, `must be an array, got ${kind(v)}`);
      return v;
    },
    str(v, path) {
      if (typeof v !== 'string') throw fail(path, `must be a string, got ${kind(v)}`);
      return v;
    },
    optStr(v, path) {
      return v === null || v === undefined ? null : r.str(v, path);
    },
    int(v, path) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw fail(path, `must be an integer, got ${kind(v)}`);
      return v;
    },
    bool(v, path) {
      if (typeof v !== 'boolean') throw fail(path, `must be a boolean, got ${kind(v)}`);
      return v;
    },
    id(v, path) {
      if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return String(v);
      if (typeof v === 'string' && /^[1-9][0-9]{0,19}$/.test(v)) return v;
      throw fail(path, `must be a positive integer id, got ${kind(v)}`);
    },
    date(v, path) {
      const s = r.str(v, path);
      const ms = Date.parse(s);
      if (Number.isNaN(ms)) throw fail(path, `must be an ISO 8601 time, got ${JSON.stringify(s.slice(0, 40))}`);
      return new Date(ms);
    },
    optDate(v, path) {
      return v === null || v === undefined ? null : r.date(v, path);
    },
  };
  return r;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return Number.isInteger(v) ? `the number ${v}` : `the non-integer ${v}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 40))}`;
  return typeof v;
}
