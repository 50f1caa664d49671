// ShipBob signs webhooks the Standard Webhooks way: headers webhook-id, webhook-timestamp
// (Unix seconds) and webhook-signature = "v1," + base64(HMAC-SHA256(key, `${id}.${timestamp}.${body}`)),
// where the key is the base64-decoded part of the secret after "whsec_".
import { createHmac } from 'node:crypto';

export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

export function standardSignature(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}
