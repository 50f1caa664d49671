// The dashboard's build: web/ -> dist/web, served by the engine at `/` (src/server/dashboard.ts).
// Relative to this file, so `vite build web` and scripts/build.js agree wherever they run from.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  // The engine serves what is built; no dev server settings are needed.
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The page runs in the merchant's current browser; no legacy output.
    target: 'es2022',
    // No inline scripts or styles: the page's Content-Security-Policy allows files of its origin only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  logLevel: 'warn',
});
