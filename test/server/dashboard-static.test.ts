// The dashboard's files at `/`: served only while the admin API is on, with the security
// headers, hashed assets cached for good, nothing outside the built folder, and a page
// that says so when the dashboard is not built.
import type { FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { buildServer } from '../../src/server/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

describe('dashboard files at /', () => {
  let testDb: TestDatabase;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-web-static-'));
  const apps: FastifyInstance[] = [];
  const server = async (opts: { adminToken?: string; dashboardDir?: string }) => {
    const app = await buildServer({ db: testDb.db, logger: createLogger({ level: 'silent' }), ...opts });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    testDb = await createTestDatabase();
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>stocksync</title><script type="module" src="/assets/index-abc.js"></script>');
    writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'secret.txt'), 'not served');
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await testDb?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is off with the admin API', async () => {
    const app = await server({ dashboardDir: dir });
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(404);
  });

  it('serves the page and its assets with security headers, and nothing else of the folder', async () => {
    const app = await server({ adminToken: 'static-test-token-0123456789', dashboardDir: dir });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ method: 'GET', url: '/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    expect((await app.inject({ method: 'GET', url: '/secret.txt' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/assets/../secret.txt' })).body).not.toContain('not served');
    expect((await app.inject({ method: 'GET', url: '/assets/%2e%2e/secret.txt' })).body).not.toContain('not served');
    expect((await app.inject({ method: 'GET', url: '/assets/%2e%2e/%2e%2e/package.json' })).statusCode).not.toBe(200);
  });

  it('says how to build it when it is not built', async () => {
    const app = await server({ adminToken: 'static-test-token-0123456789', dashboardDir: path.join(dir, 'missing') });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain('npm run build');
  });
});
