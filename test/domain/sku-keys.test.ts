import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { barcodeOf, skuKey, trimmedSku } from '../../src/domain/index.js';

const space = fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u3000');
const padding = fc.array(space, { maxLength: 3 }).map((a) => a.join(''));
const sku = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && s !== '');

describe('SKU keys', () => {
  it('a SKU with stray spaces has the key of the SKU itself', () => {
    fc.assert(
      fc.property(sku, padding, padding, fc.boolean(), (s, l, r, caseFold) => {
        expect(skuKey(`${l}${s}${r}`, { caseFold })).toBe(skuKey(s, { caseFold }));
        expect(trimmedSku(`${l}${s}${r}`)).toBe(s);
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.boolean(), (s, caseFold) => {
        const k = skuKey(s, { caseFold });
        expect(k === null ? null : skuKey(k, { caseFold })).toBe(k);
      }),
    );
  });

  it('with case folding, a SKU and its upper- and lower-case spellings share one key; without, they differ when they differ', () => {
    fc.assert(
      fc.property(sku, (s) => {
        expect(skuKey(s.toUpperCase(), { caseFold: true })).toBe(skuKey(s.toLowerCase(), { caseFold: true }));
        if (s.toUpperCase().trim() !== '' && s.toUpperCase() !== s)
          expect(skuKey(s.toUpperCase(), { caseFold: false })).not.toBe(skuKey(s, { caseFold: false }));
      }),
    );
  });

  it('nothing but spaces, or nothing, is no SKU and no barcode', () => {
    fc.assert(
      fc.property(padding, (p) => {
        expect(skuKey(p, { caseFold: true })).toBeNull();
        expect(barcodeOf(p)).toBeNull();
      }),
    );
    expect(skuKey(null, { caseFold: false })).toBeNull();
    expect(barcodeOf(undefined)).toBeNull();
    expect(barcodeOf(' 0123456789012 ')).toBe('0123456789012');
  });
});
