// Amazon full reads through the Reports API (createReport -> getReport -> getReportDocument
// -> streamed TSV) against the Amazon simulator's reports, and the fallbacks.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from '../../src/connectors/amazon/index.js';
import type { ChannelConnector, ChannelQuantity, ListingRef, Page } from '../../src/connectors/types.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';

const SELLER = 'ASELLER1';
const MARKET = 'ATVPDKIKX0DER';
const TOKEN = 'Atza|test';
const skus = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ sku: `${prefix}-${i + 1}`, quantity: i + 1 }));
// timeScale 0.01: a report of n listings takes (20 + 0.02 n) ms after 5 ms in the queue.
const reports = (extra: Record<string, unknown> = {}) => ({ baseMs: 2_000, msPerListing: 2, queueMs: 500, ...extra });
const sim = (extra: Record<string, unknown> = {}, rateScale = 100) => ({ sellerId: SELLER, accessToken: TOKEN, rateScale, ...extra });

let sb: RunningSandbox;
const inst = (name: string) => sb.instances.get(`amazon/${name}`)!;
const calls = (name: string, op: string) => inst(name).stats().calls[op] ?? 0;
const connector = (name: string, extra: Record<string, unknown> = {}, rateScale = 100): ChannelConnector =>
  create({
    connectionId: `amz-${name}`,
    baseUrl: `${sb.url}/amazon/${name}`,
    credentials: { accessToken: TOKEN },
    options: {
      sellerId: SELLER,
      marketplaceId: MARKET,
      rateScale,
      fullRead: 'report',
      reportPollMs: 10,
      retry: { attempts: 8, baseMs: 5, maxMs: 50 },
      ...extra,
    },
  });
const known = (prefix: string, n: number): ListingRef[] =>
  Array.from({ length: n }, (_, i) => ({ listingId: i + 1, sku: `${prefix}-${i + 1}`, platformIds: {} }));

/** Every page of one full read, as the reconciler asks for them. */
async function readAll(c: ChannelConnector, refs: ListingRef[]): Promise<Page<ChannelQuantity>[]> {
  const pages: Page<ChannelQuantity>[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<ChannelQuantity> = await c.listQuantities(cursor, refs);
    pages.push(page);
    cursor = page.next;
  } while (cursor !== null);
  return pages;
}
const counts = (pages: Page<ChannelQuantity>[]) => new Map(pages.flatMap((p) => p.items.map((i) => [i.sku, i.quantity] as const)));

beforeAll(async () => {
  sb = await startSandbox({
    seed: 3,
    timeScale: 0.01,
    faults: 'none',
    instances: [
      { platform: 'amazon', name: 'big', skus: skus('R', 2_500), options: sim({ reports: reports() }) },
      {
        platform: 'amazon',
        name: 'plain',
        skus: [...skus('Q', 5), { sku: 'Café-1', quantity: 4 }],
        options: sim({ reports: reports({ gzip: false, charset: 'Cp1252' }) }),
      },
      { platform: 'amazon', name: 'fatal', skus: skus('F', 30), options: sim({ reports: reports({ outcomes: ['FATAL', 'FATAL', 'CANCELLED'] }) }) },
      { platform: 'amazon', name: 'cached', skus: skus('C', 30), options: sim({ reports: reports({ cacheMs: 3_600_000 }) }) },
      { platform: 'amazon', name: 'throttle', skus: skus('T', 10), options: sim({ reports: reports(), retryAfterHeader: true }, 20) },
      { platform: 'amazon', name: 'small', skus: skus('S', 30), options: sim({ reports: reports() }) },
    ],
  });
});
afterAll(async () => {
  await sb.close();
});

