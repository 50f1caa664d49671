// Adaptive buffers on real PostgreSQL: orders feed each listing's velocity, a scarce SKU is
// partitioned in the order's own transaction, a raise waits for other channels' lowerings
// and the re-plan grants it once they are acknowledged, and plenty of stock returns the
// SKU to shared mode (with hysteresis).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { loadFixture } from '../helpers/catalog.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { recordOrder } from '../../src/engine/record-orders.js';
import { replanOnce } from '../../src/engine/replan.js';
import { handleChannelQuantity } from '../../src/engine/channel-quantity.js';
import { configureAdaptive } from '../../src/engine/adaptive-settings.js';
import { forgetLoweringLatencies } from '../../src/engine/lowering-latency-cache.js';
import { forgetUnrecordedSales, recordObservedChannelCount, recordPushed } from '../../src/store/dispatch.js';
import { loweringLatencyStats, recordLoweringLatencies } from '../../src/store/lowering-latencies.js';
import { listingStates } from '../../src/store/listings.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  configureAdaptive({ velocityWindowMs: 60_000, defaultLatencyMs: 1_000 });
});
afterAll(async () => t.drop());

let seq = 0;
const at = () => new Date(Date.UTC(2026, 10, 28, 0, 0, 0, ++seq));
async function reset() {
  await t.db.query(`TRUNCATE ledger, incidents, claims, order_lines, orders, stock_levels, listings, poll_cursors, buffer_overrides, lowering_latencies,
                    bundle_components, sku_stock, skus, locations, connections RESTART IDENTITY CASCADE`);
  forgetLoweringLatencies();
  await loadFixture(t.db, { policy: () => ({ mode: 'adaptive' }) });
}
const observe = (available: number) =>
  recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'A', kind: 'absolute', available, observedAt: at() });
let orderNo = 0;
const sell = (channel: string, quantity: number) => recordOrder(t.db, { connectionId: channel, externalId: `o${++orderNo}`, lines: [{ sku: 'A', quantity }] });
async function listings() {
  const { rows } = await t.db.query(
    `SELECT id, connection_id AS c, target, pushed, partitioned, raise_gated AS gated, velocity FROM listings WHERE sku = 'A' ORDER BY connection_id`,
  );
  return rows as { id: number; c: string; target: number; pushed: number | null; partitioned: boolean; gated: boolean; velocity: number }[];
}
/** Every channel acknowledges its target (a synchronous platform). */
async function pushAll() {
  const ls = await listings();
  await recordPushed(
    t.db,
    ls.map((l) => ({ id: l.id, quantity: l.target, expected: l.pushed })),
  );
}

