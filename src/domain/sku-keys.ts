// How catalogue discovery compares SKUs and barcodes across platforms: platforms keep
// what the merchant typed, stray spaces included, and some merchants type the same SKU
// in another case on another platform.

export interface SkuKeyOptions {
  /** Match "abc-1" with "ABC-1". Off by default: most platforms treat SKUs as case-sensitive. */
  caseFold: boolean;
}

/** Trimmed; null when nothing is left (no SKU). */
export function trimmedSku(raw: string | null | undefined): string | null {
  const t = (raw ?? '').trim();
  return t === '' ? null : t;
}

/** The key two SKUs match on. Locale-independent folding: the same on every server. */
export function skuKey(raw: string | null | undefined, opts: SkuKeyOptions): string | null {
  const t = trimmedSku(raw);
  if (t === null) return null;
  return opts.caseFold ? t.toLocaleLowerCase('und') : t;
}

/** A barcode (UPC, EAN, GTIN, ISBN) trimmed; null when empty. */
export function barcodeOf(raw: string | null | undefined): string | null {
  const t = (raw ?? '').trim();
  return t === '' ? null : t;
}
