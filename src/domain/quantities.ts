import { invalidInput } from '../errors.js';

/** Largest quantity we accept anywhere: far above any real stock, far below float precision loss. */
export const MAX_QUANTITY = 1_000_000_000;

export interface QuantityOptions {
  /** Accept 0 (e.g. a stock level); default false (an order line must hold at least 1 unit). */
  allowZero?: boolean;
  /** Accept negative values (e.g. a ledger delta); implies nothing about zero. */
  allowNegative?: boolean;
}

/**
 * Checks that `value` is a whole number of units and returns it. Throws INPUT_INVALID
 * naming `field` otherwise, so the caller can quarantine the record with a clear reason
 * (invariant 6, docs/invariants.md). Strings are rejected, not parsed: coercion belongs at the edge
 * that knows the wire format.
 */
export function assertQuantity(field: string, value: unknown, opts: QuantityOptions = {}): number {
  const expected = describe(opts);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    // Number.isInteger is false for NaN, +-Infinity and fractions.
    throw invalidInput(field, `must be ${expected}, got ${show(value)}`);
  }
  if (value < 0 && !opts.allowNegative) throw invalidInput(field, `must be ${expected}, got ${show(value)}`);
  if (value === 0 && !opts.allowZero) throw invalidInput(field, `must be ${expected}, got ${show(value)}`);
  if (Math.abs(value) > MAX_QUANTITY) {
    throw invalidInput(field, `must be at most ${MAX_QUANTITY} in magnitude, got ${show(value)}`);
  }
  return value === 0 ? 0 : value; // normalise -0
}

function describe(opts: QuantityOptions): string {
  if (opts.allowNegative && opts.allowZero) return 'an integer';
  if (opts.allowNegative) return 'a non-zero integer';
  if (opts.allowZero) return 'a non-negative integer';
  return 'a positive integer';
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return typeof value;
}
