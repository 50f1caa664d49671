import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StocksyncError } from '../../src/errors.js';
import { assertQuantity, MAX_QUANTITY } from '../../src/domain/index.js';

function errorOf(f: () => unknown): StocksyncError {
  try {
    f();
  } catch (e) {
    if (e instanceof StocksyncError) return e;
    throw e;
  }
  throw new Error('expected a throw');
}

describe('assertQuantity', () => {
  it('returns valid positive integers unchanged', () => {
    expect(assertQuantity('q', 1)).toBe(1);
    expect(assertQuantity('q', MAX_QUANTITY)).toBe(MAX_QUANTITY);
  });

  it('names the field and the value in the message', () => {
    const e = errorOf(() => assertQuantity('lines[2].quantity', -1));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toBe('lines[2].quantity: must be a positive integer, got -1');
    expect(e.details).toEqual({ field: 'lines[2].quantity', reason: 'must be a positive integer, got -1' });
  });

  it.each([
    [-1, 'got -1'],
    [0, 'got 0'],
    [1.5, 'got 1.5'],
    [Number.NaN, 'got NaN'],
    [Number.POSITIVE_INFINITY, 'got Infinity'],
    [Number.NEGATIVE_INFINITY, 'got -Infinity'],
    ['3', 'got "3"'],
    ['', 'got ""'],
    [null, 'got null'],
    [undefined, 'got undefined'],
    [true, 'got true'],
    [{}, 'got object'],
    [3n, 'got 3'],
  ])('rejects %p with the field named', (value, got) => {
    const e = errorOf(() => assertQuantity('lines[0].quantity', value));
    expect(e.message.startsWith('lines[0].quantity: must be a positive integer, ')).toBe(true);
    expect(e.message.endsWith(got)).toBe(true);
  });

  it('rejects quantities above one billion', () => {
    expect(errorOf(() => assertQuantity('q', MAX_QUANTITY + 1)).message).toBe('q: must be at most 1000000000 in magnitude, got 1000000001');
    expect(() => assertQuantity('q', -MAX_QUANTITY - 1, { allowNegative: true })).toThrow(/at most/);
  });

  it('accepts zero only when allowed, and says what it expects', () => {
    expect(assertQuantity('level', 0, { allowZero: true })).toBe(0);
    expect(Object.is(assertQuantity('level', -0, { allowZero: true }), 0)).toBe(true);
    expect(() => assertQuantity('level', -1, { allowZero: true })).toThrow('level: must be a non-negative integer, got -1');
  });

  it('accepts negatives only when allowed', () => {
    expect(assertQuantity('delta', -7, { allowNegative: true })).toBe(-7);
    expect(() => assertQuantity('delta', 0, { allowNegative: true })).toThrow('delta: must be a non-zero integer, got 0');
    expect(assertQuantity('delta', 0, { allowNegative: true, allowZero: true })).toBe(0);
    expect(() => assertQuantity('delta', 0.5, { allowNegative: true, allowZero: true })).toThrow('delta: must be an integer, got 0.5');
  });

  it('property: accepts exactly the integers in 1..1e9', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)), (v) => {
        const ok = typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_QUANTITY;
        if (ok) expect(assertQuantity('f', v)).toBe(v);
        else expect(() => assertQuantity('f', v)).toThrow(/^f: /);
      }),
    );
  });
});
