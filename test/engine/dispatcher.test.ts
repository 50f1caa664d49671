// The dispatcher against a scripted channel: what it records for each push outcome.
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.js';
import type { ChannelConnector, PushItem, PushOutcome } from '../../src/connectors/types.js';
import { createDispatchPool, dispatchOnce } from '../../src/engine/workers/dispatcher.js';
import { recordObservation } from '../../src/engine/record-observation.js';
import { channelId, loadFixture } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.query(`TRUNCATE ledger, incidents, claims, order_lines, orders, stock_levels, listings, buffer_overrides,
                    bundle_components, sku_stock, skus, locations, poll_cursors, connection_activity, connections RESTART IDENTITY CASCADE`);
  await loadFixture(t.db, { channels: 1, skus: [{ sku: 'A' }, { sku: 'B' }] });
  for (const sku of ['A', 'B']) {
    await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku, kind: 'absolute', available: 10, observedAt: new Date() });
  }
});

const log = pino({ level: 'silent' });

function channel(answer: (items: PushItem[]) => PushOutcome[] | Promise<PushOutcome[]>): ChannelConnector & { pushes: PushItem[][] } {
  const pushes: PushItem[][] = [];
  return {
    pushes,
    kind: 'channel',
    platform: 'scripted',
    capabilities: {
      maxBatch: 10,
      compareAndSet: true,
      relativeAdjust: false,
      webhookVerification: 'hmac-sha256-base64',
      asyncApply: false,
      rateLimit: { kind: 'none' },
    },
    async push(items) {
      pushes.push(items);
      return answer(items);
    },
    readQuantities: async () => new Map(),
    pollOrders: async () => ({ items: [], next: null }),
    listQuantities: async () => ({ items: [], next: null }),
    resolveListings: async () => new Map(),
    verifyWebhook: () => false,
    parseWebhook: () => {
      throw new Error('no');
    },
  };
}

async function listings() {
  const { rows } = await t.db.query(
    `SELECT sku, target, pushed, dirty, quarantined_reason AS reason, raise_held_since IS NOT NULL AS held FROM listings ORDER BY sku`,
  );
  return rows;
}

