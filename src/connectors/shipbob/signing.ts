// ShipBob signs webhooks the Standard Webhooks way (developer.shipbob.com/webhooks, 2026-01):
//   webhook-signature: "v1,<base64 HMAC-SHA256(key, `${webhook-id}.${webhook-timestamp}.${raw body}`)>"
// possibly several space-separated during a secret rotation, keyed with the base64-decoded
// part of the "whsec_..." secret.
//
// Why not signature.ts's verifyHmacSha256Base64: it keys the HMAC with the secret as a
// UTF-8 string and signs the body alone. Here the key is binary (decoded base64, not valid
// UTF-8 in general) and the signed content prefixes the id and timestamp. We keep its
// rules: constant-time compare of the base64 texts, and no secret means "not verified".
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookInput } from '../types.js';

export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

export function standardSignature(secret: string, id: string, timestamp: string, rawBody: Buffer): string {
  return createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.`).update(rawBody).digest('base64');
}

export interface VerifyOptions {
  secret: string | undefined;
  /** Refuse deliveries signed further than this from our clock (replays); 0 = no check. */
  toleranceSeconds: number;
  now?: () => number;
}

export function verifyStandardWebhook(input: WebhookInput, o: VerifyOptions): boolean {
  const id = input.headers['webhook-id'];
  const ts = input.headers['webhook-timestamp'];
  const header = input.headers['webhook-signature'];
  if (!o.secret || signingKey(o.secret).length === 0 || !id || !ts || !header || !/^\d{1,12}$/.test(ts)) return false;
  const skew = Math.abs((o.now ?? Date.now)() / 1000 - Number(ts));
  if (o.toleranceSeconds > 0 && skew > o.toleranceSeconds) return false;
  const expected = Buffer.from(standardSignature(o.secret, id, ts, input.rawBody), 'utf8');
  let ok = false;
  // Check every candidate (no early exit) so timing does not tell which one matched.
  for (const part of header.split(' ')) {
    if (!part.startsWith('v1,')) continue;
    const given = Buffer.from(part.slice(3), 'utf8');
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}
