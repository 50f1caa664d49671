// The CLI as scripts see it: a child process, its stdout, stderr and exit code.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/stocksync.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-cli-'));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      // A clean environment: only what the test gives, so demo defaults are what applies.
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

const BAD = `secretKey: { env: STOCKSYNC_SECRET_KEY }
connections:
  - id: shop-main
    kind: channel
    platform: shopify
    baseUrl: http://127.0.0.1:8700/shopify/demo-shop
    credentials: { accessToken: { env: SHOPIFY_TOKEN } }
    buffer: { holdBackPercent: 150 }
skus:
  - sku: SKU-1
    listings: { shop-typo: {} }
`;

describe.concurrent('stocksync config check', () => {
  it('exits 0 with a summary for the example', async () => {
    const r = await cli(['config', 'check', 'examples/stocksync.yaml']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ok: 4 connections, 6 SKUs \(1 bundle\), 13 listings\n/);
    expect(r.stdout).toContain('\nmetrics: /metrics on the server port, behind server.metricsToken\nalerts: off (no rules)\n');
    expect(r.code).toBe(0);
  });

  it('exits 2 listing every problem as path: reason', async () => {
    const r = await cli(['config', 'check', file('bad.yaml', BAD)], { STOCKSYNC_SECRET_KEY: 'x'.repeat(20) });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      expect.stringMatching(/^error CONFIG_INVALID: .*bad\.yaml: 3 problems$/),
      '  connections[0].buffer.holdBackPercent: must be from 0 to 100',
      '  connections[0].credentials.accessToken: environment variable SHOPIFY_TOKEN is not set',
      '  skus[0].listings.shop-typo: no connection shop-typo is defined',
      '',
    ]);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });

  it('--json prints the issues as JSON, still exit 2', async () => {
    const r = await cli(['config', 'check', '--json', file('bad2.yaml', BAD)], { STOCKSYNC_SECRET_KEY: 'x'.repeat(20) });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { ok: boolean; issues: { path: string; message: string }[] };
    expect(out.ok).toBe(false);
    expect(out.issues.map((i) => i.path)).toEqual([
      'connections[0].buffer.holdBackPercent',
      'connections[0].credentials.accessToken',
      'skus[0].listings.shop-typo',
    ]);
    const ok = await cli(['config', 'check', '--json', 'examples/stocksync.yaml']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, connections: 4, skus: 6, bundles: 1, listings: 13 });
  });

  it('falls back to --config and STOCKSYNC_CONFIG', async () => {
    expect((await cli(['--config', 'examples/stocksync.yaml', 'config', 'check'])).code).toBe(0);
    expect((await cli(['config', 'check'], { STOCKSYNC_CONFIG: 'examples/stocksync.yaml' })).code).toBe(0);
  });

  it('a missing file exits 2 with CONFIG_NOT_FOUND', async () => {
    const r = await cli(['config', 'check', path.join(dir, 'nope.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error CONFIG_NOT_FOUND: config file ${path.join(dir, 'nope.yaml')} not found\n`);
  });
});

describe.concurrent('usage errors exit 2', () => {
  it('an unknown command', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error USAGE: unknown command 'frobnicate'/);
  });

  it('an unknown option', async () => {
    const r = await cli(['config', 'check', '--frob']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error USAGE: unknown option '--frob'/);
  });

  it.each([
    [['--port', '0'], /--port <port>.*'0' is invalid\. must be an integer from 1 to 65535/],
    [['--port', '70000'], /must be an integer from 1 to 65535/],
    [['--port', 'http'], /must be an integer from 1 to 65535/],
    [['--seed', '1.5'], /--seed <n>.*must be an integer/],
    [['--faults', 'chaos'], /--faults <profile>.*Allowed choices are none, lossy, hostile/],
    [['--time-scale', '-1'], /--time-scale <x>.*must be a number above 0/],
  ])('sandbox %j', async (args, message) => {
    const r = await cli(['sandbox', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error USAGE: /);
    expect(r.stderr).toMatch(message);
  });

  it('--help exits 0 and lists the commands', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('config');
    expect(r.stdout).toContain('sandbox');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

describe('stocksync sandbox', () => {
  it('passes valid flags to the sandbox, serves, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'sandbox', '--port', String(port), '--seed', '3', '--faults', 'lossy', '--time-scale', '0.5'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('control API')) resolve(); // the summary's last line
      });
      child.on('exit', () => reject(new Error(`sandbox exited early: ${stderr}`)));
    });
    expect(stdout).toContain(`listening on http://127.0.0.1:${port}`);
    const res = await fetch(`http://127.0.0.1:${port}/_sandbox`).catch(() => undefined);
    expect(res).toBeDefined(); // something answers on the port we asked for
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});
