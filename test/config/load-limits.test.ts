// Issue 14, defect 10: the HTTP server binds loopback unless configured, and a config
// file is read only up to 1 MB.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { StocksyncError } from '../../src/errors.js';
import { ENV, baseDoc, load } from './helpers.js';

describe('issue 14, defect 10', () => {
  it('binds every interface only when server.host says so', () => {
    const doc = baseDoc();
    doc.server.host = '0.0.0.0';
    expect(load(doc).server.host).toBe('0.0.0.0');
  });

  it('refuses a config file over 1 MB with its size, without parsing it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-config-'));
    try {
      const file = path.join(dir, 'big.yaml');
      // A valid config padded with a comment to 2 MB: refused for its size alone.
      writeFileSync(file, `${YAML.stringify(baseDoc())}#${'x'.repeat(2 * 1_048_576)}\n`);
      const err = await loadConfig(file, ENV).then(
        () => undefined,
        (e: unknown) => e as StocksyncError,
      );
      expect(err).toMatchObject({ code: 'CONFIG_INVALID', details: { file, limit: 1_048_576 } });
      expect(err!.message).toMatch(/^config file .*big\.yaml is 2,09\d,\d{3} bytes, over the limit of 1,048,576 bytes \(1 MB\)/);
      // Under the limit, the same config loads.
      writeFileSync(file, YAML.stringify(baseDoc()));
      await expect(loadConfig(file, ENV)).resolves.toMatchObject({ server: { port: 8080 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an endless file (a device reports size 0) after reading 1 MB of it', async () => {
    await expect(loadConfig('/dev/zero', ENV)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/more than the limit of 1,048,576 bytes/),
    });
  });
});
