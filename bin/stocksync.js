#!/usr/bin/env node
// The `stocksync` command. It runs the compiled JavaScript in dist/ (`npm run build`, which
// `npm ci` runs through `prepare`) while that build is current: no source it was built from
// (dist/build.json lists them) has changed since the build started. Otherwise, and when
// there is no build, it runs the TypeScript sources through tsx. So the command, and the
// tests that run it, never run code older than the sources after an edit or a checkout.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** dist/'s entry point when the build there is current, else undefined. */
function currentBuild() {
  let build;
  try {
    build = JSON.parse(readFileSync(`${root}dist/build.json`, 'utf8'));
  } catch {
    return undefined; // never built, or a build that did not finish
  }
  for (const source of build.sources) {
    // A source that is not there (an install that ships dist/ alone) cannot be newer.
    const stat = statSync(`${root}${source}`, { throwIfNoEntry: false });
    if (stat !== undefined && stat.mtimeMs >= build.startedAt) return undefined;
  }
  return `${root}${build.main}`;
}

const main = currentBuild();
if (main !== undefined) {
  process.setSourceMapsEnabled(true); // stack traces name the .ts lines
  await import(pathToFileURL(main).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
