// Strict readers for ShipBob's JSON. Anything we cannot read with certainty is
// ConnectorError('PARSE'): a wrong number here becomes a wrong stock count on every
// channel, so guessing is worse than quarantining.
import { ConnectorError } from '../errors.js';

export type Json = Record<string, unknown>;

export const parseError = (why: string): ConnectorError => new ConnectorError('PARSE', `shipbob: ${why}`);

/** A short, never-throwing rendering of a bad value for error messages. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  return Array.isArray(v) ? 'a list' : 'an object';
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-negative whole quantity (ShipBob sends JSON integers). */
export function quantity(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw parseError(`${field} is not a non-negative integer: ${show(value)}`);
}

/** An ISO 8601 timestamp with a date and a time; anything looser is refused. */
export function timestamp(value: unknown, field: string): Date {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw parseError(`${field} is not an ISO 8601 timestamp: ${show(value)}`);
}

export function text(value: unknown, field: string): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= 300) return value;
  throw parseError(`${field} is missing or not a string`);
}

/** A ShipBob id (an integer, or a string for webhook subscriptions) as a string. */
export function id(value: unknown, field: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return text(value, field);
}

/** A paged answer of the 2026-01 list endpoints: {items, next}. */
export function pagedItems(body: unknown, what: string): { items: unknown[]; next: string | null } {
  if (!isObject(body) || !Array.isArray(body.items)) throw parseError(`${what} answer has no items list`);
  const next = body.next;
  if (next !== null && next !== undefined && (typeof next !== 'string' || next.length === 0 || next.length > 2_000))
    throw parseError(`${what} next link is not a string`);
  return { items: body.items, next: typeof next === 'string' ? next : null };
}
