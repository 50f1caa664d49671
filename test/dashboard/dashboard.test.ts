// The web dashboard in a real browser (Debian's chromium through playwright-core) against the
// running engine and the sandbox: sign in, find a SKU, change a buffer and see the sandbox
// channel's count follow, resolve an incident, release a quarantined listing. The page must
// raise no console error (a Content-Security-Policy violation would be one) and keep the
// token out of every URL. A failed test leaves a screenshot, its path printed.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { quarantineListing } from '../../src/store/dispatch.js';
import { converged, eventually, listing, SMALL_SHOP_SKUS } from '../e2e/helpers.js';
import { startStack, type Stack } from '../e2e/stack.js';
import { browserMissing, buildDashboard, launchBrowser, screenshot, type Browser } from './browser.js';

const TOKEN = 'dashboard-test-token-0123456789';
/** A folder to keep a screenshot of each page in, for a person to look at (docs/screenshots come from the demo). */
const SHOTS = process.env.DASHBOARD_SCREENSHOTS;
const missing = browserMissing();
if (missing) console.warn(`dashboard browser test skipped: ${missing}`);

describe.skipIf(missing !== null)('dashboard in chromium (sandbox Shopify and 3PL)', () => {
  let stack: Stack;
  let browser: Browser;
  let web: Awaited<ReturnType<typeof buildDashboard>>;
  const shown = (sku: string) => stack.instance('shopify').control.getStock(sku);
  const page = () => browser.page;

  const screenshotOnFailure = () =>
    onTestFailed(async ({ task }) => {
      const file = await screenshot(page(), task.name).catch((e: unknown) => `none (${(e as Error).message})`);
      console.error(`dashboard test "${task.name}" failed; screenshot: ${file}; page errors: ${JSON.stringify(browser.errors)}`);
    });

  const keep = async (name: string) => {
    if (SHOTS) await page().screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    web = await buildDashboard();
    stack = await startStack({
      channels: ['shopify'],
      skus: SMALL_SHOP_SKUS,
      adminToken: TOKEN,
      dashboardDir: web.dir,
    });
    await converged(stack, ['shopify'], ['MUG', 'CUP', 'BOWL']);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    web?.remove();
  });

  it('serves the page with security headers; a wrong token is refused, the right one signs in', async () => {
    screenshotOnFailure();
    const res = await fetch(`${stack.engine.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const p = page();
    await p.goto(`${stack.engine.url}/`);
    await p.getByLabel('Admin token').fill('not-the-token');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('alert').filter({ hasText: 'token' }).waitFor();
    await p.getByLabel('Admin token').fill(TOKEN);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.locator('[data-connection="shop"]').waitFor();
    await p.locator('[data-connection="wh"]').waitFor();
    expect(await p.locator('[data-connection="shop"]').textContent()).toContain('healthy');
    expect(await p.evaluate("sessionStorage.getItem('stocksync.adminToken')")).toBe(TOKEN);
  });

  it('finds a SKU and shows what each channel is told and shows', async () => {
    screenshotOnFailure();
    const p = page();
    await p.getByRole('link', { name: 'SKUs' }).click();
    await p.getByLabel('Search SKUs').fill('mu');
    await p.getByRole('button', { name: 'Search' }).click();
    await p.getByRole('link', { name: 'MUG' }).click();
    await p.getByRole('heading', { name: 'MUG' }).waitFor();
    await expect.poll(() => p.locator('tr[data-key="connection-shop"] td.shown').textContent()).toBe('20 units');
  });

  it('changes a channel buffer; the sandbox channel shows the new count and so does the page', async () => {
    screenshotOnFailure();
    const p = page();
    await p.getByRole('link', { name: 'Buffers' }).click();
    const card = p.locator('[data-channel="shop"]');
    await card.locator('form.policy:not(.override) input[name="holdBackUnits"]').fill('3');
    await card.locator('form.policy:not(.override)').getByRole('button', { name: 'Save' }).click();
    await p.getByRole('status').filter({ hasText: 'shop' }).waitFor();
    await eventually('Shopify shows 20 - 3 held back', async () => shown('MUG') === 17);
    expect((await listing(stack, 'shopify', 'MUG')).target).toBe(17);
    await card.getByText('changed here').waitFor();
    await p.goto(`${stack.engine.url}/#/sku/MUG`);
    await expect.poll(() => p.locator('tr[data-key="connection-shop"] td.shown').textContent(), { timeout: 15_000 }).toBe('17 units');
  });

  it('resolves an oversell incident with a note', async () => {
    screenshotOnFailure();
    const { rows } = await stack.db.query(
      `INSERT INTO incidents (kind, sku, connection_id, units_short, details) VALUES ('oversell', 'CUP', 'shop', 2, '{}') RETURNING id`,
    );
    const id = Number(rows[0].id);
    const p = page();
    await p.getByRole('link', { name: 'Incidents' }).click();
    const row = p.locator(`tr[data-key="incident-${id}"]`);
    await row.getByRole('button', { name: 'Resolve…' }).click();
    await row.getByLabel('Resolution note').fill('customer refunded');
    await keep('incidents');
    await row.getByRole('button', { name: 'Resolve', exact: true }).click();
    await p
      .getByRole('status')
      .filter({ hasText: `Incident ${id} resolved` })
      .waitFor();
    await row.waitFor({ state: 'detached' });
    const { rows: after } = await stack.db.query(`SELECT resolved_at, details FROM incidents WHERE id = $1`, [id]);
    expect(after[0].resolved_at).not.toBeNull();
    await p.getByRole('link', { name: 'resolved', exact: true }).click();
    await p.locator(`tr[data-key="incident-${id}"]`).getByText('customer refunded').waitFor();
  });

  it('releases a quarantined listing, which is pushed again', async () => {
    screenshotOnFailure();
    const { rows } = await stack.db.query(`SELECT id FROM listings WHERE connection_id = 'shop' AND sku = 'BOWL'`);
    const id = Number(rows[0].id);
    await quarantineListing(stack.db, id, 'PERMANENT: refused by the platform (test)');
    // Its target moves while it is out of dispatch (a cap of 4 on BOWL): only a release pushes it.
    const capped = await fetch(`${stack.engine.url}/api/v1/buffers/shop/overrides/BOWL`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ maxCap: 4 }),
    });
    expect(capped.status).toBe(200);
    expect((await listing(stack, 'shopify', 'BOWL')).target).toBe(4);
    await new Promise((r) => setTimeout(r, 500));
    expect(shown('BOWL')).toBe(5); // 8 - 3 held back, the count before the cap
    const p = page();
    await p.getByRole('link', { name: 'Quarantine' }).click();
    const row = p.locator(`tr[data-key="listing-${id}"]`);
    await row.getByText('refused by the platform').waitFor();
    await keep('quarantine');
    await row.getByRole('button', { name: 'Release' }).click();
    await p.getByRole('status').filter({ hasText: 'BOWL on shop released' }).waitFor();
    await row.waitFor({ state: 'detached' });
    expect((await listing(stack, 'shopify', 'BOWL')).quarantinedReason).toBeNull();
    await eventually('BOWL pushed again, at its capped target', async () => shown('BOWL') === 4);
  });

  it('starts a reconciliation from the drift page and names the location a warehouse level drifted at', async () => {
    screenshotOnFailure();
    // ShipBob sends no inventory webhook and the stack polls hourly: only the reconciliation sees this.
    stack.instance('warehouse').control.adjust!('MUG', -2);
    const p = page();
    await p.getByRole('link', { name: 'Drift' }).click();
    await p.getByRole('button', { name: 'Reconcile every connection now' }).click();
    await p.getByRole('status').filter({ hasText: 'Reconciliation started' }).waitFor();
    const { rows } = await stack.db.query<{ id: string }>(`SELECT max(id) AS id FROM reconciliations WHERE connection_id = 'wh'`);
    const run = Number(rows[0]!.id);
    await p.locator(`tr[data-key="run-${run}"]`).getByRole('link', { name: '1 SKUs' }).click({ timeout: 15_000 });
    const row = p.locator('tr', { hasText: 'MUG' }).filter({ hasText: 'wh/main' });
    await row.waitFor();
    expect(await row.textContent()).toContain('-2');
    await keep('drift');
  });

  it("shows a paused connection on its overview tile, with the operator's reason", async () => {
    screenshotOnFailure();
    const call = (action: string, body?: unknown) =>
      fetch(`${stack.engine.url}/api/v1/connections/shop/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
    expect((await call('pause', { reason: 'stocktake in progress' })).status).toBe(200);
    const p = page();
    await p.getByRole('link', { name: 'Overview' }).click();
    const tile = p.locator('[data-connection="shop"]');
    await tile.getByText('stocktake in progress').waitFor();
    expect(await tile.locator('.badge').textContent()).toBe('paused');
    await keep('overview-paused');
    expect((await call('resume')).status).toBe(200);
    await tile.locator('.badge', { hasText: 'healthy' }).waitFor({ timeout: 15_000 });
  });

  it('kept the token out of every URL and raised no error in the page', async () => {
    screenshotOnFailure();
    expect(page().url()).not.toContain(TOKEN);
    // The wrong token's 401 is the one error the browser reports, and it was meant.
    expect(browser.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
