// A report document is parsed as a stream: reading its first rows does not download (and
// so never holds) the whole file; a broken gzip document is an error, not rows.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { charsetOf, openReportRows, tsvRows } from '../../src/connectors/amazon/report-rows.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/doc`;
}

describe('report rows', () => {
  it('pulls the download only as fast as rows are read (a 60 MB document, 100 rows read)', async () => {
    const ROWS = 400_000;
    let sent = 0;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
      let i = 0;
      // Generated as it is pulled: what was sent is what the client's side has taken.
      const body = new Readable({
        read() {
          if (i === 0) this.push('seller-sku\tquantity\titem-name\n');
          if (i >= ROWS) return void this.push(null);
          const line = `SKU-${i}\t${i % 50}\t${'an item name of some length '.repeat(5)}\n`;
          sent += line.length;
          i++;
          this.push(line);
        },
      });
      body.pipe(res);
      res.on('close', () => body.destroy());
    });
    const doc = await openReportRows({ reportId: 'r1', url, gzip: false }, 5_000);
    for (let n = 0; n < 100; n++) {
      const r = await doc.rows.next();
      expect(r.value).toMatchObject({ 'seller-sku': `SKU-${n}`, quantity: String(n % 50) });
    }
    await new Promise((r) => setTimeout(r, 300)); // let any read-ahead happen
    const total = ROWS * 170;
    expect(sent).toBeLessThan(total / 5); // socket and stream buffers only
    doc.close();
  });

  it('ends the rows with an error on a corrupt gzip document', async () => {
    const good = gzipSync(Buffer.from('seller-sku\tquantity\nA\t1\n'));
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' });
      res.end(Buffer.concat([good.subarray(0, 12), Buffer.from('not gzip at all')]));
    });
    const doc = await openReportRows({ reportId: 'r2', url, gzip: true }, 5_000);
    await expect(
      (async () => {
        for (let r = await doc.rows.next(); !r.done; r = await doc.rows.next());
      })(),
    ).rejects.toThrow();
  });

  it('decodes the charset the download names (Amazon writes Cp1252)', () => {
    expect(charsetOf('text/plain; charset=Cp1252')).toBe('windows-1252');
    expect(charsetOf('text/plain;charset=UTF-8')).toBe('utf-8');
    expect(charsetOf('text/plain; charset=utf8')).toBe('utf-8');
    expect(charsetOf(null)).toBe('utf-8');
    expect(() => charsetOf('text/plain; charset=klingon')).toThrow(/unknown charset/);
  });

  /** The rows tsvRows makes of these chunks of bytes. */
  async function rowsOf(chunks: Buffer[], charset: string, columns?: string[]): Promise<Record<string, string | undefined>[]> {
    const out: Record<string, string | undefined>[] = [];
    const parser = tsvRows(charset, columns);
    parser.on('data', (r: Record<string, string | undefined>) => out.push(r));
    await pipeline(Readable.from(chunks), parser);
    return out;
  }

  it('gives only the columns asked for, across chunk boundaries, CRLF and a missing trailing field', async () => {
    const text = '\uFEFFitem-name\tseller-sku\tprice\tquantity\tasin1\r\nA "quoted" name\tSKU-é1\t9.99\t7\tB001\r\n\nshort\tSKU-2\t1.00\n';
    const bytes = Buffer.from(text, 'utf8');
    // split inside the BOM, inside a multi-byte character and inside a line
    const cut = [1, 30, bytes.indexOf(Buffer.from('é')) + 1];
    const chunks = [0, ...cut].map((from, i) => bytes.subarray(from, [...cut, bytes.length][i]));
    expect(await rowsOf(chunks, 'utf-8', ['seller-sku', 'quantity', 'asin1', 'not-there'])).toEqual([
      { 'seller-sku': 'SKU-é1', quantity: '7', asin1: 'B001' },
      { 'seller-sku': 'SKU-2' },
    ]);
    expect(await rowsOf([bytes], 'utf-8')).toEqual([
      { 'item-name': 'A "quoted" name', 'seller-sku': 'SKU-é1', price: '9.99', quantity: '7', asin1: 'B001' },
      { 'item-name': 'short', 'seller-sku': 'SKU-2', price: '1.00' },
    ]);
  });

  it('reads the last line without a newline, and Cp1252 bytes', async () => {
    const bytes = Buffer.from([...Buffer.from('seller-sku\tquantity\nCAF'), 0xc9, ...Buffer.from('\t3')]);
    expect(await rowsOf([bytes], 'windows-1252', ['quantity', 'seller-sku'])).toEqual([{ 'seller-sku': 'CAFÉ', quantity: '3' }]);
  });
});
