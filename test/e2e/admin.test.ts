// The admin API against the running engine and the sandbox: what an operator does through
// it reaches the channels (buffers, pause/resume, push now, release), the manual wholesale
// channel's orders claim stock like any channel's, refused webhooks come back through the
// inbox, and a reconciliation started here can be followed to its drift report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { formatStatus } from '../../src/cli/commands/status.js';
import { pollOnce } from '../../src/engine/workers/poller.js';
import { quarantineListing } from '../../src/store/dispatch.js';
import { statusReport } from '../../src/store/status.js';
import { ats, converged, eventually, listing, SMALL_SHOP_SKUS } from './helpers.js';
import { startStack, type Stack } from './stack.js';

const TOKEN = 'e2e-admin-token-abcdef';

describe('admin API end to end (sandbox Shopify, a manual wholesale channel, the 3PL)', () => {
  let stack: Stack;
  let keyNo = 0;
  const key = () => `e2e-key-${Date.now()}-${++keyNo}`;
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${stack.engine.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && typeof body !== 'string' && { 'content-type': 'application/json' }), ...headers },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  const shown = (sku: string) => stack.instance('shopify').control.getStock(sku);
  /** Every order at the 3PL, every event processed, Shopify showing its targets: nothing in flight. */
  const settled = async () => {
    await eventually('orders at the 3PL and the inbox drained', async () => {
      const { rows } = await stack.db.query(
        `SELECT (SELECT count(*) FROM orders WHERE warehouse_ack_at IS NULL)::int AS unsent, (SELECT count(*) FROM inbox WHERE status = 'pending')::int AS pending`,
      );
      return rows[0].unsent === 0 && rows[0].pending === 0;
    });
    await new Promise((r) => setTimeout(r, 300)); // the 3PL's allocation webhooks
    await converged(stack, ['shopify'], ['MUG', 'CUP', 'BOWL']);
  };

  beforeAll(async () => {
    stack = await startStack({
      channels: ['shopify'],
      skus: SMALL_SHOP_SKUS,
      adminToken: TOKEN,
      manualChannel: { id: 'wholesale', buffer: '{ mode: shared, reserve: 5 }' },
    });
    await eventually('warehouse levels', async () => (await ats(stack, 'MUG')) === 20);
    await converged(stack, ['shopify'], ['MUG', 'CUP', 'BOWL']);
  });
  afterAll(async () => stack?.close());

  it('lists connections with their health; the manual channel is never dirty', async () => {
    const r = await api('GET', '/connections');
    expect(r.status).toBe(200);
    const byId = new Map(r.body.items.map((c: { id: string }) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual(['shop', 'wh', 'wholesale']);
    expect(byId.get('wholesale')).toMatchObject({ platform: 'manual', kind: 'channel', paused: false, dirtyListings: 0 });
    expect(byId.get('shop')).toMatchObject({ platform: 'shopify', paused: false, failingSince: null });
    expect((byId.get('shop') as { lastPushAt: string | null }).lastPushAt).not.toBeNull();
    expect((await api('GET', '/connections/nope')).status).toBe(404);
    const overview = await api('GET', '/overview');
    expect(overview.body).toMatchObject({ skus: 3, listings: 6, dirtyListings: 0, oldestDirtySince: null, openClaims: { count: 0, units: 0 } });
  });

  it('pages, searches and filters SKUs with ATS, on hand, claimed and each channel', async () => {
    const first = await api('GET', '/skus?limit=2');
    expect(first.body.items.map((s: { sku: string }) => s.sku)).toEqual(['BOWL', 'CUP']);
    const second = await api('GET', `/skus?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((s: { sku: string }) => s.sku)).toEqual(['MUG']);
    expect(second.body.nextCursor).toBeNull();
    const mug = second.body.items[0];
    expect(mug).toMatchObject({ ats: 20, onHand: 20, available: 20, claimed: 0 });
    expect(mug.listings.map((l: { connectionId: string }) => l.connectionId)).toEqual(['shop', 'wholesale']);
    expect(mug.listings[0]).toMatchObject({ target: 15, shown: 15, dirty: false }); // 5 reserved for wholesale
    expect((await api('GET', '/skus?q=mu')).body.items.map((s: { sku: string }) => s.sku)).toEqual(['MUG']);
    expect((await api('GET', '/skus?low=true&lowThreshold=5')).body.items.map((s: { sku: string }) => s.sku)).toEqual(['CUP']);
    expect((await api('GET', '/skus?sort=ats')).body.items.map((s: { sku: string }) => s.sku)).toEqual(['CUP', 'BOWL', 'MUG']);
  });

  it('a buffer change at run time changes what the sandbox channel shows, and removing it restores the YAML', async () => {
    const put = await api('PUT', '/buffers/shop', { mode: 'shared', holdBackUnits: 3 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ runtime: { mode: 'shared', holdBackUnits: 3 }, effective: { holdBackUnits: 3 } });
    expect(put.body.listingsChanged).toBeGreaterThan(0);
    await eventually('Shopify shows 20 - 5 reserved - 3 held back', async () => shown('MUG') === 12);
    const override = await api('PUT', '/buffers/shop/overrides/MUG', { maxCap: 4 });
    expect(override.body.overrides).toContainEqual(
      expect.objectContaining({ sku: 'MUG', runtime: { maxCap: 4 }, effective: expect.objectContaining({ maxCap: 4 }) }),
    );
    await eventually('the override caps MUG at 4', async () => shown('MUG') === 4);
    expect((await api('DELETE', '/buffers/shop/overrides/MUG')).status).toBe(200);
    expect((await api('DELETE', '/buffers/shop')).body.runtime).toBeNull();
    await eventually('back to the YAML policy', async () => shown('MUG') === 15);
    const bad = await api('PUT', '/buffers/shop', { holdBackPercent: 150, reserve: -1, colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body', 'body.holdBackPercent', 'body.reserve']);
    expect((await api('PUT', '/buffers/wh', {})).status).toBe(400); // a warehouse has no buffer
  });

  it('a manual-channel order claims its units and lowers the other channels', async () => {
    const order = { externalId: 'W-1', lines: [{ sku: 'BOWL', quantity: 3 }] };
    const k = key();
    const r = await api('POST', '/connections/wholesale/orders', order, { 'idempotency-key': k });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ outcome: 'recorded', externalId: 'W-1', oversold: [], unknownSkus: [] });
    expect(await ats(stack, 'BOWL')).toBe(5);
    const { rows } = await stack.db.query(`SELECT c.quantity, c.state FROM claims c JOIN orders o ON o.id = c.order_id WHERE o.connection_id = 'wholesale'`);
    expect(rows).toEqual([{ quantity: 3, state: 'open' }]);
    await eventually('Shopify lowered from 8 - 5 to 5 - 5', async () => shown('BOWL') === 0);
    const replay = await api('POST', '/connections/wholesale/orders', order, { 'idempotency-key': k });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(r.body);
    const again = await api('POST', '/connections/wholesale/orders', order, { 'idempotency-key': key() });
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe('duplicate');
    expect(await ats(stack, 'BOWL')).toBe(5);
    const notManual = await api('POST', '/connections/shop/orders', order, { 'idempotency-key': key() });
    expect(notManual.status).toBe(409);
    expect(notManual.body.code).toBe('NOT_A_MANUAL_CHANNEL');
    const bad = await api('POST', '/connections/wholesale/orders', { externalId: '', lines: [{ sku: 'BOWL', quantity: 0 }] }, { 'idempotency-key': key() });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['body.externalId', 'body.lines[0].quantity']);
  });

  it('takes a CSV of manual orders: every bad cell named, else all recorded in one go', async () => {
    const csv = (text: string) =>
      api('POST', '/connections/wholesale/orders.csv', text, { 'content-type': 'text/csv; charset=utf-8', 'idempotency-key': key() });
    const bad = await csv('order_id,sku,quantity\nW-2,MUG,1\nW-2,MUG,two\n');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['body.row[3].quantity']);
    expect(await ats(stack, 'MUG')).toBe(20); // nothing half-applied
    const good = await csv('order_id,sku,quantity\nW-2,MUG,1\nW-2,CUP,1\nW-3,MUG,2\n');
    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({ recorded: 2, duplicates: 0 });
    expect(await ats(stack, 'MUG')).toBe(17);
    const cancelled = await api('POST', '/connections/wholesale/orders/W-3/cancel');
    expect(cancelled.body.outcome).toBe('cancelled');
    await eventually('the cancelled order gives its 2 units back', async () => (await ats(stack, 'MUG')) === 19);
    expect((await api('POST', '/connections/wholesale/orders/W-3/cancel')).body.outcome).toBe('already_cancelled');
    expect((await api('POST', '/connections/wholesale/orders/W-404/cancel')).status).toBe(404);
  });

  it('adjusts stock by hand through the ledger; a reconciliation started here is followed to its drift report', async () => {
    // ShipBob sends no inventory webhook: the 3PL's counts of the orders above arrive by a poll (layer 3).
    await pollOnce({ db: stack.db, log: pino({ level: 'silent' }), connectionId: 'wh', connector: stack.engine.connectors.get('wh')! });
    const adj = await api('POST', '/skus/CUP/adjustments', { delta: 4, reason: 'found a box in the back' }, { 'idempotency-key': key() });
    expect(adj.status).toBe(201);
    expect(adj.body).toMatchObject({ outcome: 'applied', warehouse: 'wh', location: 'main' });
    const detail = await api('GET', '/skus/CUP');
    expect(detail.status).toBe(200);
    expect(detail.body.ledger.items[0]).toMatchObject({ kind: 'observe_delta', availableDelta: 4, source: 'manual', note: 'found a box in the back' });
    // The CSV order's claim: open, or settled already if the 3PL has counted the order.
    expect(detail.body.claims).toEqual([expect.objectContaining({ connectionId: 'wholesale', externalId: 'W-2', quantity: 1 })]);
    expect(detail.body.listings.map((l: { connectionId: string }) => l.connectionId)).toEqual(['shop', 'wholesale']);
    const ledger = await api('GET', '/skus/CUP/ledger?limit=1');
    expect(ledger.body.items).toHaveLength(1);
    expect(ledger.body.nextCursor).not.toBeNull();

    await settled();
    // A lost update: we believe the 3PL holds 4 more MUGs than it does (an old level, so that
    // the 3PL's full read is newer). Reconciliation finds it and corrects it through the ledger.
    await stack.db.query(`UPDATE stock_levels SET available = available + 4, observed_at = now() - interval '1 day' WHERE sku = 'MUG'`);
    await stack.db.query(`UPDATE sku_stock SET available = available + 4 WHERE sku = 'MUG'`);
    const started = await api('POST', '/reconciliations', { connectionId: 'wh' }, { 'idempotency-key': key() });
    expect(started.status).toBe(202);
    expect(started.body.connections).toEqual(['wh']);
    const runId = started.body.runId as number;
    const run = await eventually('reconciliation done', async () => {
      const r = await api('GET', `/reconciliations/${runId}`);
      return r.body.status === 'done' ? r.body : undefined;
    });
    expect(run).toMatchObject({ connectionId: 'wh', trigger: 'manual', checked: 3 });
    const drift = await api('GET', `/reconciliations/${runId}/drift`);
    expect(drift.body.items).toHaveLength(run.drifted);
    expect(drift.body.items).toContainEqual(
      expect.objectContaining({ sku: 'MUG', units: -4, direction: 'down', action: 'corrected', location: 'wh/main', sources: null }),
    );
    // CUP's manual +4 is not in the 3PL's count: reported (kept if the read is dated before
    // the adjustment, ShipBob's whole-second Date; corrected if after).
    expect(drift.body.items.map((d: { sku: string }) => d.sku).sort()).toEqual(['CUP', 'MUG']);
    expect((await api('POST', '/reconciliations', { connectionId: 'nope' }, { 'idempotency-key': key() })).status).toBe(404);
    expect((await api('GET', '/reconciliations?connectionId=wh')).body.items[0].id).toBe(runId);
  });

  it('pauses a channel (nothing pushed) and resumes it (pushed at once); pushes a listing now', async () => {
    await settled();
    expect((await api('POST', '/connections/shop/pause', { reason: 'maintenance' })).body).toMatchObject({ paused: true, pausedReason: 'maintenance' });
    expect(formatStatus(await statusReport(stack.db), [])).toMatch(/shop: PAUSED by an operator since \S+ .*: maintenance/);
    const before = shown('MUG')!;
    await api('POST', '/skus/MUG/adjustments', { delta: 2, reason: 'return restocked' }, { 'idempotency-key': key() });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(shown('MUG')).toBe(before); // paused: the target moved, the channel did not
    expect((await listing(stack, 'shopify', 'MUG')).dirty).toBe(true);
    expect((await api('POST', '/connections/shop/resume')).body.paused).toBe(false);
    expect(formatStatus(await statusReport(stack.db), [])).not.toMatch(/PAUSED/);
    await converged(stack, ['shopify'], ['MUG']);
    expect(shown('MUG')).toBe(before + 2);
    const { rows } = await stack.db.query(`SELECT id, pushed_at FROM listings WHERE connection_id = 'shop' AND sku = 'MUG'`);
    const push = await api('POST', `/listings/${rows[0].id}/push`);
    expect(push.status).toBe(202);
    // Pushed again although nothing changed: a compare-and-set of its target, acknowledged.
    await eventually('pushed again', async () => {
      const { rows: after } = await stack.db.query(`SELECT pushed_at, dirty FROM listings WHERE id = $1`, [rows[0].id]);
      return !after[0].dirty && after[0].pushed_at > rows[0].pushed_at;
    });
    expect((await api('POST', '/listings/999999/push')).status).toBe(404);
  });

  it('releases a quarantined listing, which is pushed again', async () => {
    // The reconciliation of the test before corrects CUP at the 3PL's level: its push may
    // still be on its way, and `before` must be what the channel shows once it has landed.
    await converged(stack, ['shopify'], ['CUP']);
    const { rows } = await stack.db.query(`SELECT id FROM listings WHERE connection_id = 'shop' AND sku = 'CUP'`);
    const id = rows[0].id as number;
    await quarantineListing(stack.db, id, 'PERMANENT: refused by the platform (test)');
    const before = shown('CUP')!;
    await api('POST', '/skus/CUP/adjustments', { delta: 5, reason: 'received' }, { 'idempotency-key': key() });
    const listed = await api('GET', '/quarantine/listings?connectionId=shop');
    expect(listed.body.items).toEqual([expect.objectContaining({ listingId: id, sku: 'CUP', reason: 'PERMANENT: refused by the platform (test)' })]);
    expect((await api('POST', `/listings/${id}/push`)).body.code).toBe('LISTING_QUARANTINED');
    await new Promise((r) => setTimeout(r, 500));
    expect(shown('CUP')).toBe(before);
    const released = await api('POST', `/quarantine/listings/${id}/release`);
    expect(released.status).toBe(202);
    await converged(stack, ['shopify'], ['CUP']);
    // Not simply before + 5: the wholesale channel's reserve of 5 comes first, and CUP's ATS
    // depends on whether the reconciliation above kept or corrected its manual +4.
    expect(shown('CUP')).toBe((await listing(stack, 'shopify', 'CUP')).target);
    expect(shown('CUP')).toBeGreaterThan(before);
    expect((await api('POST', `/quarantine/listings/${id}/release`)).status).toBe(404);
  });

  it('replays a refused webhook into the inbox, where it is processed', async () => {
    const body = JSON.stringify({
      id: 987654321,
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
      line_items: [{ sku: 'BOWL', quantity: 1 }],
    });
    const headers = { 'content-type': 'application/json', 'x-shopify-topic': 'orders/create', 'x-shopify-event-id': 'evt-replay-1' };
    const refused = await fetch(`${stack.engine.url}/webhooks/shop`, {
      method: 'POST',
      headers: { ...headers, 'x-shopify-hmac-sha256': 'not-the-signature' },
      body,
    });
    expect(refused.status).toBe(401);
    const records = await api('GET', '/quarantine/records?source=webhook&connectionId=shop');
    const record = records.body.items[0];
    expect(record).toMatchObject({ reason: 'signature missing or invalid', replayedAt: null, body });
    const checked = await api('POST', `/quarantine/records/${record.id}/replay`, {}, { 'idempotency-key': key() });
    expect(checked.status).toBe(409);
    expect(checked.body.code).toBe('SIGNATURE_INVALID');
    const bowl = await ats(stack, 'BOWL');
    const replayed = await api('POST', `/quarantine/records/${record.id}/replay`, { skipSignatureCheck: true }, { 'idempotency-key': key() });
    expect(replayed.status).toBe(201);
    expect(replayed.body).toMatchObject({ eventId: 'evt-replay-1', topic: 'orders/create' });
    await eventually('the replayed order is recorded', async () => (await ats(stack, 'BOWL')) === bowl - 1);
    expect((await api('POST', `/quarantine/records/${record.id}/replay`, { skipSignatureCheck: true }, { 'idempotency-key': key() })).body.code).toBe(
      'ALREADY_REPLAYED',
    );
  });

  it('lists incidents and resolves one with a note', async () => {
    // An order for more than there is: an oversell incident.
    const r = await api('POST', '/connections/wholesale/orders', { externalId: 'W-9', lines: [{ sku: 'BOWL', quantity: 50 }] }, { 'idempotency-key': key() });
    expect(r.body.oversold).toEqual([expect.objectContaining({ sku: 'BOWL' })]);
    const open = await api('GET', '/incidents?kind=oversell');
    const incident = open.body.items[0];
    expect(incident).toMatchObject({ kind: 'oversell', sku: 'BOWL', connectionId: 'wholesale', resolvedAt: null });
    const resolved = await api('POST', `/incidents/${incident.id}/resolve`, { note: 'customer refunded' });
    expect(resolved.body).toMatchObject({ resolved: true, resolutionNote: 'customer refunded' });
    expect(resolved.body.resolvedAt).not.toBeNull();
    expect((await api('GET', '/incidents?kind=oversell')).body.items.find((i: { id: number }) => i.id === incident.id)).toBeUndefined();
    expect((await api('GET', '/incidents?state=resolved')).body.items[0].id).toBe(incident.id);
    expect((await api('POST', `/incidents/${incident.id}/resolve`, {})).body.errors[0].field).toBe('body.note');
  });
});
