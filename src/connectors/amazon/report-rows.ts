// The rows of a report document, read as a stream: download -> gunzip (when the document
// says GZIP) -> tsvRows (decodes the charset the download names: UTF-8 in North America,
// Cp1252 in Europe; tab-separated, a header row, no quoting: Amazon does not quote, and
// an item name may hold a `"`). Rows are pulled one at a time by the consumer, so at most a
// few chunks of the file are in memory whatever its size; while nobody pulls, the
// download waits (backpressure down to the socket).
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { ConnectorError, errorFromStatus } from '../errors.js';
import type { ReportDocumentRef } from './reports.js';

export type ReportRow = Record<string, string | undefined>;

export interface ReportRows {
  rows: AsyncIterator<ReportRow>;
  /** Stops the download (an abandoned read). */
  close(): void;
}

/**
 * Bytes -> rows: decodes the charset (across chunk boundaries), splits lines (\n or \r\n;
 * empty lines skipped), takes the first as the header, and gives each further line as a
 * row of the `columns` asked for (all without), missing trailing fields left out. Amazon
 * neither quotes nor escapes, so a tab always separates fields. Only the fields asked for
 * become strings: a 29-column row read for 4 of them costs 4 slices, not 29 strings and a
 * 29-key object (100,000 rows: about 600 MB less garbage).
 */
export function tsvRows(charset: string, columns?: readonly string[]): Transform {
  const decode = new TextDecoder(charset); // a UTF-8 byte order mark is dropped here
  let rest = '';
  /** [name, field index] of the wanted columns, by index. */
  let picks: [string, number][] | null = null;
  const rowOf = (line: string): ReportRow | null => {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') return null;
    if (picks === null) {
      const header = line.split('\t');
      picks = (columns ?? header)
        .map((name): [string, number] => [name, header.indexOf(name)])
        .filter(([, i]) => i >= 0)
        .sort((a, b) => a[1] - b[1]);
      return null;
    }
    const row: ReportRow = {};
    let field = 0;
    let from = 0;
    for (const [name, index] of picks) {
      for (; field < index && from !== -1; field++) from = next(line, from);
      if (from === -1) break; // a short row: this field and the later ones are missing
      const to = line.indexOf('\t', from);
      row[name] = line.slice(from, to === -1 ? undefined : to);
    }
    return row;
  };
  const split = (t: Transform, text: string) => {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const row = rowOf(text.slice(start, nl));
      if (row) t.push(row);
      start = nl + 1;
    }
    rest = text.slice(start);
  };
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      split(this, rest + decode.decode(chunk, { stream: true }));
      done();
    },
    flush(done: TransformCallback) {
      split(this, rest + decode.decode());
      const row = rowOf(rest);
      if (row) this.push(row);
      done();
    },
  });
}

/** Where the field after the one starting at `from` starts (-1: none). */
function next(line: string, from: number): number {
  const tab = line.indexOf('\t', from);
  return tab === -1 ? -1 : tab + 1;
}

/** The charset of a Content-Type, as TextDecoder spells it (Amazon writes `Cp1252`). */
export function charsetOf(contentType: string | null): string {
  const m = /charset\s*=\s*"?([\w.-]+)/i.exec(contentType ?? '');
  const name = (m?.[1] ?? 'utf-8').toLowerCase();
  if (name === 'cp1252' || name === 'windows-1252' || name === 'iso-8859-1' || name === 'latin1') return 'windows-1252';
  if (name === 'utf8') return 'utf-8';
  try {
    new TextDecoder(name);
    return name;
  } catch {
    throw new ConnectorError('PARSE', `Amazon report document: unknown charset ${name}`);
  }
}

/** Opens the document's download; the headers have arrived when this resolves. */
export async function openReportRows(doc: ReportDocumentRef, timeoutMs: number, columns?: readonly string[]): Promise<ReportRows> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let res: Response;
  try {
    // A presigned URL: no SP-API token (it would be sent to S3) and no usage plan.
    res = await fetch(doc.url, { signal: controller.signal });
  } catch (e) {
    if (controller.signal.aborted) throw new ConnectorError('TIMEOUT', `Amazon report ${doc.reportId}: download did not start within ${timeoutMs} ms`);
    throw new ConnectorError('NETWORK', `Amazon report ${doc.reportId}: download failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  if (res.status >= 400 || !res.body) {
    const text = (await res.text().catch(() => '')).slice(0, 300);
    throw errorFromStatus(res.status, `Amazon report ${doc.reportId}: download answered ${res.status}: ${text}`);
  }
  const source = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
  const parser = tsvRows(charsetOf(res.headers.get('content-type')), columns);
  const stages = [source, ...(doc.gzip ? [createGunzip()] : []), parser] as const;
  // Any stage's failure ends the parser with it, and so the reader's next pull.
  pipeline(stages as unknown as [Readable, Transform], () => {});
  return {
    rows: parser[Symbol.asyncIterator]() as AsyncIterator<ReportRow>,
    close: () => {
      source.destroy();
      parser.destroy();
    },
  };
}
