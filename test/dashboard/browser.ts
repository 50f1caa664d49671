// A real browser for the dashboard test: Debian's chromium driven by playwright-core (no
// browser download: `apt-get install chromium`, as .ci/run does), on a fresh profile, with
// nothing reaching the network but the page's own origin. And the dashboard built from the
// current sources (web/) into a temporary folder, so the test never runs a stale dist/web.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Why the browser test cannot run here, or null when it can. In CI it must run: no reason is accepted there. */
export function browserMissing(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const why = `no chromium at ${CHROMIUM} (apt-get install -y chromium, or CHROMIUM_PATH=...)`;
  if (process.env.CI) throw new Error(`the dashboard's browser test must run in CI: ${why}`);
  return why;
}

/** Vite builds web/ into a temporary folder; returns it and how to remove it. */
export async function buildDashboard(): Promise<{ dir: string; remove(): void }> {
  const { build } = await import('vite');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-web-'));
  await build({ configFile: path.join(ROOT, 'web/vite.config.ts'), build: { outDir: dir, emptyOutDir: true }, logLevel: 'error' });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions of the page (a CSP violation shows here). */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'stocksync-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A full-page screenshot in a temporary folder; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-dashboard-failure-'));
  const file = path.join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
