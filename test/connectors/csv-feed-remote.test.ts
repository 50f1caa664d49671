// The csv-feed connector's remote sources against servers on loopback: HTTPS with a
// certificate from a test CA (verified, never switched off), and SFTP with a generated
// host key pinned in the config, password and key logins.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from '../../src/connectors/csv-feed/index.js';
import type { WarehouseConnector } from '../../src/connectors/types.js';
import { readAll, startHttpsFileServer, startSftpServer, type HttpsFileServer, type SftpServer } from './csv-feed-helpers.js';

const never = async () => false;
const columns = { sku: 'sku', quantity: 'qty' };

describe('csv-feed over HTTPS', () => {
  let server: HttpsFileServer;
  beforeAll(async () => {
    server = await startHttpsFileServer();
  });
  afterAll(async () => server.close());

  const feedOf = (options: Record<string, unknown> = {}, credentials: Record<string, string> = {}): WarehouseConnector =>
    create({ connectionId: 'feed', baseUrl: '', credentials, options: { source: server.url, caFile: server.caFile, columns, ...options } });

  it('downloads the file, stamped with its Last-Modified, verifying the certificate against the configured CA', async () => {
    server.serve('sku,qty\nA,4\nB,x\n', { 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' });
    const r = (await feedOf().fileFeed!.openLatest(never))!;
    expect(r.info).toEqual({ name: 'stock.csv', observedAt: new Date('2026-12-01T10:00:00Z') });
    expect(await readAll(r)).toEqual([
      { line: 2, sku: 'A', location: 'main', available: 4 },
      { line: 3, sku: 'B', location: 'main', raw: 'B,x', refused: 'the quantity "x" of B is not a whole number' },
    ]);
  });

  it('refuses the self-signed server without the CA: verification is never off by default', async () => {
    server.serve('sku,qty\nA,4\n');
    const c = create({ connectionId: 'feed', baseUrl: '', credentials: {}, options: { source: server.url, columns } });
    await expect(c.fileFeed!.openLatest(never)).rejects.toMatchObject({ connectorCode: 'NETWORK', message: expect.stringMatching(/certificate/) });
  });

  it('sends the bearer token; a missing file is NOT_FOUND', async () => {
    server.serve('sku,qty\nA,1\n', { 'last-modified': 'Tue, 01 Dec 2026 11:00:00 GMT' });
    await readAll((await feedOf({}, { bearerToken: 't0ken' }).fileFeed!.openLatest(never))!);
    expect(server.lastAuthorization()).toBe('Bearer t0ken');
    const wrongPath = (source: string) => create({ connectionId: 'feed', baseUrl: '', credentials: {}, options: { source, caFile: server.caFile, columns } });
    await expect(wrongPath(server.url.replace('stock.csv', 'other.csv')).fileFeed!.openLatest(never)).rejects.toMatchObject({ connectorCode: 'NOT_FOUND' });
  });

  it('fails a download cut short instead of reading a truncated snapshot', async () => {
    server.serve(`sku,qty\n${Array.from({ length: 5_000 }, (_, i) => `S${i},${i}`).join('\n')}\n`, {}, { cutAfter: 20_000 });
    const r = (await feedOf().fileFeed!.openLatest(never))!;
    await expect(readAll(r)).rejects.toMatchObject({ retryable: true });
  });

  it('says which caFile it cannot read', () => {
    expect(() => feedOf({ caFile: '/nonexistent/ca.pem' })).toThrow('options.caFile /nonexistent/ca.pem cannot be read');
  });

  it('does not read a file the engine has already seen', async () => {
    server.serve('sku,qty\nA,1\n', { 'last-modified': 'Tue, 01 Dec 2026 12:00:00 GMT' });
    expect(await feedOf().fileFeed!.openLatest(async () => true)).toBeNull();
  });
});

describe('csv-feed over SFTP', () => {
  let root: string;
  let server: SftpServer;
  const login = { user: 'feeds', password: 's3cret' };
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'csv-feed-sftp-'));
    server = await startSftpServer(root, login);
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const write = (name: string, text: string, at: Date) => {
    writeFileSync(path.join(root, name), text);
    utimesSync(path.join(root, name), at, at);
  };
  const feedOf = (credentials: Record<string, string>, hostKey = server.hostKeyFingerprint): WarehouseConnector =>
    create({
      connectionId: 'feed',
      baseUrl: '',
      credentials,
      options: { source: `sftp://${login.user}@127.0.0.1:${server.port}/`, hostKey, columns, files: '*.csv', timeoutMs: 5_000 },
    });

  it('lists the folder, reads the newest file with a password login', async () => {
    write('old.csv', 'sku,qty\nA,1\n', new Date('2026-12-01T09:00:00Z'));
    write('new.csv', 'sku,qty\nA,7\nB,2\n', new Date('2026-12-01T10:00:00Z'));
    const r = (await feedOf({ password: login.password }).fileFeed!.openLatest(never))!;
    expect(r.info).toEqual({ name: 'new.csv', observedAt: new Date('2026-12-01T10:00:00Z') });
    expect(await readAll(r)).toEqual([
      { line: 2, sku: 'A', location: 'main', available: 7 },
      { line: 3, sku: 'B', location: 'main', available: 2 },
    ]);
  });

  it('logs in with a private key', async () => {
    const r = (await feedOf({ privateKey: server.clientKey }).fileFeed!.openLatest(never))!;
    expect((await readAll(r)).length).toBe(2);
  });

  it('refuses a server whose host key is not the pinned one, and a wrong password', async () => {
    const other = `SHA256:${'A'.repeat(43)}`;
    await expect(feedOf({ password: login.password }, other).fileFeed!.openLatest(never)).rejects.toMatchObject({ connectorCode: 'AUTH' });
    await expect(feedOf({ password: 'wrong' }).fileFeed!.openLatest(never)).rejects.toMatchObject({ connectorCode: 'AUTH' });
  });

  it('does not download a file the engine has seen', async () => {
    const before = server.bytesServed();
    expect(await feedOf({ password: login.password }).fileFeed!.openLatest(async () => true)).toBeNull();
    expect(server.bytesServed()).toBe(before);
  });

  it('refuses a reading when the file changed on the server meanwhile', async () => {
    write('new.csv', `sku,qty\n${Array.from({ length: 20_000 }, (_, i) => `S${i},${i}`).join('\n')}\n`, new Date('2026-12-01T11:00:00Z'));
    const r = (await feedOf({ password: login.password }).fileFeed!.openLatest(never))!;
    const it = r.rows[Symbol.asyncIterator]();
    await it.next();
    write('new.csv', 'sku,qty\nA,1\n', new Date('2026-12-01T11:30:00Z'));
    await expect(
      (async () => {
        for (let x = await it.next(); !x.done; x = await it.next());
      })(),
    ).rejects.toThrow(/changed on the server while being read/);
    await r.close();
  });
});
