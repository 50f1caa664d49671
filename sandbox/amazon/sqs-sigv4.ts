// AWS Signature Version 4, checked as SQS checks it: the Authorization header names an
// access key id the account knows, a credential scope of the queue's region and the
// `sqs` service, the headers it signed, and a signature that we recompute over the
// canonical request (method, path, query, signed headers, SHA-256 of the raw body) with
// the key's secret. A request older or newer than 15 minutes is refused, as AWS does.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SigV4Request {
  method: string;
  /** Path as sent, without the query string. */
  path: string;
  query: string;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SigV4Key {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
}

export type SigV4Result =
  | { ok: true }
  | {
      ok: false;
      type: 'MissingAuthenticationTokenException' | 'UnrecognizedClientException' | 'InvalidSignatureException' | 'SignatureDoesNotMatch';
      message: string;
    };

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 15 * 60_000;

export function checkSigV4(req: SigV4Request, key: SigV4Key, nowMs = Date.now()): SigV4Result {
  const auth = header(req.headers, 'authorization');
  if (!auth) return { ok: false, type: 'MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' };
  const m = AUTH.exec(auth);
  if (!m) return { ok: false, type: 'InvalidSignatureException', message: 'Authorization header requires Credential, SignedHeaders and Signature parameters.' };
  const [, keyId, day, region, service, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string, string];
  if (!same(keyId, key.accessKeyId))
    return { ok: false, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  if (region !== key.region || service !== key.service) {
    return {
      ok: false,
      type: 'SignatureDoesNotMatch',
      message: `Credential should be scoped to a valid region and service ${key.service}, not '${region}/${service}'.`,
    };
  }
  const amzDate = header(req.headers, 'x-amz-date') ?? '';
  const at = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (!amzDate.startsWith(day) || Number.isNaN(at))
    return { ok: false, type: 'InvalidSignatureException', message: 'X-Amz-Date is missing or does not match the credential scope.' };
  if (Math.abs(nowMs - at) > MAX_SKEW_MS)
    return { ok: false, type: 'InvalidSignatureException', message: `Signature expired: ${amzDate} is not within 15 minutes of the server's time.` };
  const names = signedHeaders.split(';');
  if (!names.includes('host')) return { ok: false, type: 'InvalidSignatureException', message: "'Host' must be a signed header." };
  const canonicalHeaders = names.map((n) => `${n}:${(header(req.headers, n) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [req.method, canonicalPath(req.path), canonicalQuery(req.query), canonicalHeaders, signedHeaders, sha256Hex(req.body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(Buffer.from(canonicalRequest))].join('\n');
  let k = hmac(`AWS4${key.secretAccessKey}`, day);
  for (const part of [region, service, 'aws4_request']) k = hmac(k, part);
  const expected = createHmac('sha256', k).update(toSign).digest('hex');
  if (!same(expected, signature)) {
    return {
      ok: false,
      type: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    };
  }
  return { ok: true };
}

function header(h: SigV4Request['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

// Each segment URI-encoded (RFC 3986 unreserved kept) again, as SDKs do for every service but S3.
function canonicalPath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .map((p) => p.split('=') as [string, string?])
    .map(([k, v]) => [k, v ?? ''] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function same(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
