// Helpers of the csv-feed tests: readAll, and test servers for the remote sources, on loopback: an SFTP server (ssh2's Server with a
// generated host key, password or public-key login) serving a local folder, and an HTTPS
// server whose certificate a CA made for the test signed (openssl).
import { execFileSync } from 'node:child_process';
import { createHash, timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { FeedReading, FeedRow } from '../../src/connectors/file-feed.js';

/** Every row of a reading, then closes it. */
export async function readAll(r: FeedReading): Promise<FeedRow[]> {
  const rows: FeedRow[] = [];
  try {
    for await (const row of r.rows) rows.push(row);
  } finally {
    await r.close();
  }
  return rows;
}

const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;

export interface SftpServer {
  port: number;
  hostKeyFingerprint: string;
  clientKey: string; // an ed25519 private key (OpenSSH format) the server accepts
  /** Bytes served so far (to prove a file was or was not read). */
  bytesServed(): number;
  close(): Promise<void>;
}

function sameBuffer(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function attrsOf(s: { mode: number; size: number; uid: number; gid: number; atimeMs: number; mtimeMs: number }) {
  return { mode: s.mode, size: s.size, uid: s.uid, gid: s.gid, atime: Math.floor(s.atimeMs / 1000), mtime: Math.floor(s.mtimeMs / 1000) };
}

export async function startSftpServer(root: string, login: { user: string; password: string }): Promise<SftpServer> {
  const hostKey = utils.generateKeyPairSync('ed25519');
  const client = utils.generateKeyPairSync('ed25519');
  const allowed = utils.parseKey(client.public);
  if (allowed instanceof Error) throw allowed;
  const hostParsed = utils.parseKey(hostKey.private);
  if (hostParsed instanceof Error) throw hostParsed;
  const fingerprint = `SHA256:${createHash('sha256').update(hostParsed.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
  let served = 0;
  const local = (p: string) => path.join(root, path.posix.normalize(`/${p}`));

  const server = new Server({ hostKeys: [hostKey.private] }, (conn) => {
    conn.on('authentication', (ctx) => {
      if (ctx.username !== login.user) return ctx.reject();
      if (ctx.method === 'password' && ctx.password === login.password) return ctx.accept();
      if (ctx.method === 'publickey' && ctx.key.algo === allowed.type && sameBuffer(ctx.key.data, allowed.getPublicSSH())) {
        if (!ctx.signature) return ctx.accept();
        if (allowed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo)) return ctx.accept();
      }
      ctx.reject(['password', 'publickey']);
    });
    conn.on('ready', () => {
      conn.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const handles = new Map<number, { fd?: number; dir?: string; listed?: boolean }>();
          let next = 0;
          const handleOf = (h: Buffer) => handles.get(h.readUInt32BE(0));
          const newHandle = (v: { fd?: number; dir?: string }) => {
            const b = Buffer.alloc(4);
            b.writeUInt32BE(++next);
            handles.set(next, v);
            return b;
          };
          sftp.on('REALPATH', (id, p) => sftp.name(id, [{ filename: path.posix.normalize(`/${p}`), longname: '', attrs: {} as never }]));
          const stat = (id: number, p: string) => {
            try {
              sftp.attrs(id, attrsOf(statSync(local(p))));
            } catch {
              sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            }
          };
          sftp.on('STAT', stat);
          sftp.on('LSTAT', stat);
          sftp.on('OPENDIR', (id, p) => {
            try {
              if (!statSync(local(p)).isDirectory()) return sftp.status(id, STATUS_CODE.FAILURE);
              sftp.handle(id, newHandle({ dir: local(p) }));
            } catch {
              sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            }
          });
          sftp.on('READDIR', (id, h) => {
            const entry = handleOf(h);
            if (!entry?.dir) return sftp.status(id, STATUS_CODE.FAILURE);
            if (entry.listed) return sftp.status(id, STATUS_CODE.EOF);
            entry.listed = true;
            const names = readdirSync(entry.dir).map((filename) => {
              const s = statSync(path.join(entry.dir!, filename));
              return { filename, longname: `${s.isDirectory() ? 'd' : '-'}rw-r--r-- 1 u g ${s.size} Jan 1 00:00 ${filename}`, attrs: attrsOf(s) };
            });
            sftp.name(id, names);
          });
          sftp.on('OPEN', (id, p) => {
            try {
              sftp.handle(id, newHandle({ fd: openSync(local(p), 'r') }));
            } catch {
              sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            }
          });
          sftp.on('FSTAT', (id, h) => {
            const entry = handleOf(h);
            if (entry?.fd === undefined) return sftp.status(id, STATUS_CODE.FAILURE);
            sftp.attrs(id, attrsOf(fstatSync(entry.fd)));
          });
          sftp.on('READ', (id, h, offset, length) => {
            const entry = handleOf(h);
            if (entry?.fd === undefined) return sftp.status(id, STATUS_CODE.FAILURE);
            const buf = Buffer.alloc(length);
            const n = readSync(entry.fd, buf, 0, length, offset);
            if (n === 0) return sftp.status(id, STATUS_CODE.EOF);
            served += n;
            sftp.data(id, buf.subarray(0, n));
          });
          sftp.on('CLOSE', (id, h) => {
            const entry = handleOf(h);
            if (entry?.fd !== undefined) closeSync(entry.fd);
            handles.delete(h.readUInt32BE(0));
            sftp.status(id, STATUS_CODE.OK);
          });
        });
      });
    });
    conn.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hostKeyFingerprint: fingerprint,
    clientKey: client.private,
    bytesServed: () => served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface HttpsFileServer {
  url: string;
  caFile: string;
  /** What the next requests get. */
  serve(body: string | Buffer, headers?: Record<string, string>, opts?: { cutAfter?: number }): void;
  requests(): number;
  lastAuthorization(): string | undefined;
  close(): Promise<void>;
}

/** A CA and a certificate for 127.0.0.1 it signed, made with openssl for this test. */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=stocksync test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf']);
  return { ca: path.join(dir, 'ca.pem'), key: path.join(dir, 'server.key'), cert: path.join(dir, 'server.pem') };
}

export async function startHttpsFileServer(filePath = '/exports/stock.csv'): Promise<HttpsFileServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'csv-feed-tls-'));
  const certs = makeCertificates(dir);
  let body: Buffer = Buffer.alloc(0);
  let headers: Record<string, string> = {};
  let cutAfter: number | undefined;
  let count = 0;
  let authorization: string | undefined;
  const server = https.createServer({ key: readFileSync(certs.key, 'utf8'), cert: readFileSync(certs.cert, 'utf8') }, (req, res) => {
    count++;
    authorization = req.headers.authorization;
    if (req.url !== filePath) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(body.length), ...headers });
    if (cutAfter === undefined) return res.end(body);
    // A dropped connection: part of the body, then the socket closes.
    res.write(body.subarray(0, cutAfter), () => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}${filePath}`,
    caFile: certs.ca,
    serve(b, h = {}, opts = {}) {
      body = typeof b === 'string' ? Buffer.from(b) : b;
      headers = h;
      cutAfter = opts.cutAfter;
    },
    requests: () => count,
    lastAuthorization: () => authorization,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