describe('dispatcher', () => {
  it('records applied pushes; nothing left to do afterwards', async () => {
    const c = channel((items) => items.map((i) => ({ status: 'applied', listingId: i.listing.listingId, quantity: i.quantity })));
    const deps = { db: t.db, log, connectionId: channelId(0), connector: c };
    expect(await dispatchOnce(deps)).toBe(false);
    expect(c.pushes[0]!.map((i) => [i.listing.sku, i.quantity, i.expected])).toEqual([
      ['A', 10, null],
      ['B', 10, null],
    ]);
    expect((await listings()).map((l) => [l.pushed, l.dirty])).toEqual([
      [10, false],
      [10, false],
    ]);
    expect(await dispatchOnce(deps)).toBe(false);
    expect(c.pushes).toHaveLength(1);
  });

  it('a lost compare-and-set records what the channel shows and holds the raise until its orders are in', async () => {
    await t.db.query(`UPDATE listings SET pushed = 8`); // we believe the channel shows 8; target is 10
    const c = channel((items) => items.map((i) => ({ status: 'stale', listingId: i.listing.listingId, actual: 6 })));
    let woke = 0;
    await dispatchOnce({ db: t.db, log, connectionId: channelId(0), connector: c, onUnseenSales: () => woke++ });
    expect(woke).toBe(1);
    expect((await listings()).map((l) => [l.pushed, l.dirty, l.held])).toEqual([
      [6, true, true],
      [6, true, true],
    ]);
    // Raising 6 -> 10 waits: nothing is pushed until the channel's orders are ingested past now.
    expect(await dispatchOnce({ db: t.db, log, connectionId: channelId(0), connector: c })).toBe(false);
    expect(c.pushes).toHaveLength(1);
    await t.db.query(`INSERT INTO poll_cursors (connection_id, stream, since) VALUES ($1, 'orders', now() + interval '1 second')`, [channelId(0)]);
    const ok = channel((items) => items.map((i) => ({ status: 'applied', listingId: i.listing.listingId, quantity: i.quantity })));
    await dispatchOnce({ db: t.db, log, connectionId: channelId(0), connector: ok });
    expect(ok.pushes[0]!.map((i) => i.expected)).toEqual([6, 6]);
    expect((await listings()).map((l) => [l.pushed, l.dirty])).toEqual([
      [10, false],
      [10, false],
    ]);
  });

  it('a sale already counted in a read-back is not subtracted twice', async () => {
    // A channel with compare-and-set that really holds a count.
    const shown = new Map<string, number>([
      ['A', 20],
      ['B', 20],
    ]);
    const c = channel((items) =>
      items.map((i) => {
        const now = shown.get(i.listing.sku)!;
        if (i.expected !== null && i.expected !== now) return { status: 'stale', listingId: i.listing.listingId, actual: now };
        shown.set(i.listing.sku, i.quantity);
        return { status: 'applied', listingId: i.listing.listingId, quantity: i.quantity };
      }),
    );
    const deps = { db: t.db, log, connectionId: channelId(0), connector: c };
    await t.db.query(`UPDATE listings SET pushed = 20`);
    await t.db.query(`INSERT INTO poll_cursors (connection_id, stream, since) VALUES ($1, 'orders', now() + interval '1 hour')`, [channelId(0)]);
    shown.set('A', 18); // a shopper buys 2 on the channel; we have not heard of the order yet
    await dispatchOnce(deps); // 20 -> 10 expecting 20: stale, the read-back says 18 (the sale included)
    await dispatchOnce(deps); // lower to 10 expecting 18
    expect(shown.get('A')).toBe(10);
    // The order arrives now: its 2 units are already out of what the channel shows.
    const { recordOrder } = await import('../../src/engine/record-orders.js');
    await recordOrder(t.db, { connectionId: channelId(0), externalId: 'late', lines: [{ sku: 'A', quantity: 2 }] });
    // The read-back already took those 2 off: pushed stays at what the channel shows (10), not 8.
    expect((await listings())[0]).toMatchObject({ target: 8, pushed: 10, dirty: true });
    for (let i = 0; i < 3 && (await listings())[0].dirty; i++) await dispatchOnce(deps);
    expect(shown.get('A')).toBe(8); // the channel ends at its target, not above it
    expect((await listings())[0]).toMatchObject({ target: 8, pushed: 8, dirty: false });
  });

  it('a lowering is never held', async () => {
    await t.db.query(`UPDATE listings SET pushed = 12, raise_held_since = now()`);
    const c = channel((items) => items.map((i) => ({ status: 'applied', listingId: i.listing.listingId, quantity: i.quantity })));
    await dispatchOnce({ db: t.db, log, connectionId: channelId(0), connector: c });
    expect(c.pushes[0]!.map((i) => i.quantity)).toEqual([10, 10]);
  });

  it('quarantines a listing on a permanent error with the reason, retries a retryable one later', async () => {
    const c = channel(([a, b]) => [
      { status: 'failed', listingId: a!.listing.listingId, error: new ConnectorError('NOT_FOUND', 'no inventory item for SKU A') },
      { status: 'failed', listingId: b!.listing.listingId, error: new ConnectorError('SERVER', 'bad gateway') },
    ]);
    await dispatchOnce({ db: t.db, log, connectionId: channelId(0), connector: c });
    const [a, b] = await listings();
    expect(a.reason).toMatch(/NOT_FOUND: no inventory item for SKU A/);
    expect(b.reason).toBeNull();
    // B waits out its retry delay; A stays out of the queue for good.
    expect(await dispatchOnce({ db: t.db, log, connectionId: channelId(0), connector: c })).toBe(false);
    expect(c.pushes).toHaveLength(1);
    const { rows } = await t.db.query(`SELECT errors FROM connection_activity`);
    expect(rows[0].errors).toBe(2);
  });

  it('a connection-wide outage is thrown for the loop to back off, and nothing is lost', async () => {
    const c = channel(() => {
      throw new ConnectorError('SERVER', 'service unavailable', { status: 503 });
    });
    await expect(dispatchOnce({ db: t.db, log, connectionId: channelId(0), connector: c })).rejects.toThrow(/service unavailable/);
    expect((await listings()).map((l) => [l.dirty, l.reason])).toEqual([
      [true, null],
      [true, null],
    ]);
  });

  it('a hung push does not hold back a listing dirtied behind it, and no listing is in two pushes at once', async () => {
    await loadFixture(t.db, { channels: 1, skus: [{ sku: 'A' }, { sku: 'B' }, { sku: 'C' }] }); // C: no stock reported yet
    let release = () => {};
    const hung = new Promise<void>((r) => (release = r));
    const c = channel(async (items) => {
      if (c.pushes.length === 1) await hung; // the first request hangs (a platform timeout)
      return items.map((i) => ({ status: 'applied', listingId: i.listing.listingId, quantity: i.quantity }));
    });
    let settled = 0;
    const pool = createDispatchPool({ db: t.db, log, connectionId: channelId(0), connector: c }, 2, () => settled++);
    const pushed = () => c.pushes.map((p) => p.map((i) => `${i.listing.sku}=${i.quantity}`).join(','));
    expect(await pool.step()).toBe(false); // A and B in flight, a slot free, nothing else dirty
    expect(pushed()).toEqual(['A=10,B=10']);

    // C becomes pushable while that request hangs: it goes at once, in the free slot.
    await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'C', kind: 'absolute', available: 7, observedAt: new Date() });
    expect(await pool.step()).toBe(true); // both slots taken; returns when C's push is done
    expect(pushed()).toEqual(['A=10,B=10', 'C=7']);
    expect(settled).toBe(1);

    // A changes while its push hangs: it waits for that push, never a second one beside it.
    await recordObservation(t.db, { connectionId: 'wh', location: 'main', sku: 'A', kind: 'absolute', available: 4, observedAt: new Date() });
    expect(await pool.step()).toBe(false);
    expect(pushed()).toHaveLength(2);
    release();
    await pool.drain();
    expect(settled).toBe(2);
    expect(await pool.step()).toBe(false);
    expect(c.pushes.at(-1)!.map((i) => [i.listing.sku, i.quantity, i.expected])).toEqual([['A', 4, 10]]);
    await pool.drain();
    expect((await listings()).map((l) => [l.sku, l.pushed, l.dirty])).toEqual([
      ['A', 4, false],
      ['B', 10, false],
      ['C', 7, false],
    ]);
  });

  it('a raise in flight never holds the slot a lowering needs: one more slot opens to lowerings only', async () => {
    const applied = (items: PushItem[]) => items.map((i): PushOutcome => ({ status: 'applied', listingId: i.listing.listingId, quantity: i.quantity }));
    const first = channel(applied);
    expect(await dispatchOnce({ db: t.db, log, connectionId: channelId(0), connector: first })).toBe(false); // A=10, B=10 pushed
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    // A raise waits (on Amazon: behind every lowering in the rate limiter); lowerings go at once.
    const c = channel(async (items) => {
      if (items.some((i) => i.expected !== null && i.quantity > i.expected)) await held;
      return applied(items);
    });
    const pool = createDispatchPool({ db: t.db, log, connectionId: channelId(0), connector: c }, 1);
    const pushed = () => c.pushes.map((p) => p.map((i) => `${i.listing.sku}=${i.quantity}`).join(','));
    const observe = (sku: string, available: number) =>
      recordObservation(t.db, { connectionId: 'wh', location: 'main', sku, kind: 'absolute', available, observedAt: new Date() });

    await observe('A', 15); // a raise takes the only slot
    expect(await pool.step()).toBe(false); // not every slot a lowering may use is taken: sleep until a change
    expect(pushed()).toEqual(['A=15']);

    await observe('B', 4); // a lowering behind it goes at once, beside the raise
    expect(await pool.step()).toBe(true); // now every slot is taken; returns when B's push is done
    expect(pushed()).toEqual(['A=15', 'B=4']);
    expect((await listings()).map((l) => [l.sku, l.pushed, l.dirty])).toEqual([
      ['A', 10, true],
      ['B', 4, false],
    ]);

    // A raise never takes the extra slot: with the raise in flight, a second raise waits.
    await loadFixture(t.db, { channels: 1, skus: [{ sku: 'A' }, { sku: 'B' }, { sku: 'C' }] });
    await observe('C', 3);
    expect(await pool.step()).toBe(true); // C's first push (a count never pushed is urgent) took the extra slot
    await t.db.query(`UPDATE listings SET pushed = 1 WHERE sku = 'C'`); // C now shows 1: pushing 3 raises it
    expect(await pool.step()).toBe(false);
    expect(pushed()).toEqual(['A=15', 'B=4', 'C=3']);
    release();
    await pool.drain();
    expect(await pool.step()).toBe(false);
    await pool.drain();
    expect(pushed()).toEqual(['A=15', 'B=4', 'C=3', 'C=3']);
  });

  it('a pool rethrows a connection-wide failure for the loop to back off', async () => {
    const c = channel(() => {
      throw new ConnectorError('SERVER', 'service unavailable', { status: 503 });
    });
    const pool = createDispatchPool({ db: t.db, log, connectionId: channelId(0), connector: c }, 2);
    await pool.step();
    await pool.drain();
    await expect(pool.step()).rejects.toThrow(/service unavailable/);
    expect((await listings()).map((l) => [l.dirty, l.reason])).toEqual([
      [true, null],
      [true, null],
    ]);
  });
});

