#!/usr/bin/env node
// npm run build: the `stocksync` command compiled to dist/ (tsconfig.build.json), the files
// it reads at run time copied beside it (the SQL migrations: every file under src/ and
// sandbox/ that is neither TypeScript nor Markdown), and dist/build.json, which names the
// sources of this build and when it started. bin/stocksync.js runs dist/ only while none
// of those sources is newer than that; otherwise it runs the sources through tsx.
// Then the web dashboard: web/ built by Vite into dist/web, which the engine serves at `/`.
//
// `--if-possible` (the `prepare` script, run by `npm ci`): without TypeScript installed
// (`npm ci --omit=dev`) say so and exit 0; the command then runs through tsx.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const ENTRY = 'src/cli/main.js';
const ASSET_FOLDERS = ['src', 'sandbox'];
const isAsset = (file) => !/\.(ts|md)$/.test(file);

const startedAt = Date.now(); // before tsc reads a source: an edit during the build makes it stale

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('stocksync build: typescript is not installed, dist/ not built; bin/stocksync.js runs the sources through tsx');
  process.exit(process.argv.includes('--if-possible') ? 0 : 1);
}

rmSync(DIST, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
} catch {
  rmSync(DIST, { recursive: true, force: true }); // no half build for bin/stocksync.js to find
  process.exit(1);
}

/** Paths relative to ROOT of every file below `dir` (relative to ROOT) that `keep` accepts. */
function filesUnder(dir, keep) {
  const found = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(rel, keep));
    else if (entry.isFile() && keep(entry.name)) found.push(rel);
  }
  return found;
}

const assets = ASSET_FOLDERS.flatMap((dir) => filesUnder(dir, isAsset));
for (const file of assets) {
  mkdirSync(path.dirname(path.join(DIST, file)), { recursive: true });
  cpSync(path.join(ROOT, file), path.join(DIST, file));
}

// The sources are the files tsc emitted, named as they are in the tree (a.js <- a.ts).
const compiled = filesUnder('dist', (name) => name.endsWith('.js')).map((f) => path.relative(DIST, path.join(ROOT, f)).replace(/\.js$/, '.ts'));
const sources = [...compiled, ...assets].map((f) => f.split(path.sep).join('/')).sort();
writeFileSync(path.join(DIST, 'build.json'), `${JSON.stringify({ startedAt, main: `dist/${ENTRY}`, sources }, null, 2)}\n`);
console.error(`stocksync build: dist/${ENTRY}, ${compiled.length} modules and ${assets.length} other files`);

// The dashboard: its own tsconfig (DOM types) and Vite config under web/. Without Vite
// (`npm ci --omit=dev`) the engine serves a page saying the dashboard is not built.
let vite;
try {
  // Its package exports no bin path: found beside its package.json.
  vite = path.join(path.dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
} catch {
  console.error('stocksync build: vite is not installed, the dashboard (dist/web) not built');
  process.exit(process.argv.includes('--if-possible') ? 0 : 1);
}
try {
  execFileSync(process.execPath, [vite, 'build', '--config', path.join(ROOT, 'web/vite.config.ts')], { cwd: ROOT, stdio: 'inherit' });
} catch {
  rmSync(path.join(DIST, 'web'), { recursive: true, force: true });
  process.exit(1);
}
console.error('stocksync build: dashboard in dist/web');
