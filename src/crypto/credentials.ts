// Credentials stored in the database are sealed with AES-256-GCM under a key derived
// from the config's secretKey, so a database dump alone does not leak platform tokens.
// Format: v1:<iv>:<tag>:<ciphertext>, each base64; the version lets us rotate the scheme.

import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { StocksyncError } from '../errors.js';

const VERSION = 'v1';
const IV_BYTES = 12; // GCM's native nonce size
const TAG_BYTES = 16;
// A fixed salt: the key must be re-derivable from the secretKey alone. scrypt (rather
// than HKDF) because the secretKey may be a passphrase a person typed.
const SALT = 'stocksync/credentials/v1';
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

// scrypt costs ~100 ms on purpose; one process uses one secretKey, so derive it once.
const derived = new Map<string, Buffer>();
function keyFor(secretKey: string): Buffer {
  if (secretKey.length === 0) throw new StocksyncError('CREDENTIALS_UNREADABLE', 'the secret key is empty');
  let key = derived.get(secretKey);
  if (!key) {
    key = scryptSync(secretKey, SALT, 32, SCRYPT);
    derived.set(secretKey, key);
  }
  return key;
}

/**
 * Seals a credentials object. `context` (e.g. the connection id) is authenticated but not
 * stored: the sealed text only opens with the same context, so it cannot be moved to
 * another connection's row.
 */
export function encryptCredentials(obj: Record<string, unknown>, secretKey: string, context = ''): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secretKey), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(`${VERSION}\u0000${context}`));
  const body = Buffer.concat([cipher.update(JSON.stringify(obj), 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
}

/** Opens what encryptCredentials sealed; a wrong key, context or any changed byte throws. */
export function decryptCredentials(sealed: string, secretKey: string, context = ''): Record<string, unknown> {
  const parts = sealed.split(':');
  if (parts[0] !== VERSION) {
    throw new StocksyncError(
      'CREDENTIALS_UNREADABLE',
      `stored credentials: unknown format ${JSON.stringify(parts[0]?.slice(0, 8) ?? '')} (expected ${VERSION})`,
    );
  }
  const [, ivText, tagText, bodyText] = parts;
  const iv = decode(ivText);
  const tag = decode(tagText);
  const body = decode(bodyText);
  if (parts.length !== 4 || !iv || !tag || !body || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new StocksyncError('CREDENTIALS_UNREADABLE', 'stored credentials: malformed sealed value');
  }
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secretKey), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(`${VERSION}\u0000${context}`));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    // GCM cannot tell a wrong key from tampering; say both.
    throw new StocksyncError('CREDENTIALS_UNREADABLE', 'stored credentials failed authentication: they were altered, or the secretKey changed');
  }
  const value: unknown = JSON.parse(plain);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new StocksyncError('CREDENTIALS_UNREADABLE', 'stored credentials: not an object');
  }
  return value as Record<string, unknown>;
}

function decode(text: string | undefined): Buffer | undefined {
  if (text === undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