describe('a connection whose credentials are refused (issue 14, defect 1)', () => {
  const pause = async () =>
    (
      await t.db.query(
        `SELECT paused_reason AS reason, attempts, last_error AS "lastError", next_retry_at > now() AS waiting FROM connection_pauses WHERE connection_id = $1`,
        [channelId(0)],
      )
    ).rows[0];
  const makeDue = () => t.db.query(`UPDATE connection_pauses SET next_retry_at = now() - interval '1 ms'`);

  it("an auth failure returned as one listing's outcome (Amazon) pauses the connection, quarantines nothing, and a probe resumes it", async () => {
    let tokenWorks = false;
    const c = channel((items) =>
      items.map((i) =>
        tokenWorks
          ? { status: 'applied', listingId: i.listing.listingId, quantity: i.quantity }
          : { status: 'failed', listingId: i.listing.listingId, error: new ConnectorError('AUTH', 'Access to requested resource is denied.', { status: 403 }) },
      ),
    );
    const deps = { db: t.db, log, connectionId: channelId(0), connector: c };
    expect(await dispatchOnce(deps)).toBe(false);
    expect(await listings()).toMatchObject([
      { sku: 'A', dirty: true, reason: null },
      { sku: 'B', dirty: true, reason: null },
    ]);
    expect(await pause()).toMatchObject({ reason: 'auth', attempts: 1, lastError: /AUTH: Access to requested resource is denied/, waiting: true });

    // Paused: nothing is pushed until the probe is due.
    expect(await dispatchOnce(deps)).toBe(false);
    expect(c.pushes).toHaveLength(1);
    // Due, still refused: one listing alone probes, and the wait grows.
    await makeDue();
    expect(await dispatchOnce(deps)).toBe(false);
    expect(c.pushes.at(-1)).toHaveLength(1);
    expect(await pause()).toMatchObject({ reason: 'auth', attempts: 2, waiting: true });

    // The right token is back: the next probe goes through, the connection resumes, everything converges.
    tokenWorks = true;
    await makeDue();
    expect(await dispatchOnce(deps)).toBe(true);
    expect(await pause()).toMatchObject({ reason: null });
    while (await dispatchOnce(deps));
    expect((await listings()).map((l) => [l.sku, l.pushed, l.dirty, l.reason])).toEqual([
      ['A', 10, false, null],
      ['B', 10, false, null],
    ]);
  });

  it('a refused call pauses the pool, which probes by a read when nothing is dirty and resumes', async () => {
    let tokenWorks = false;
    const reads: number[] = [];
    const c = {
      ...channel((items) => {
        if (!tokenWorks) throw new ConnectorError('AUTH', 'token revoked', { status: 401 });
        return items.map((i) => ({ status: 'applied' as const, listingId: i.listing.listingId, quantity: i.quantity }));
      }),
      readQuantities: async (refs: { listingId: number }[]) => {
        reads.push(refs.length);
        if (!tokenWorks) throw new ConnectorError('AUTH', 'token revoked', { status: 401 });
        return new Map<number, number>();
      },
    };
    const pool = createDispatchPool({ db: t.db, log, connectionId: channelId(0), connector: c }, 2);
    await pool.step();
    await pool.drain();
    expect(await pool.step()).toBe(false); // paused, not thrown: the loop just sleeps
    expect(await pause()).toMatchObject({ reason: 'auth', attempts: 1 });
    expect((await listings()).map((l) => [l.dirty, l.reason])).toEqual([
      [true, null],
      [true, null],
    ]);
    // Nothing dirty any more (someone else pushed, say): the probe is a read of one listing.
    await t.db.query(`UPDATE listings SET pushed = target`);
    tokenWorks = true;
    await makeDue();
    expect(await pool.step()).toBe(true);
    expect(reads).toEqual([1]);
    expect(await pause()).toMatchObject({ reason: null });
  });
});