describe('adaptive buffers in the engine', () => {
  beforeEach(() => reset());

  it('shows the whole ATS everywhere while plentiful, partitions once an order leaves it scarce', async () => {
    await observe(40);
    await pushAll();
    expect((await listings()).map((l) => [l.target, l.partitioned])).toEqual([
      [40, false],
      [40, false],
      [40, false],
    ]);
    // 3 channels x 3 units an order = 9 units at risk: 10 left is still shared, 8 is not
    await sell('ch1', 30);
    await pushAll();
    expect((await listings()).map((l) => l.target)).toEqual([10, 10, 10]);
    await sell('ch1', 2);
    const after = await listings();
    expect(after.every((l) => l.partitioned)).toBe(true);
    expect(after.reduce((s, l) => s + l.target, 0)).toBeLessThanOrEqual(8);
    expect(after[0]!.velocity).toBeGreaterThan(after[1]!.velocity); // ch1 sold, its share is the largest
    expect(after[0]!.target).toBeGreaterThan(after[1]!.target);
  });

  it('holds a raise until the other channels acknowledge their lowerings, then the re-plan grants it', async () => {
    await observe(8);
    await pushAll(); // partitioned from the start (8 < 9): shares add up to 8
    const first = await listings();
    expect(first.reduce((s, l) => s + l.target, 0)).toBe(8);
    // ch3 sells what it shows; its velocity makes it want more, which ch1 and ch2 still show
    await sell('ch3', first[2]!.target);
    const held = await listings();
    expect(held[2]!.gated).toBe(true);
    expect(held[2]!.target).toBe(0);
    await pushAll(); // ch1 and ch2 acknowledge their lowerings
    await replanOnce(t.db);
    const granted = await listings();
    expect(granted[2]!.target).toBeGreaterThan(0);
    expect(granted[2]!.gated).toBe(false);
    // never more in total than the ATS, even counting what the others still showed
    expect(granted.reduce((s, l) => s + Math.max(l.target, l.pushed ?? 0), 0)).toBeLessThanOrEqual(8 - first[2]!.target);
  });

  it('returns to shared once the stock is twice the risk again (hysteresis), and not before', async () => {
    await observe(8);
    await pushAll();
    expect((await listings())[0]!.partitioned).toBe(true);
    await observe(12); // above the 9 at risk but below 18: stays partitioned
    await replanOnce(t.db);
    expect((await listings())[0]!.partitioned).toBe(true);
    await observe(40);
    await pushAll();
    await replanOnce(t.db);
    expect((await listings()).map((l) => [l.target, l.partitioned])).toEqual([
      [40, false],
      [40, false],
      [40, false],
    ]);
  });

  it('a push a platform applies later: sales meanwhile come off the old count, which stays exposed until orders are in past the apply', async () => {
    await observe(20);
    await pushAll();
    const [l] = await listings();
    // ch1 accepts 6 (it will apply it in 5 s); until then it shows 20 and sells from that
    await recordPushed(t.db, [{ id: l!.id, quantity: 6, expected: 20, pendingMs: 5_000 }]);
    const exposure = async () => (await listingStates(t.db, ['A'])).find((s) => s.id === l!.id)!.exposure;
    expect(await exposure()).toBe(26); // may still sell its 20, then show 6
    await recordOrder(t.db, { connectionId: 'ch1', externalId: 'meanwhile', placedAt: new Date(), lines: [{ sku: 'A', quantity: 3 }] });
    const [during] = await listings();
    expect(during!.pushed).toBe(6); // the applied 6 overwrites that sale
    expect(await exposure()).toBe(23);
    // the apply is due, but the orders are not known past it: the old count stays exposed
    await t.db.query(`UPDATE listings SET push_pending_until = now() - interval '1 second' WHERE id = $1`, [l!.id]);
    expect(await exposure()).toBe(23);
    await t.db.query(`INSERT INTO poll_cursors (connection_id, stream, since) VALUES ('ch1', 'orders', now())`);
    expect(await exposure()).toBe(6);
    // a sale after the apply comes off what the channel shows
    await recordOrder(t.db, { connectionId: 'ch1', externalId: 'after', placedAt: new Date(), lines: [{ sku: 'A', quantity: 2 }] });
    expect((await listings())[0]!.pushed).toBe(4);
  });

  it('sales a read found before their orders come off the plan, and two such reads add up', async () => {
    await observe(8);
    await pushAll();
    const before = await listings();
    const [l1] = before;
    // two reads of ch1, each one unit lower than the last: two sales not recorded yet
    await recordObservedChannelCount(t.db, [{ id: l1!.id, actual: l1!.pushed! - 1 }]);
    await recordObservedChannelCount(t.db, [{ id: l1!.id, actual: l1!.pushed! - 2 }]);
    expect((await listingStates(t.db, ['A'])).find((s) => s.id === l1!.id)!.unrecordedSales).toBe(2);
    await replanOnce(t.db);
    const after = await listings();
    // the channels may sell at most the 6 units left, counting what ch1 still shows
    expect(after.reduce((s, l) => s + Math.max(l.target, l.pushed ?? 0), 0)).toBeLessThanOrEqual(6);
    // the orders arrive: nothing is taken off twice
    await sell('ch1', 1);
    await sell('ch1', 1);
    const settled = await listings();
    expect(settled[0]!.pushed).toBe(l1!.pushed! - 2);
    expect((await listingStates(t.db, ['A'])).find((s) => s.id === l1!.id)!.unrecordedSales).toBe(0);
  });

  it('a late channel webhook showing more than the target is pushed over, never taken as a count that invents unrecorded sales', async () => {
    await observe(8);
    await pushAll();
    const [l1] = await listings();
    // the channel's old count (before its sales were recorded) arrives late, above the target
    const outcome = await handleChannelQuantity(t.db, { id: l1!.id, sku: 'A', platformIds: {}, target: l1!.target, pushed: l1!.pushed }, l1!.target + 3);
    expect(outcome).toBe('lowering');
    const { rows } = await t.db.query(`SELECT pushed, dirty, unrecorded_sales AS u FROM listings WHERE id = $1`, [l1!.id]);
    expect(rows[0]).toEqual({ pushed: l1!.pushed, dirty: true, u: 0 }); // pushed again at once, counts untouched
    // the push's compare-and-set reads what the channel really shows: nothing unrecorded
    await recordObservedChannelCount(t.db, [{ id: l1!.id, actual: l1!.pushed!, holdRaise: true }]);
    expect((await listingStates(t.db, ['A'])).find((s) => s.id === l1!.id)!.unrecordedSales).toBe(0);
  });

  it('unrecorded sales are forgotten once the orders poll is past the read that found them (a push that landed unrecorded is no sale)', async () => {
    await observe(8);
    await pushAll();
    const [l1] = await listings();
    await recordObservedChannelCount(t.db, [{ id: l1!.id, actual: l1!.pushed! - 2 }]);
    await t.db.query(`INSERT INTO poll_cursors (connection_id, stream, since) VALUES ('ch1', 'orders', now() - interval '1 minute')`);
    expect(await forgetUnrecordedSales(t.db, 'ch1')).toEqual([]); // the poll has not passed the read yet
    await t.db.query(`UPDATE poll_cursors SET since = now() + interval '1 second' WHERE connection_id = 'ch1'`);
    expect(await forgetUnrecordedSales(t.db, 'ch1')).toEqual(['A']);
    expect((await listingStates(t.db, ['A'])).find((s) => s.id === l1!.id)!.unrecordedSales).toBe(0);
  });

  it("keeps each connection's latest lowering latencies and their percentiles", async () => {
    await recordLoweringLatencies(
      t.db,
      'ch1',
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    await recordLoweringLatencies(
      t.db,
      'ch1',
      Array.from({ length: 400 }, () => 7),
    );
    const [stats] = await loweringLatencyStats(t.db);
    expect(stats).toEqual({ connectionId: 'ch1', count: 200, p50: 7, p95: 7, p99: 7 });
    // trimmed by the next record (a statement does not see its own inserts): bounded, never growing
    await recordLoweringLatencies(t.db, 'ch1', [7]);
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM lowering_latencies`);
    expect(rows[0].n).toBeLessThanOrEqual(2 * 200 + 2);
  });
});
