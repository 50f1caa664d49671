// Property: however the bytes of a stock file arrive (any split into chunks, CRLF or LF,
// lines over the limit anywhere), every row comes out once, in order, with its own line
// number; a line over maxRowBytes is refused and nothing of it reaches the parser.
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRows } from '../../src/connectors/csv-feed/rows.js';
import type { FeedRow } from '../../src/connectors/file-feed.js';

const MAX = 64;
const options = { columns: { sku: 'sku', quantity: 'qty' }, header: true, delimiter: ',', location: 'main', maxRowBytes: MAX };

type Line = { kind: 'row'; sku: string; qty: number } | { kind: 'huge'; length: number } | { kind: 'blank' };
const line: fc.Arbitrary<Line> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('row' as const), sku: fc.stringMatching(/^[A-Z][A-Z0-9-]{0,20}$/), qty: fc.nat(1_000_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('huge' as const), length: fc.integer({ min: MAX + 1, max: 5 * MAX }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('blank' as const) }) },
);

function textOf(lines: Line[], eol: string): string {
  const body = lines.map((l) => (l.kind === 'row' ? `${l.sku},${l.qty}` : l.kind === 'huge' ? `H,${'7'.repeat(l.length - 2)}` : ''));
  return ['sku,qty', ...body].join(eol) + eol;
}

function expected(lines: Line[], eol: string): FeedRow[] {
  return lines.flatMap((l, i): FeedRow[] => {
    const no = i + 2;
    if (l.kind === 'row') return [{ line: no, sku: l.sku, location: 'main', available: l.qty }];
    if (l.kind === 'huge') return [{ line: no, raw: '', refused: `the line is ${l.length + eol.length - 1} bytes, over maxRowBytes ${MAX}; not read` }];
    return [];
  });
}

/** The text split at the given cut points. */
function chunksOf(text: string, cuts: number[]): Buffer[] {
  const bytes = Buffer.from(text);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) out.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return out;
}

describe('stock file rows (property)', () => {
  it('reads every row once with its line number, whatever the chunking and line ends', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 12 }), fc.constantFrom('\n', '\r\n'), async (lines, cuts, eol) => {
        const text = textOf(lines, eol);
        const parsed = parseRows(Readable.from(chunksOf(text, cuts)), options);
        const rows: FeedRow[] = [];
        for await (const r of parsed.rows) rows.push(r);
        expect(rows).toEqual(expected(lines, eol));
        expect(parsed.summary().bytes).toBe(Buffer.byteLength(text));
      }),
      { numRuns: 200 },
    );
  });
});
