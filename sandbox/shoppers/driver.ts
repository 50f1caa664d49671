// Seeded shoppers: they place orders on channel instances at a given rate, each channel
// selling from its own count (decremented at the moment of sale, before any app hears of
// it; refused at zero). Several channels selling the same stock on their own counts is
// exactly where oversells come from, which is what the engine is tested against.
import { createRng, type Rng } from '../core/rng.js';
import type { ShopperOrderResult, SkuQuantity } from '../core/instance.js';
import type { ShopperTarget } from './targets.js';

export interface ShopperOptions {
  seed: number;
  targets: ShopperTarget[];
  /** Orders per real second, over all channels together. */
  ratePerSecond: number;
  /** Relative share of orders per channel key (default: equal). */
  weights?: Record<string, number>;
  /** Lines per order (default 1..1) and units per line (default 1..2), inclusive. */
  lines?: { min: number; max: number };
  units?: { min: number; max: number };
  /** 'poisson' (default): exponential gaps, as independent shoppers; 'even': a fixed gap. */
  arrivals?: 'poisson' | 'even';
  /** Called after every attempt, accepted or refused. */
  onOrder?: (e: ShopperEvent) => void;
}

export interface ShopperEvent {
  seq: number;
  channel: string;
  lines: SkuQuantity[];
  result: ShopperOrderResult;
  at: number;
}

export interface ShopperStats {
  attempted: number;
  placed: number;
  refused: number;
  failed: number;
  units: number;
  byChannel: Record<string, { placed: number; refused: number; units: number }>;
}

export interface ShopperDriver {
  start(): Promise<void>;
  /** Stops scheduling and waits for orders already in flight. */
  stop(): Promise<void>;
  /** Places the next order now (what start() does on each tick); for step-by-step tests. */
  step(): Promise<ShopperEvent>;
  running(): boolean;
  stats(): ShopperStats;
}

function draw(rng: Rng, r: { min: number; max: number }): number {
  return rng.int(Math.min(r.min, r.max), Math.max(r.min, r.max));
}

export function createShopperDriver(o: ShopperOptions): ShopperDriver {
  if (o.targets.length === 0) throw new Error('shoppers need at least one channel');
  if (!(o.ratePerSecond > 0)) throw new Error('ratePerSecond must be positive');
  // separate streams: what is bought does not depend on how the gaps were drawn
  const choose = createRng(o.seed, 'shoppers/choices');
  const gaps = createRng(o.seed, 'shoppers/arrivals');
  const skus = new Map<string, string[]>();
  const inflight = new Set<Promise<unknown>>();
  const stats: ShopperStats = { attempted: 0, placed: 0, refused: 0, failed: 0, units: 0, byChannel: {} };
  let timer: NodeJS.Timeout | undefined;
  let active = false;
  let seq = 0;

  const weighted = o.targets.map((t) => ({ t, w: Math.max(0, o.weights?.[t.key] ?? 1) }));
  const totalWeight = weighted.reduce((s, x) => s + x.w, 0);
  if (totalWeight <= 0) throw new Error('at least one channel needs a positive weight');

  const pickTarget = (): ShopperTarget => {
    let r = choose.next() * totalWeight;
    for (const { t, w } of weighted) {
      if (r < w) return t;
      r -= w;
    }
    return weighted[weighted.length - 1]!.t;
  };

  async function catalogue(t: ShopperTarget): Promise<string[]> {
    let list = skus.get(t.key);
    if (!list) skus.set(t.key, (list = [...(await t.listSkus())].sort()));
    return list;
  }

  async function step(): Promise<ShopperEvent> {
    const target = pickTarget();
    const n = draw(choose, o.lines ?? { min: 1, max: 1 });
    const units = o.units ?? { min: 1, max: 2 };
    // draw every choice before any await, so the sequence is fixed by the seed alone
    const picks = Array.from({ length: n }, () => ({ idx: choose.next(), quantity: draw(choose, units) }));
    const id = ++seq;
    const list = await catalogue(target);
    const bySku = new Map<string, number>();
    for (const p of picks) {
      if (list.length === 0) break;
      const sku = list[Math.floor(p.idx * list.length)]!;
      bySku.set(sku, (bySku.get(sku) ?? 0) + p.quantity);
    }
    const lines = [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
    let result: ShopperOrderResult;
    try {
      result = lines.length > 0 ? await target.order(lines) : { ok: false, reason: 'channel lists no SKU' };
    } catch (e) {
      stats.failed++;
      result = { ok: false, reason: `request failed: ${(e as Error).message}` };
    }
    const c = (stats.byChannel[target.key] ??= { placed: 0, refused: 0, units: 0 });
    stats.attempted++;
    if (result.ok) {
      const u = lines.reduce((s, l) => s + l.quantity, 0);
      stats.placed++;
      stats.units += u;
      c.placed++;
      c.units += u;
    } else {
      stats.refused++;
      c.refused++;
    }
    const event: ShopperEvent = { seq: id, channel: target.key, lines, result, at: Date.now() };
    o.onOrder?.(event);
    return event;
  }

  const gap = (): number => {
    const mean = 1000 / o.ratePerSecond;
    return o.arrivals === 'even' ? mean : -Math.log(1 - gaps.next()) * mean;
  };

  // Arrivals are due at absolute times, so a busy event loop delays orders but does not
  // lower the rate: a late tick places every order that has fallen due.
  let nextAt = 0;
  function tick(): void {
    if (!active) return;
    while (active && performance.now() >= nextAt) {
      const p = step().catch(() => undefined);
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      nextAt += gap();
    }
    timer = setTimeout(tick, Math.max(0, nextAt - performance.now()));
  }

  return {
    async start() {
      if (active) return;
      await Promise.all(o.targets.map(catalogue));
      active = true;
      nextAt = performance.now() + gap();
      timer = setTimeout(tick, nextAt - performance.now());
    },
    async stop() {
      active = false;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...inflight]);
    },
    step,
    running: () => active,
    stats: () => ({ ...stats, byChannel: structuredClone(stats.byChannel) }),
  };
}
