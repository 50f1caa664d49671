// A stock file's bytes -> data rows, streamed (a file is never held in memory): csv-parse
// does the CSV; this module maps the configured columns, checks every value, and turns
// anything it cannot read with certainty into a refused row with its line number.
//
// csv-parse stops reading for good at a record over max_record_size, even when told to
// skip bad records, so a physical line over maxRowBytes is cut out before it reaches the
// parser (lineGuard) and refused here; only a quoted field spanning lines can still hit
// the parser's limit, and then the whole file fails rather than being applied in part.
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { parse, type CsvError, type Info } from 'csv-parse';
import type { CsvFeedOptions } from '../../config/csv-feed.js';
import { ConnectorError } from '../errors.js';
import type { FeedRow } from '../file-feed.js';

type RowOptions = Pick<CsvFeedOptions, 'columns' | 'header' | 'delimiter' | 'location' | 'maxRowBytes'>;

interface Refusal {
  line: number;
  refused: string;
  raw: string;
}

const CR = Buffer.from('\r');

/**
 * Cuts physical lines longer than `max` bytes out (an empty line stays, so line numbers
 * hold). A line is held back until it ends, so no part of a cut line reaches the parser;
 * what is held is at most `max` bytes.
 */
function lineGuard(max: number, onCut: (line: number, bytes: number) => void): Transform {
  let line = 1;
  let held: Buffer[] = [];
  let length = 0; // bytes of the current line so far
  let last = -1; // its last byte: a cut CRLF line keeps its \r\n, else the parser sees a stray \n
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const out: Buffer[] = [];
      let start = 0;
      for (let nl = chunk.indexOf(0x0a); ; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl < 0 ? chunk.length : nl);
        length += piece.length;
        if (piece.length > 0) last = piece[piece.length - 1]!;
        if (length <= max) held.push(piece);
        else held = [];
        if (nl < 0) break;
        if (length > max) {
          onCut(line, length);
          if (last === 0x0d) out.push(CR);
        } else out.push(...held);
        out.push(chunk.subarray(nl, nl + 1));
        last = -1;
        held = [];
        length = 0;
        line++;
        start = nl + 1;
      }
      done(null, Buffer.concat(out));
    },
    flush(done) {
      if (length > max) onCut(line, length);
      done(null, Buffer.concat(held));
    },
  });
}

/** Counts and hashes the bytes passing through. */
function tap(): Transform & { bytes: number; sha256: () => string } {
  const hash = createHash('sha256');
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      t.bytes += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { bytes: number; sha256: () => string };
  t.bytes = 0;
  let digest: string | undefined;
  t.sha256 = () => (digest ??= hash.digest('hex'));
  return t;
}

const SKU_TEXT = /^[^\p{Cc}]{1,255}$/u;
const WHOLE = /^\d{1,9}$/;

function show(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Column indexes (0-based) of sku, quantity and location, from the header or the config. */
function indexesOf(o: RowOptions, header: string[] | null): { sku: number; quantity: number; location: number | null } {
  const find = (key: 'sku' | 'quantity' | 'location', col: string | number): number => {
    if (typeof col === 'number') return col - 1;
    const at = (header ?? []).findIndex((h) => h.trim() === col);
    if (at < 0) {
      const has = (header ?? []).map((h) => JSON.stringify(h.trim())).join(', ');
      throw new ConnectorError('PARSE', `the header has no column ${JSON.stringify(col)} for ${key} (it has ${has || 'no columns'})`);
    }
    return at;
  };
  return {
    sku: find('sku', o.columns.sku),
    quantity: find('quantity', o.columns.quantity),
    location: o.columns.location === undefined ? null : find('location', o.columns.location),
  };
}

function rowOf(record: string[], at: ReturnType<typeof indexesOf>, line: number, raw: string, fallbackLocation: string): FeedRow {
  const need = Math.max(at.sku, at.quantity, at.location ?? 0) + 1;
  if (record.length < need) return { line, raw, refused: `has ${record.length} field(s); the mapped columns need ${need}` };
  const sku = record[at.sku]!.trim();
  if (!SKU_TEXT.test(sku))
    return { line, raw, refused: sku === '' ? 'the SKU is empty' : `the SKU ${show(sku)} is longer than 255 characters or has control characters` };
  const location = at.location === null ? fallbackLocation : record[at.location]!.trim();
  if (location === '') return { line, raw, sku, refused: `the location of ${sku} is empty` };
  const q = record[at.quantity]!.trim();
  if (WHOLE.test(q)) return { line, sku, location, available: Number(q) };
  const why = /^-\d+$/.test(q) ? 'is negative' : q === '' ? 'is empty' : 'is not a whole number';
  return { line, raw, sku, location, refused: `the quantity ${show(q)} of ${sku} ${why}` };
}

export interface ParsedRows {
  rows: AsyncIterable<FeedRow>;
  summary(): { bytes: number; sha256: string; structureErrors: number };
}

export function parseRows(input: Readable, o: RowOptions): ParsedRows {
  const pending: Refusal[] = [];
  let structureErrors = 0;
  let recordTooLong: CsvError | undefined;
  const counter = tap();
  const guard = lineGuard(o.maxRowBytes, (line, bytes) =>
    pending.push({ line, raw: '', refused: `the line is ${bytes} bytes, over maxRowBytes ${o.maxRowBytes}; not read` }),
  );
  const parser = parse({
    delimiter: o.delimiter,
    bom: true,
    info: true,
    raw: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: o.maxRowBytes,
    on_skip: (err: CsvError | undefined, raw: string | undefined) => {
      if (!err) return;
      if (err.code === 'CSV_MAX_RECORD_SIZE') recordTooLong = err;
      structureErrors++;
      pending.push({ line: Number((err as CsvError & { lines?: number }).lines ?? 0), raw: raw ?? '', refused: `CSV: ${err.message}` });
    },
  });
  // Any error on the way (the source dropped, the file changed) surfaces in the parser.
  const fail = (e: Error) =>
    parser.destroy(e instanceof ConnectorError ? e : new ConnectorError('NETWORK', `the file could not be read to its end: ${e.message}`));
  input.on('error', fail);
  counter.on('error', fail);
  guard.on('error', fail);
  input.pipe(counter).pipe(guard).pipe(parser);

  async function* rows(): AsyncGenerator<FeedRow> {
    let at: ReturnType<typeof indexesOf> | null = o.header ? null : indexesOf(o, null);
    for await (const item of parser as AsyncIterable<{ record: string[]; info: Info; raw: string }>) {
      const line = item.info.lines;
      while (pending.length > 0 && pending[0]!.line <= line) yield pending.shift()!;
      if (at === null) {
        at = indexesOf(o, item.record);
        continue;
      }
      yield rowOf(item.record, at, line, item.raw.replace(/^[\r\n]+|[\r\n]+$/g, ''), o.location);
    }
    if (recordTooLong) {
      throw new ConnectorError(
        'PARSE',
        `stopped at line ${String((recordTooLong as { lines?: number }).lines)}: a record over maxRowBytes ${o.maxRowBytes} spans several lines (an unclosed quote?); the file is not applied`,
      );
    }
    yield* pending.splice(0);
  }
  return { rows: rows(), summary: () => ({ bytes: counter.bytes, sha256: counter.sha256(), structureErrors }) };
}
