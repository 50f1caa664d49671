// The rows of a report document, read as a stream: download -> gunzip (when the document
// says GZIP) -> decode (the charset the download names: UTF-8 in North America, Cp1252 in
// Europe) -> csv-parse (tab-separated, a header row, no quoting: Amazon does not quote, and
// an item name may hold a `"`). Rows are pulled one at a time by the consumer, so at most a
// few chunks of the file are in memory whatever its size; while nobody pulls, the
// download waits (backpressure down to the socket).
import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';
import { ConnectorError, errorFromStatus } from '../errors.js';
import type { ReportDocumentRef } from './reports.js';

export type ReportRow = Record<string, string | undefined>;

export interface ReportRows {
  rows: AsyncIterator<ReportRow>;
  /** Stops the download (an abandoned read). */
  close(): void;
}

/** Decodes bytes in a charset TextDecoder knows, across chunk boundaries. */
function decoder(charset: string): Transform {
  const d = new TextDecoder(charset);
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      done(null, d.decode(chunk, { stream: true }));
    },
    flush(done: TransformCallback) {
      done(null, d.decode());
    },
  });
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
export async function openReportRows(doc: ReportDocumentRef, timeoutMs: number): Promise<ReportRows> {
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
  const parser = parse({ delimiter: '\t', columns: true, quote: false, relax_column_count: true, skip_empty_lines: true, bom: true });
  const stages = [source, ...(doc.gzip ? [createGunzip()] : []), decoder(charsetOf(res.headers.get('content-type'))), parser] as const;
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
