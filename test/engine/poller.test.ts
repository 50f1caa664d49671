// Layer 3 against a scripted channel: pages, an overlap window, deduplication, and a sweep
// interrupted by a crash resuming from its saved page.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelConnector, ChannelOrder, Page } from '../../src/connectors/types.js';
import { pollOnce } from '../../src/engine/workers/poller.js';
import { readCursor } from '../../src/store/cursors.js';
import { loadFixture, channelId } from '../helpers/catalog.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 1 });
});
afterAll(async () => t.drop());

const log = pino({ level: 'silent' });
const order = (i: number): ChannelOrder => ({
  externalId: `o${i}`,
  placedAt: new Date(Date.UTC(2026, 10, 27, 0, i)),
  updatedAt: new Date(Date.UTC(2026, 10, 27, 0, i)),
  cancelled: false,
  lines: [{ sku: 'A', quantity: 1 }],
});

/** A channel with 5 orders in pages of 2; `failOnPage` throws once when that page is asked for. */
function scriptedChannel(calls: { since: Date; page: string | null; known?: string[] }[], failOnPage?: string): ChannelConnector {
  let failed = false;
  const orders = [0, 1, 2, 3, 4].map(order);
  return {
    kind: 'channel',
    platform: 'scripted',
    capabilities: {
      maxBatch: 1,
      compareAndSet: false,
      relativeAdjust: false,
      webhookVerification: 'hmac-sha256-base64',
      asyncApply: false,
      rateLimit: { kind: 'none' },
    },
    async pollOrders(since, page, known): Promise<Page<ChannelOrder>> {
      calls.push({ since, page, ...(known && { known: [...(await known(['o0', 'o3', 'nope']))].sort() }) });
      if (page === failOnPage && !failed) {
        failed = true;
        throw new Error('connection reset');
      }
      const start = page === null ? 0 : Number(page);
      return { items: orders.slice(start, start + 2), next: start + 2 < orders.length ? String(start + 2) : null };
    },
    push: async () => [],
    readQuantities: async () => new Map(),
    listQuantities: async () => ({ items: [], next: null }),
    resolveListings: async () => new Map(),
    verifyWebhook: () => false,
    parseWebhook: () => {
      throw new Error('no');
    },
  };
}

describe('incremental polling', () => {
  it('resumes an interrupted sweep from its saved page, then advances the cursor', async () => {
    const calls: { since: Date; page: string | null; known?: string[] }[] = [];
    const connector = scriptedChannel(calls, '4');
    const now = new Date(Date.UTC(2026, 10, 28, 12, 0));
    const deps = { db: t.db, log, connectionId: channelId(0), connector, overlapMs: 60_000, initialLookbackMs: 86_400_000, now: () => now };
    await expect(pollOnce(deps)).rejects.toThrow(/connection reset/);
    const saved = await readCursor(t.db, channelId(0), 'orders');
    expect(saved).toMatchObject({ pageCursor: '4', sweepStarted: now });
    const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM orders`);
    expect(rows[0].n).toBe(4); // pages 0 and 2 were ingested before the crash

    const later = new Date(now.getTime() + 5_000);
    const r = await pollOnce({ ...deps, now: () => later });
    expect(r).toMatchObject({ pages: 1, items: 1 });
    expect(calls.at(-1)!.page).toBe('4'); // resumed where it stopped
    const cursor = await readCursor(t.db, channelId(0), 'orders');
    // Ingested up to when the interrupted sweep began, not when it finished.
    expect(cursor).toMatchObject({ since: now, pageCursor: null, sweepStarted: null });

    // The next sweep starts before the cursor by the overlap window; repeats are deduplicated.
    calls.length = 0;
    await pollOnce({ ...deps, now: () => new Date(later.getTime() + 60_000) });
    expect(calls[0]).toMatchObject({ since: new Date(now.getTime() - 60_000), page: null });
    // The connector may skip what the engine recorded (Amazon's per-order line items).
    expect(calls[0]!.known).toEqual(['o0', 'o3']);
    const again = await t.db.query(`SELECT count(*)::int AS n, COALESCE(sum(quantity), 0)::int AS units FROM claims`);
    expect(again.rows[0]).toEqual({ n: 5, units: 5 });
  });
});
