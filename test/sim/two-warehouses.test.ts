// The two-warehouse simulation (`simulate --warehouses 2`): its workload generator (pure,
// property-tested), the engine config it gives the stack, and the truth that judges each
// warehouse on its own stock: an order short at its warehouse is oversold even when the
// other warehouse holds the units, and a channel's true ATS is what its own warehouses
// can give.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addItem, createOrder, createStore, type WarehouseStore } from '../../sandbox/warehouse/store.js';
import { parseConfig } from '../../src/config/index.js';
import { stackConfigYaml } from '../../src/harness/stack.js';
import { runSimulation } from '../../src/sim/run.js';
import { SIM_WAREHOUSES, TWO_WAREHOUSE_SOURCES } from '../../src/sim/warehouse-layout.js';
import type { warehouseFigures } from '../../src/sim/warehouse-report.js';
import { servableByChannel, WarehouseTruth } from '../../src/sim/warehouse-truth.js';
import { buildWorkload, SIM_CHANNELS, type WorkloadParams } from '../../src/sim/workload.js';
import { createTestDatabase } from '../helpers/db.js';

const paramsArb = fc.record({
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  skus: fc.integer({ min: 1, max: 40 }),
  durationSec: fc.integer({ min: 1, max: 20 }),
  orderRate: fc.integer({ min: 1, max: 30 }),
});
const paramsOf = (p: { seed: number; skus: number; durationSec: number; orderRate: number }): WorkloadParams => ({
  ...p,
  channels: SIM_CHANNELS,
  scale: 60,
});

describe('the two-warehouse workload', () => {
  it('splits every SKU between east and west, sends each warehouse event to one that stocks it, and leaves the rest of the plan as with one', () => {
    fc.assert(
      fc.property(paramsArb, (p) => {
        const one = buildWorkload(paramsOf(p));
        const two = buildWorkload({ ...paramsOf(p), warehouses: 2 });
        for (const k of two.skus) {
          const at = k.stockAt!;
          expect(Object.keys(at).sort()).toEqual([...SIM_WAREHOUSES].sort());
          expect(at.east + at.west).toBe(k.initial);
          expect(Math.min(at.east, at.west)).toBeGreaterThanOrEqual(0);
        }
        const stock = new Map(two.skus.map((k) => [k.sku, k.stockAt!]));
        for (const e of two.events) {
          if (e.kind === 'order' || e.kind === 'cancel') continue;
          expect(e.warehouse).toBeDefined();
          expect(stock.get(e.sku)![e.warehouse!]).toBeGreaterThan(0);
        }
        // one warehouse: no placement at all (so its hash is the one of earlier runs)
        expect(one.skus.every((k) => k.stockAt === undefined)).toBe(true);
        expect(one.events.every((e) => !('warehouse' in e))).toBe(true);
        const strip = (events: typeof two.events) => events.map((e) => ({ ...e, warehouse: undefined }));
        expect(strip(two.events)).toEqual(strip(one.events));
        expect(two.skus.map((k) => k.initial)).toEqual(one.skus.map((k) => k.initial));
      }),
      { numRuns: 60 },
    );
  });

  it('stocks some SKUs at one warehouse only, and some at both', () => {
    const w = buildWorkload({ ...paramsOf({ seed: 7, skus: 150, durationSec: 1, orderRate: 1 }), warehouses: 2 });
    const eastOnly = w.skus.filter((k) => k.stockAt!.west === 0).length;
    const westOnly = w.skus.filter((k) => k.stockAt!.east === 0).length;
    expect(eastOnly).toBeGreaterThan(10);
    expect(westOnly).toBeGreaterThan(10);
    expect(w.skus.length - eastOnly - westOnly).toBeGreaterThan(50);
  });

  it('gives channels sources the engine accepts: each a non-empty list of the two warehouses, every warehouse some channel sells from', () => {
    for (const c of SIM_CHANNELS) {
      expect(TWO_WAREHOUSE_SOURCES[c].length).toBeGreaterThan(0);
      expect(TWO_WAREHOUSE_SOURCES[c].every((w) => SIM_WAREHOUSES.includes(w))).toBe(true);
    }
    expect(new Set(SIM_CHANNELS.flatMap((c) => TWO_WAREHOUSE_SOURCES[c]))).toEqual(new Set(SIM_WAREHOUSES));
    const skus = [{ sku: 'A', quantity: 3 }];
    const yaml = stackConfigYaml('http://127.0.0.1:1', {
      skus,
      channels: [...SIM_CHANNELS],
      warehouses: SIM_WAREHOUSES.map((id) => ({ id, skus })),
      sources: TWO_WAREHOUSE_SOURCES,
    });
    const config = parseConfig(yaml, { TEST_DATABASE_URL: 'postgres://x@127.0.0.1/x' }, 'test');
    const channel = (id: string) => config.connections.find((c) => c.id === id) as { fulfilledBy?: string; sources?: string[] };
    expect(channel('shop')).toMatchObject({ fulfilledBy: 'east', sources: ['east', 'west'] });
    expect(channel('amazon')).toMatchObject({ fulfilledBy: 'west', sources: ['west'] });
    expect(channel('woo')).toMatchObject({ fulfilledBy: 'east', sources: ['east'] });
    expect(config.connections.filter((c) => c.kind === 'warehouse').map((c) => c.id)).toEqual(['east', 'west']);
  });
});

