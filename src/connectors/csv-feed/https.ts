// One URL that always serves the current export (`source: https://host/stock.csv`). The
// certificate is verified as always; `caFile` adds a private CA to the system's roots, it
// never turns verification off. Redirects are not followed: configure the final URL.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { CsvFeedOptions } from '../../config/csv-feed.js';
import { ConnectorError, errorFromStatus } from '../errors.js';
import type { FeedSource } from './source.js';

function get(url: URL, o: CsvFeedOptions, ca: string[] | undefined, token: string | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      url,
      { ...(ca && { ca }), timeout: o.timeoutMs, headers: { accept: 'text/csv, */*', ...(token && { authorization: `Bearer ${token}` }) } },
      resolve,
    );
    req.on('timeout', () => req.destroy(new ConnectorError('TIMEOUT', `${url.host} did not answer within ${o.timeoutMs} ms`)));
    req.on('error', (e) => reject(e instanceof ConnectorError ? e : new ConnectorError('NETWORK', `${url.host}: ${e.message}`)));
  });
}

/** The time the export was taken: Last-Modified, else the server's Date (the moment it served it). */
function stampOf(res: IncomingMessage): Date {
  for (const header of [res.headers['last-modified'], res.headers.date]) {
    const t = header === undefined ? NaN : Date.parse(header);
    if (!Number.isNaN(t)) return new Date(t);
  }
  return new Date();
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConnectorError('REJECTED', `options.caFile ${file} cannot be read: ${(e as Error).message}`);
  }
}

export function httpsSource(o: CsvFeedOptions, credentials: Record<string, string>): FeedSource {
  const ca = o.caFile === undefined ? undefined : [...rootCertificates, readCa(o.caFile)];
  const name = path.posix.basename(decodeURIComponent(o.source.pathname)) || o.source.host;
  return {
    async openLatest(skip) {
      const res = await get(o.source, o, ca, credentials.bearerToken);
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        res.resume();
        if (status >= 300 && status < 400)
          throw new ConnectorError('REJECTED', `${o.source.host} redirects (${status}); configure the final URL as the source`);
        throw errorFromStatus(status, `${o.source.host} answered ${status} for the stock file`);
      }
      const info = { name, observedAt: stampOf(res) };
      if (await skip(info)) {
        res.destroy();
        return null;
      }
      const declared = res.headers['content-length'] === undefined ? null : Number(res.headers['content-length']);
      let received = 0;
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      return {
        info,
        stream: res,
        async verify() {
          // A connection that dropped before Content-Length bytes is a truncated export.
          if (!res.complete || (declared !== null && received !== declared)) {
            throw new ConnectorError('NETWORK', `${name}: the download ended after ${received} of ${declared ?? '?'} bytes`);
          }
        },
        close: async () => void res.destroy(),
      };
    },
  };
}
