import { describe, expect, it } from 'vitest';
import { decryptCredentials, encryptCredentials } from '../../src/crypto/credentials.js';
import { StocksyncError } from '../../src/errors.js';

const KEY = 'correct horse battery staple 42';
const CREDS = { accessToken: 'shpat_abc', webhookSecret: 'whsec_xyz', nested: { n: 1 } };

function expectUnreadable(fn: () => unknown): StocksyncError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StocksyncError);
    expect((err as StocksyncError).code).toBe('CREDENTIALS_UNREADABLE');
    return err as StocksyncError;
  }
  throw new Error('expected CREDENTIALS_UNREADABLE');
}

/** Flips one bit of the base64 part at `index` (1 iv, 2 tag, 3 ciphertext). */
function flip(sealed: string, index: number): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[index]!, 'base64');
  bytes[0] = bytes[0]! ^ 1;
  parts[index] = bytes.toString('base64');
  return parts.join(':');
}

describe('sealed credentials', () => {
  it('round-trip, versioned, without the plaintext', () => {
    const sealed = encryptCredentials(CREDS, KEY);
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(sealed).not.toContain('shpat_abc');
    expect(decryptCredentials(sealed, KEY)).toEqual(CREDS);
  });

  it('a fresh IV each time', () => {
    expect(encryptCredentials(CREDS, KEY)).not.toBe(encryptCredentials(CREDS, KEY));
  });

  it('any changed byte is refused', () => {
    const sealed = encryptCredentials(CREDS, KEY);
    for (const part of [1, 2, 3]) {
      expect(expectUnreadable(() => decryptCredentials(flip(sealed, part), KEY)).message).toMatch(/altered|malformed/);
    }
  });

  it('a wrong key is refused', () => {
    const sealed = encryptCredentials(CREDS, KEY);
    expect(expectUnreadable(() => decryptCredentials(sealed, 'another key entirely!!')).message).toBe(
      'stored credentials failed authentication: they were altered, or the secretKey changed',
    );
  });

  it('is bound to its context (a sealed value cannot move to another connection)', () => {
    const sealed = encryptCredentials(CREDS, KEY, 'shop-main');
    expect(decryptCredentials(sealed, KEY, 'shop-main')).toEqual(CREDS);
    expectUnreadable(() => decryptCredentials(sealed, KEY, 'shop-other'));
  });

  it('malformed or unknown versions are refused', () => {
    const sealed = encryptCredentials(CREDS, KEY);
    expectUnreadable(() => decryptCredentials(sealed.replace(/^v1/, 'v9'), KEY));
    expectUnreadable(() => decryptCredentials('v1:abc', KEY));
    expectUnreadable(() => decryptCredentials(`${sealed}:extra`, KEY));
    expectUnreadable(() => decryptCredentials('v1:!!:??:##', KEY));
    expectUnreadable(() => decryptCredentials('', KEY));
  });
});