/** A sandbox 3PL holding `stock`, whose ledger the truth follows. */
function warehouse(stock: Record<string, number>): WarehouseStore {
  const store = createStore(() => new Date(0));
  for (const [sku, units] of Object.entries(stock)) addItem(store, sku, units);
  return store;
}

describe('the truth over two warehouses', () => {
  it('counts an order short at its warehouse as oversold although the other warehouse holds enough', () => {
    const east = warehouse({ A: 1 });
    const west = warehouse({ A: 5 });
    const truth = new WarehouseTruth([
      { id: 'east', ledger: east.ledger, opening: [{ sku: 'A', onHand: 1 }] },
      { id: 'west', ledger: west.ledger, opening: [{ sku: 'A', onHand: 5 }] },
    ]);
    // WooCommerce sells from east only and took 2 units: east cannot allocate them.
    expect(createOrder(east, 'stocksync-1', [{ sku: 'A', quantity: 2 }], false).ok).toBe(true);
    expect(createOrder(west, 'stocksync-2', [{ sku: 'A', quantity: 2 }], false).ok).toBe(true);
    expect(truth.follow()).toEqual(['stocksync-1']);
    expect(truth.available('A')).toBe(1 - 2 + 3); // the total alone would say 2 units are left
    expect([...truth.oversold]).toEqual([['stocksync-1', 2]]);
    expect(truth.detectors.get('east')!.oversold.size).toBe(1);
    expect(truth.detectors.get('west')!.oversold.size).toBe(0);
    // what east had free for the line when it started waiting: judges whether east lacked
    // only units the engine had routed to west (a misrouted order) or its own part too
    expect(truth.detectors.get('east')!.shortLines.get('stocksync-1')).toEqual([{ sku: 'A', wanted: 2, free: 1 }]);
  });

  it('gives each channel what its own warehouses can give once the units in flight are served', () => {
    const channels = [
      { id: 'shopify', sources: ['east', 'west'], inFlight: 0 },
      { id: 'amazon', sources: ['west'], inFlight: 1 },
      { id: 'woocommerce', sources: ['east'], inFlight: 2 },
    ];
    const at = (east: number, west: number) => new Map(Object.entries({ east, west }));
    const short = servableByChannel(at(1, 5), channels);
    // WooCommerce sold 2 of east's 1: nothing left for it, whatever west holds; east's unit
    // goes to WooCommerce's order, Amazon's order takes one of west's 5
    expect(Object.fromEntries(short.byChannel)).toEqual({ shopify: 4, amazon: 4, woocommerce: 0 });
    expect(short.pool).toBe(4);
    // with WooCommerce's sales within east's stock, Shopify reaches east's last unit too
    const within = servableByChannel(at(3, 5), channels);
    expect(Object.fromEntries(within.byChannel)).toEqual({ shopify: 5, amazon: 4, woocommerce: 1 });
    expect(within.pool).toBe(5);
  });

  it('with one warehouse, every channel gets available - every unit in flight, at least 0 (the single-3PL truth)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 50 }), fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 3 }), (available, inFlight) => {
        const channels = inFlight.map((units, i) => ({ id: `c${i}`, sources: ['wh'], inFlight: units }));
        const { byChannel, pool } = servableByChannel(new Map([['wh', available]]), channels);
        const expected = Math.max(0, available - inFlight.reduce((a, b) => a + b, 0));
        expect(pool).toBe(expected);
        for (const c of channels) expect(byChannel.get(c.id)).toBe(expected);
      }),
    );
  });

  it('never gives a channel more than its own warehouses hold less its own units in flight, nor more than all channels could sell', () => {
    const sourcesArb = fc.subarray(['east', 'west'], { minLength: 1 });
    fc.assert(
      fc.property(
        fc.integer({ min: -3, max: 20 }),
        fc.integer({ min: -3, max: 20 }),
        fc.array(fc.record({ sources: sourcesArb, inFlight: fc.integer({ min: 0, max: 6 }) }), { minLength: 1, maxLength: 4 }),
        (east, west, specs) => {
          const available = new Map([
            ['east', east],
            ['west', west],
          ]);
          const channels = specs.map((s, i) => ({ id: `c${i}`, ...s }));
          const { byChannel, pool } = servableByChannel(available, channels);
          const reached = new Set(channels.flatMap((c) => c.sources)); // a warehouse no channel sells from counts for none
          const total = [...reached].reduce((sum, w) => sum + Math.max(0, available.get(w)!), 0);
          const inFlight = channels.reduce((sum, c) => sum + c.inFlight, 0);
          expect(pool).toBeGreaterThanOrEqual(Math.max(0, total - inFlight));
          expect(pool).toBeLessThanOrEqual(total);
          for (const c of channels) {
            const x = byChannel.get(c.id)!;
            const own = c.sources.reduce((sum, w) => sum + Math.max(0, available.get(w)!), 0);
            expect(x).toBeGreaterThanOrEqual(0);
            expect(x).toBeLessThanOrEqual(Math.max(0, own - c.inFlight));
            expect(x).toBeLessThanOrEqual(pool);
          }
        },
      ),
    );
  });
});

describe('a short two-warehouse run on the real engine', () => {
  it('sends orders to both 3PLs and reports each one on its own', async () => {
    const testDb = await createTestDatabase({ migrate: false });
    try {
      const report = await runSimulation(testDb.url, {
        seed: 3,
        skus: 20,
        channels: [...SIM_CHANNELS],
        durationSec: 5,
        orderRate: 10,
        scale: 60,
        warehouses: 2,
        strategy: 'full',
        faultProfile: 'none',
        settleMs: 5_000,
      });
      const { byWarehouse, splitOrders } = report.warehouses as Awaited<ReturnType<typeof warehouseFigures>>;
      expect(Object.keys(byWarehouse)).toEqual(['east', 'west']);
      for (const figures of Object.values(byWarehouse)) expect(figures.ordersReceived).toBeGreaterThan(0);
      // every oversold unit is some warehouse's own
      expect(Object.values(byWarehouse).reduce((sum, f) => sum + f.oversoldUnits, 0)).toBe(report.oversoldUnits);
      expect(splitOrders.orders).toBeGreaterThanOrEqual(0);
      expect((report.workload as { warehouses: number }).warehouses).toBe(2);
    } finally {
      await testDb.drop();
    }
  }, 180_000);
});
