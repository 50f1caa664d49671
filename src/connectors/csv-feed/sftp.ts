// A folder on an SFTP server (`source: sftp://user@host:22/exports`), through
// ssh2-sftp-client. The server's host key must match the configured SHA-256 fingerprint
// (options.hostKey): an unknown key is refused, never trusted on first use.
import { createHash, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import type { CsvFeedOptions } from '../../config/csv-feed.js';
import { ConnectorError } from '../errors.js';
import { newestFile } from './pick.js';
import type { FeedSource } from './source.js';

export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function connectError(e: unknown, host: string): ConnectorError {
  const message = (e as Error).message ?? String(e);
  if (/authentication|auth methods/i.test(message)) return new ConnectorError('AUTH', `${host}: SFTP login refused (${message})`);
  if (/host key|verification/i.test(message)) return new ConnectorError('AUTH', `${host}: the server's host key is not the configured hostKey (${message})`);
  return new ConnectorError('NETWORK', `${host}: ${message}`);
}

export function sftpSource(o: CsvFeedOptions, credentials: Record<string, string>): FeedSource {
  const dir = decodeURIComponent(o.source.pathname) || '/';
  const host = o.source.hostname;
  const pinned = o.hostKey ?? '';
  return {
    async openLatest(skip) {
      const client = new SftpClient('stocksync-csv-feed');
      try {
        await client.connect({
          host,
          port: o.source.port === '' ? 22 : Number(o.source.port),
          username: decodeURIComponent(o.source.username),
          ...(credentials.password !== undefined && { password: credentials.password }),
          ...(credentials.privateKey !== undefined && { privateKey: credentials.privateKey }),
          ...(credentials.privateKeyPassphrase !== undefined && { passphrase: credentials.privateKeyPassphrase }),
          readyTimeout: o.timeoutMs,
          hostVerifier: (key: Buffer) => sameText(fingerprintOf(key), pinned),
        });
      } catch (e) {
        await client.end().catch(() => undefined);
        throw connectError(e, host);
      }
      try {
        const listing = await client.list(dir);
        const entries = listing.filter((f) => f.type === '-').map((f) => ({ name: f.name, mtime: new Date(f.modifyTime), size: f.size }));
        const newest = newestFile(o, entries);
        if (newest === null || (await skip(newest))) {
          await client.end();
          return null;
        }
        const file = path.posix.join(dir, newest.name);
        const before = entries.find((e) => e.name === newest.name)!;
        return {
          info: { name: newest.name, observedAt: newest.observedAt },
          stream: client.createReadStream(file),
          // SFTP has no open-file identity to hold on to: compare size and mtime after reading.
          async verify() {
            const after = await client.stat(file).catch(() => null);
            if (after === null || after.size !== before.size || after.modifyTime !== before.mtime.getTime()) {
              throw new ConnectorError('SERVER', `${newest.name} changed on the server while being read; read again at the next poll`);
            }
          },
          close: async () => void (await client.end().catch(() => undefined)),
        };
      } catch (e) {
        await client.end().catch(() => undefined);
        throw e instanceof ConnectorError ? e : new ConnectorError('NETWORK', `${host}: ${(e as Error).message}`);
      }
    },
  };
}
