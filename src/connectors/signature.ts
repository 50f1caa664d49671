// Webhook signatures: base64 HMAC-SHA256 of the raw body, compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function hmacSha256Base64(secret: string, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(rawBody).digest('base64');
}

export function verifyHmacSha256Base64(secret: string | undefined, rawBody: Buffer, signature: string | undefined): boolean {
  if (!secret || !signature) return false;
  const expected = Buffer.from(hmacSha256Base64(secret, rawBody), 'utf8');
  const given = Buffer.from(signature.trim(), 'utf8');
  // timingSafeEqual needs equal lengths; a length mismatch reveals nothing secret.
  return expected.length === given.length && timingSafeEqual(expected, given);
}
