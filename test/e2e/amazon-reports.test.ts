// Reconciliation of an Amazon channel through the listings report, end to end: the
// sandbox generates GET_MERCHANT_LISTINGS_ALL_DATA, the engine (real PostgreSQL) reads it
// as a stream and corrects the drift; an unusable report fails the run with its reason.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { create } from '../../src/connectors/amazon/index.js';
import type { ChannelConnector } from '../../src/connectors/types.js';
import { reconcileConnection } from '../../src/engine/workers/reconciler.js';
import { converged, eventually, listing } from './helpers.js';
import { startStack, type Stack } from './stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const silent = pino({ level: 'silent' });
const SKUS = Array.from({ length: 40 }, (_, i) => ({ sku: `AR-${i + 1}`, quantity: 20 }));

function reportStack(reports: Record<string, unknown>, options = '') {
  return startStack({
    channels: ['amazon'],
    skus: SKUS,
    // No notifications: the drift made by hand is for reconciliation to find.
    webhooks: false,
    // Platform ms x timeScale 0.001: a report is ready in a few ms; the engine polls every 20 ms.
    instanceOptions: { amazon: { reports: { baseMs: 5_000, msPerListing: 10, queueMs: 1_000, ...reports } } },
    connectionOptions: { amazon: `fullRead: report, reportPollMs: 20, reportPageSize: 15, ${options}` },
  });
}

const amazonCalls = (s: Stack, op: string) => s.instance('amazon').stats().calls[op] ?? 0;

describe('Amazon reconciliation through the listings report', () => {
  it('corrects drift both ways from the report, without a single paged read', async () => {
    stack = await reportStack({});
    const skus = SKUS.map((s) => s.sku);
    await converged(stack, ['amazon'], skus);
    const amazon = stack.instance('amazon');
    amazon.control.setStock('AR-3', 35); // someone raised it by hand: above its target
    amazon.control.setStock('AR-7', 4); // lowered by hand, no order behind it
    amazon.resetStats();
    const report = await reconcileConnection({
      db: stack.db,
      log: silent,
      connectionId: 'amazon',
      connector: stack.engine.connectors.get('amazon') as ChannelConnector,
      trigger: 'manual',
    });
    expect(report.checked).toBe(40);
    expect(report.drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sku: 'AR-3', believed: 20, actual: 35, action: 'lowered' }),
        expect.objectContaining({ sku: 'AR-7', believed: 20, actual: 4, action: 'raised' }),
      ]),
    );
    expect(report.drift).toHaveLength(2);
    expect(amazonCalls(stack, 'createReport')).toBe(1);
    expect(amazonCalls(stack, 'getReportDocument')).toBe(1);
    expect(amazonCalls(stack, 'searchListingsItems')).toBe(0);
    await eventually('AR-3 and AR-7 back at 20', async () => amazon.control.getStock('AR-3') === 20 && amazon.control.getStock('AR-7') === 20);
    await converged(stack, ['amazon'], skus);
    expect((await listing(stack, 'amazon', 'AR-3')).pushed).toBe(20);
  });

  it('a FATAL report fails the run with its reason when fallback is off; with it on (the default), paged reads reconcile', async () => {
    stack = await reportStack({ outcomes: ['FATAL', 'FATAL'] }, 'reportFallback: fail');
    await converged(
      stack,
      ['amazon'],
      SKUS.map((s) => s.sku),
    );
    const connector = stack.engine.connectors.get('amazon') as ChannelConnector;
    await expect(reconcileConnection({ db: stack.db, log: silent, connectionId: 'amazon', connector, trigger: 'manual' })).rejects.toThrow(
      /report \d+ ended FATAL \(Report processing failed/,
    );
    const { rows } = await stack.db.query(`SELECT status, error FROM reconciliations WHERE connection_id = 'amazon' ORDER BY id DESC LIMIT 1`);
    expect(rows[0]).toEqual({ status: 'failed', error: expect.stringContaining('reportFallback is fail') });
    // The same connection with the default fallback: the next report is FATAL too, and the
    // paged reads reconcile instead.
    stack.instance('amazon').control.setStock('AR-2', 50);
    const fallback = create({
      connectionId: 'amazon',
      baseUrl: `${stack.sandbox.url}/amazon/seller`,
      credentials: { accessToken: 'Atza|seller' },
      options: { sellerId: 'SELLER1', marketplaceId: 'ATVPDKIKX0DER', rateScale: 50, fullRead: 'report', reportPollMs: 20 },
    });
    const report = await reconcileConnection({ db: stack.db, log: silent, connectionId: 'amazon', connector: fallback, trigger: 'manual' });
    expect(report.drift).toEqual([expect.objectContaining({ sku: 'AR-2', actual: 50, action: 'lowered' })]);
    expect(amazonCalls(stack, 'searchListingsItems')).toBeGreaterThanOrEqual(2);
  });

  it('a cached report older than the run is not used: the run reads paged and sees the drift made since', async () => {
    stack = await reportStack({ cacheMs: 6 * 3_600_000 }, 'reportClockSkewMs: 0');
    const skus = SKUS.map((s) => s.sku);
    await converged(stack, ['amazon'], skus);
    const connector = stack.engine.connectors.get('amazon') as ChannelConnector;
    const run = () => reconcileConnection({ db: stack!.db, log: silent, connectionId: 'amazon', connector, trigger: 'manual' });
    expect((await run()).drift).toEqual([]);
    stack.instance('amazon').control.setStock('AR-9', 44); // after the first report
    await new Promise((r) => setTimeout(r, 20));
    stack.instance('amazon').resetStats();
    const second = await run();
    // Amazon answered with the first report (its createdTime before this run): not used.
    expect(second.drift).toEqual([expect.objectContaining({ sku: 'AR-9', believed: 20, actual: 44, action: 'lowered' })]);
    expect(amazonCalls(stack, 'createReport')).toBe(1);
    expect(amazonCalls(stack, 'getReportDocument')).toBe(0);
    expect(amazonCalls(stack, 'searchListingsItems')).toBe(2);
    await eventually('AR-9 back at 20', async () => stack!.instance('amazon').control.getStock('AR-9') === 20);
  });
});
