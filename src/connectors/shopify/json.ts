// JSON parsing that never loses a digit: Shopify's numeric ids exceed 2^53, and
// JSON.parse would silently round 271878346596884015 to 271878346596884000. Integer
// literals too long to be exact are quoted in the raw text first, so they arrive as
// strings. One pass, no recursion (a deeply nested hostile body cannot blow the stack).

/** Digits beyond which an integer may not be exact as a double (2^53 has 16 digits). */
const SAFE_DIGITS = 15;

export function quoteBigIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // skip the string, honouring escapes; an unterminated one is JSON.parse's to report
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      if (c === 45) i++;
      const digitsStart = i;
      while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
      const digits = i - digitsStart;
      const next = i < n ? text.charCodeAt(i) : -1;
      const isInteger = next !== 46 /* . */ && next !== 101 /* e */ && next !== 69; /* E */
      if (isInteger && digits > SAFE_DIGITS) {
        out += `${text.slice(last, start)}"${text.slice(start, i)}"`;
        last = i;
      }
      // a fraction or exponent: leave it for JSON.parse (not an id)
      while (i < n && /[0-9.eE+-]/.test(text[i]!)) i++;
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** JSON.parse with big integers as strings; throws what JSON.parse throws. */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(quoteBigIntegers(text));
}