describe('Amazon listings report', () => {
  it('reads every known listing from one gzip report, page by page, each page as of the request', async () => {
    const c = connector('big', { reportPageSize: 400 });
    const refs = known('R', 2_500).filter((l) => l.listingId % 5 !== 0); // the seller lists more than we know
    refs.push({ listingId: 9_999, sku: 'NOT-ON-AMAZON', platformIds: {} });
    const before = new Date();
    const pages = await readAll(c, refs);
    // 2,000 known listings, 400 a page (the stream's end may come as one more, empty page)
    expect(pages.slice(0, 5).map((p) => p.items.length)).toEqual([400, 400, 400, 400, 400]);
    expect(pages.slice(5).every((p) => p.items.length === 0)).toBe(true);
    const got = counts(pages);
    expect(got.size).toBe(2_000);
    for (const l of refs.slice(0, -1)) expect(got.get(l.sku)).toBe(l.listingId); // quantity i + 1
    expect(pages[0]!.items[0]!.platformIds).toEqual({ sellerSku: 'R-1', asin: expect.stringMatching(/^B0/) });
    const asOf = pages[0]!.asOf!;
    expect(asOf.getTime()).toBeGreaterThanOrEqual(before.getTime());
    for (const p of pages) expect(p.asOf).toEqual(asOf);
    expect(calls('big', 'createReport')).toBe(1);
    expect(calls('big', 'getReportDocument')).toBe(1);
    expect(calls('big', 'getReport')).toBeGreaterThanOrEqual(2); // IN_QUEUE / IN_PROGRESS first
    expect(calls('big', 'searchListingsItems')).toBe(0);
    const truth = inst('big').control.truth() as { documents: { gzip: boolean }[] };
    expect(truth.documents).toEqual([expect.objectContaining({ gzip: true })]);
  });

  it('reads a plain (not gzip) document in Cp1252, as European reports come', async () => {
    const c = connector('plain');
    const refs: ListingRef[] = [...known('Q', 5), { listingId: 6, sku: 'Café-1', platformIds: {} }];
    const got = counts(await readAll(c, refs));
    expect(got).toEqual(
      new Map([
        ['Q-1', 1],
        ['Q-2', 2],
        ['Q-3', 3],
        ['Q-4', 4],
        ['Q-5', 5],
        ['Café-1', 4],
      ]),
    );
    expect((inst('plain').control.truth() as { documents: { gzip: boolean; charset: string }[] }).documents).toEqual([
      expect.objectContaining({ gzip: false, charset: 'Cp1252' }),
    ]);
  });

  it('a FATAL report falls back to paged reads, or fails the run with the reason', async () => {
    await expect(readAll(connector('fatal', { reportFallback: 'fail' }), known('F', 30))).rejects.toThrow(/FATAL \(Report processing failed/);
    const pages = await readAll(connector('fatal'), known('F', 30)); // FATAL again: paged
    expect(counts(pages).size).toBe(30);
    expect(pages.every((p) => p.asOf === undefined)).toBe(true);
    expect(calls('fatal', 'searchListingsItems')).toBe(2); // 30 listings, 20 a call
    await expect(readAll(connector('fatal', { reportFallback: 'fail' }), known('F', 30))).rejects.toThrow(/CANCELLED/);
  });

  it('never uses a cached report older than the run: falls back, or fails saying so', async () => {
    const c = connector('cached', { reportClockSkewMs: 0, reportFallback: 'fail' });
    const first = await readAll(c, known('C', 30));
    expect(counts(first).size).toBe(30);
    inst('cached').control.setStock('C-1', 77); // after the report
    await new Promise((r) => setTimeout(r, 50));
    // Amazon hands the earlier report back: its createdTime predates this request.
    await expect(readAll(c, known('C', 30))).rejects.toThrow(/stale: created .* before this run's request/);
    const paged = await readAll(connector('cached', { reportClockSkewMs: 0 }), known('C', 30));
    expect(counts(paged).get('C-1')).toBe(77);
    expect(calls('cached', 'createReport')).toBe(3);
    expect((inst('cached').control.truth() as { reports: unknown[] }).reports).toHaveLength(1);
  });

  it('a throttled createReport waits for the Retry-After it is given, then reads', async () => {
    // Another process of the same app spent the operation's burst: Amazon answers 429.
    for (let i = 0; i < 15; i++) {
      const res = await fetch(`${sb.url}/amazon/throttle/reports/2021-06-30/reports`, {
        method: 'POST',
        headers: { 'x-amz-access-token': TOKEN, 'content-type': 'application/json' },
        body: JSON.stringify({ reportType: 'GET_MERCHANT_LISTINGS_ALL_DATA', marketplaceIds: [MARKET] }),
      });
      expect(res.status).toBe(202);
    }
    const c = connector('throttle', {}, 1_000); // our own pacing out of the way
    const started = Date.now();
    const got = counts(await readAll(c, known('T', 10)));
    expect(got.size).toBe(10);
    expect(inst('throttle').stats().throttled).toBeGreaterThanOrEqual(1);
    // 0.0167 x 20 tokens/s: the next token came about 3 s after the burst was spent.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  });

  it('auto: paged below reportMinListings, a report from it on; a single SKU is always read paged', async () => {
    const small = connector('small', { fullRead: 'auto', reportMinListings: 31 });
    expect(counts(await readAll(small, known('S', 30))).size).toBe(30);
    expect(calls('small', 'createReport')).toBe(0);
    const large = connector('small', { fullRead: 'auto', reportMinListings: 30 });
    const pages = await readAll(large, known('S', 30));
    expect(counts(pages).size).toBe(30);
    expect(pages[0]!.asOf).toBeInstanceOf(Date);
    expect(calls('small', 'createReport')).toBe(1);
    expect(await large.readQuantities(known('S', 1))).toEqual(new Map([[1, 1]]));
  });

  it('a download that will not start (its URL refused) falls back to paged reads, or fails', async () => {
    // Between the connector and the simulator: getReportDocument's URL is made unusable.
    const proxy = createServer(async (req, res) => {
      const body = await new Promise<Buffer>((r) => {
        const parts: Buffer[] = [];
        req.on('data', (c: Buffer) => parts.push(c)).on('end', () => r(Buffer.concat(parts)));
      });
      const upstream = await fetch(`${sb.url}/amazon/small${req.url}`, {
        method: req.method!,
        headers: { 'x-amz-access-token': TOKEN, 'content-type': 'application/json' },
        ...(body.length > 0 && { body }),
      });
      let text = await upstream.text();
      if (req.url!.includes('/documents/')) text = text.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=forged');
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const baseUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const via = (extra: Record<string, unknown>) =>
      create({
        connectionId: 'amz-proxy',
        baseUrl,
        credentials: { accessToken: TOKEN },
        options: {
          sellerId: SELLER,
          marketplaceId: MARKET,
          rateScale: 100,
          fullRead: 'report',
          reportPollMs: 10,
          retry: { attempts: 2, baseMs: 5, maxMs: 10 },
          ...extra,
        },
      });
    try {
      await expect(readAll(via({ reportFallback: 'fail' }), known('S', 30))).rejects.toThrow(/download answered 403/);
      const pages = await readAll(via({}), known('S', 30));
      expect(counts(pages).size).toBe(30);
      expect(pages[0]!.asOf).toBeUndefined(); // read paged
    } finally {
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });

  it('refuses a report cursor it does not hold (a restarted process): the read starts again', async () => {
    await expect(connector('small').listQuantities('report:42', known('S', 30))).rejects.toThrow(/over or expired/);
  });
});
