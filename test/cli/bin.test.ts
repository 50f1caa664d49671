// bin/stocksync.js chooses what to run: dist/ while its build is current, else the sources
// through tsx. Checked on a copy of bin/ in a scratch package whose two entry points say
// which one ran, so the real dist/ (built or not) plays no part.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let pkg: string;

function write(rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(pkg, rel)), { recursive: true });
  writeFileSync(path.join(pkg, rel), text);
}

/** Sets a file's modification time, in ms since the epoch. */
function touch(rel: string, ms: number): void {
  utimesSync(path.join(pkg, rel), ms / 1000, ms / 1000);
}

function writeBuild(startedAt: number, sources: string[]): void {
  write('dist/build.json', JSON.stringify({ startedAt, main: 'dist/src/cli/main.js', sources }));
}

function ran(): string {
  return execFileSync(process.execPath, [path.join(pkg, 'bin/stocksync.js')], { cwd: pkg })
    .toString()
    .trim();
}

beforeEach(() => {
  pkg = mkdtempSync(path.join(os.tmpdir(), 'stocksync-bin-'));
  mkdirSync(path.join(pkg, 'bin'));
  copyFileSync(path.join(ROOT, 'bin/stocksync.js'), path.join(pkg, 'bin/stocksync.js'));
  write('package.json', '{"type":"module"}');
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
  // The source entry point needs tsx (a type annotation); the compiled one is plain JS.
  write('src/cli/main.ts', "const from: string = 'sources';\nconsole.log(from);\n");
  write('src/store/migrations/001_core.sql', 'SELECT 1;\n');
  write('dist/src/cli/main.js', "console.log('dist');\n");
});

afterEach(() => rmSync(pkg, { recursive: true, force: true }));

describe('bin/stocksync.js', () => {
  const sources = ['src/cli/main.ts', 'src/store/migrations/001_core.sql'];

  it('runs dist/ while no source of its build is newer than the build', () => {
    const built = Date.now();
    touch('src/cli/main.ts', built - 60_000);
    touch('src/store/migrations/001_core.sql', built - 60_000);
    writeBuild(built, sources);
    expect(ran()).toBe('dist');
  });

  it('runs the sources through tsx once a source (a migration too) changed after the build', () => {
    const built = Date.now() - 60_000;
    touch('src/cli/main.ts', built - 60_000);
    writeBuild(built, sources);
    expect(ran()).toBe('sources'); // the migration was written after `built`
    touch('src/store/migrations/001_core.sql', built - 1_000);
    expect(ran()).toBe('dist');
    touch('src/cli/main.ts', built + 1_000);
    expect(ran()).toBe('sources');
  });

  it('runs the sources without a build, or with one that did not finish', () => {
    expect(ran()).toBe('sources');
    write('dist/build.json', '{"startedAt": 1, "main": "dist/src/cli/');
    expect(ran()).toBe('sources');
  });

  it('runs dist/ when the sources are not there (an install that ships dist/ alone)', () => {
    writeBuild(Date.now() - 3_600_000, sources);
    rmSync(path.join(pkg, 'src'), { recursive: true });
    expect(ran()).toBe('dist');
  });
});
