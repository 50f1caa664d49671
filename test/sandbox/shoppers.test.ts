import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import '../../sandbox/amazon/index.js';
import '../../sandbox/warehouse/index.js';
import '../../sandbox/woocommerce/index.js';
import type { InstanceSpec } from '../../sandbox/core/instance.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/server.js';
import { createShopperDriver, type ShopperEvent } from '../../sandbox/shoppers/driver.js';
import { registerShopperRoutes } from '../../sandbox/shoppers/routes.js';
import { httpTarget, instanceTarget } from '../../sandbox/shoppers/targets.js';

const stock = [
  { sku: 'P-1', quantity: 3 },
  { sku: 'P-2', quantity: 2 },
  { sku: 'P-3', quantity: 0 },
];
const specs = (): InstanceSpec[] => [
  { platform: 'woocommerce', name: 'w', skus: stock },
  { platform: 'amazon', name: 'a', skus: stock },
];

let sb: RunningSandbox | undefined;
afterEach(async () => {
  await sb?.close();
  sb = undefined;
});

async function drive(seed: number, steps: number) {
  sb = await startSandbox({ seed: 1, instances: specs() });
  const targets = ['woocommerce/w', 'amazon/a'].map((k) => instanceTarget(sb!.instances.get(k)!));
  const driver = createShopperDriver({ seed, targets, ratePerSecond: 1, lines: { min: 1, max: 2 }, units: { min: 1, max: 2 } });
  const events: ShopperEvent[] = [];
  for (let i = 0; i < steps; i++) events.push(await driver.step());
  const counts = ['woocommerce/w', 'amazon/a'].flatMap((k) => stock.map((s) => sb!.instances.get(k)!.control.getStock(s.sku)!));
  await sb.close();
  sb = undefined;
  return { events, counts, stats: driver.stats() };
}

describe('shoppers', () => {
  it('sell from each channel’s own count, refuse at zero, never go negative', async () => {
    const { events, counts, stats } = await drive(42, 60);
    expect(counts.every((c) => c >= 0)).toBe(true);
    expect(counts.every((c) => c === 0 || c <= 3)).toBe(true);
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats.placed).toBeGreaterThan(0);
    // what was sold on a channel never exceeds what it started with
    for (const channel of ['woocommerce/w', 'amazon/a']) {
      for (const s of stock) {
        const sold = events
          .filter((e) => e.channel === channel && e.result.ok)
          .flatMap((e) => e.lines)
          .filter((l) => l.sku === s.sku)
          .reduce((n, l) => n + l.quantity, 0);
        expect(sold).toBeLessThanOrEqual(s.quantity);
      }
    }
    // P-3 starts at zero: every order naming it is refused
    expect(events.filter((e) => e.lines.some((l) => l.sku === 'P-3')).every((e) => !e.result.ok)).toBe(true);
  });

  it('are deterministic for a seed', async () => {
    const a = await drive(7, 30);
    const b = await drive(7, 30);
    const c = await drive(8, 30);
    const shape = (r: typeof a) => r.events.map((e) => [e.channel, e.lines, e.result.ok]);
    expect(shape(a)).toEqual(shape(b));
    expect(shape(a)).not.toEqual(shape(c));
  });

  it('start and stop at a rate, in process or over the control API', async () => {
    sb = await startSandbox({ seed: 1, instances: specs().map((s) => ({ ...s, skus: [{ sku: 'P-1', quantity: 1_000 }] })) });
    const driver = createShopperDriver({
      seed: 3,
      targets: [httpTarget(sb.url, 'woocommerce', 'w'), instanceTarget(sb.instances.get('amazon/a')!)],
      ratePerSecond: 200,
      arrivals: 'even',
    });
    await driver.start();
    await new Promise((r) => setTimeout(r, 250));
    await driver.stop();
    const after = driver.stats();
    expect(after.attempted).toBeGreaterThan(20);
    expect(after.attempted).toBeLessThan(80);
    expect(after.placed).toBe(after.attempted);
    await new Promise((r) => setTimeout(r, 50));
    expect(driver.stats().attempted).toBe(after.attempted);
    const w = sb.instances.get('woocommerce/w')!.control.getStock('P-1')!;
    const a = sb.instances.get('amazon/a')!.control.getStock('P-1')!;
    expect(2_000 - w - a).toBe(after.units);
  });

  it('can be driven through HTTP routes', async () => {
    sb = await startSandbox({ seed: 1, instances: specs() });
    const app = Fastify();
    registerShopperRoutes(app, sb.instances, 9);
    const bad = await app.inject({ method: 'POST', url: '/_sandbox/shoppers/start', payload: { ratePerSecond: 0 } });
    expect(bad.statusCode).toBe(400);
    const started = await app.inject({ method: 'POST', url: '/_sandbox/shoppers/start', payload: { ratePerSecond: 500 } });
    expect(started.json()).toEqual({ running: true, channels: ['woocommerce/w', 'amazon/a'] });
    await new Promise((r) => setTimeout(r, 100));
    const stopped = (await app.inject({ method: 'POST', url: '/_sandbox/shoppers/stop' })).json();
    expect(stopped.running).toBe(false);
    expect(stopped.stats.attempted).toBeGreaterThan(5);
    for (const k of ['woocommerce/w', 'amazon/a']) for (const s of stock) expect(sb.instances.get(k)!.control.getStock(s.sku)).toBeGreaterThanOrEqual(0);
    await app.close();
  });
});
