// The simulation's workload: a plan fixed by the seed alone, before anything runs.
// Times are real milliseconds from the start of the workload (the clock scale turns them
// into platform time: see strategies.ts). What each event does to the world depends on when
// it lands (a shopper is refused at a channel count of 0), but the plan itself does not:
// the same seed and parameters give the same plan, whose hash the report carries.
import { createHash } from 'node:crypto';
import { createRng, type Rng } from '../../sandbox/core/rng.js';
import { placeSku, type SimWarehouse } from './warehouse-layout.js';

export type SimChannel = 'shopify' | 'amazon' | 'woocommerce';
export const SIM_CHANNELS: readonly SimChannel[] = ['shopify', 'amazon', 'woocommerce'];

export interface WorkloadParams {
  seed: number;
  skus: number;
  channels: readonly SimChannel[];
  /** Real seconds of shopping. */
  durationSec: number;
  /** Orders per real second over all channels (flash sales come on top). */
  orderRate: number;
  /** Simulated seconds per real second (for the spacing of delayed events). */
  scale: number;
  /**
   * Orders per flash sale, as a multiple of the default 8-24 (same span, so denser):
   * 1 (the default) keeps the workload of earlier runs, hash included.
   */
  flashIntensity?: number;
  /**
   * 2: two 3PLs (east, west) with the SKUs' stock split between them, and warehouse events
   * at one of them (warehouse-layout.ts). 1 (the default) keeps the single 3PL, hash included.
   */
  warehouses?: 1 | 2;
}

export interface SkuSpec {
  sku: string;
  initial: number;
  /** Relative popularity (shoppers pick SKUs by it). */
  weight: number;
  lowStock: boolean;
  /** With two warehouses: the opening units at each (they add up to `initial`). */
  stockAt?: Record<SimWarehouse, number>;
}

export type WorkloadEvent =
  | { t: number; kind: 'order'; id: number; channel: SimChannel; lines: { sku: string; quantity: number }[]; flash?: true }
  /** The shopper cancels order `order` on its channel (skipped when it was refused). */
  | { t: number; kind: 'cancel'; order: number }
  /** Shrinkage found by the warehouse: on hand falls (clamped to what is not allocated). */
  | { t: number; kind: 'shrink'; sku: string; quantity: number; warehouse?: SimWarehouse }
  | { t: number; kind: 'receive'; sku: string; quantity: number; warehouse?: SimWarehouse }
  | { t: number; kind: 'return'; sku: string; quantity: number; warehouse?: SimWarehouse };

export interface Workload {
  params: WorkloadParams;
  skus: SkuSpec[];
  events: WorkloadEvent[];
  counts: { orders: number; flashOrders: number; flashSales: number; cancels: number; shrinks: number; receipts: number; returns: number; units: number };
  /** sha256 of the plan (SKUs and events), to show two runs replayed the same workload. */
  hash: string;
}

const exp = (rng: Rng, mean: number) => -Math.log(1 - rng.next()) * mean;

export function skuName(i: number): string {
  return `SIM-${String(i).padStart(4, '0')}`;
}

export function buildWorkload(p: WorkloadParams): Workload {
  const catalogue = createRng(p.seed, 'sim/catalogue');
  const skus: SkuSpec[] = Array.from({ length: p.skus }, (_, i) => {
    const lowStock = catalogue.chance(0.25);
    // a long tail of popularity: a few best sellers, many slow movers
    const weight = 1 / (1 + catalogue.next() * 9);
    return { sku: skuName(i), initial: lowStock ? catalogue.int(2, 12) : catalogue.int(25, 120), weight, lowStock };
  });
  const totalWeight = skus.reduce((s, k) => s + k.weight, 0);
  const pickSku = (rng: Rng): SkuSpec => {
    let r = rng.next() * totalWeight;
    for (const k of skus) {
      if (r < k.weight) return k;
      r -= k.weight;
    }
    return skus[skus.length - 1]!;
  };
  const lowStock = skus.filter((k) => k.lowStock);
  const end = p.durationSec * 1000;
  const events: WorkloadEvent[] = [];
  let id = 0;
  const counts = { orders: 0, flashOrders: 0, flashSales: 0, cancels: 0, shrinks: 0, receipts: 0, returns: 0, units: 0 };
  const sim = (simSeconds: number) => (simSeconds * 1000) / p.scale; // simulated seconds -> real ms

  // Shoppers: Poisson arrivals, a channel each, one line mostly (1-2 units), sometimes two.
  const shop = createRng(p.seed, 'sim/shoppers');
  const cancels = createRng(p.seed, 'sim/cancels');
  const unitsOf = (rng: Rng) => (rng.chance(0.08) ? 3 : rng.int(1, 2));
  for (let t = exp(shop, 1000 / p.orderRate); t < end; t += exp(shop, 1000 / p.orderRate)) {
    const channel = shop.pick(p.channels);
    const n = shop.chance(0.1) ? 2 : 1;
    const lines = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const k = pickSku(shop);
      lines.set(k.sku, (lines.get(k.sku) ?? 0) + unitsOf(shop));
    }
    const order = { t, kind: 'order' as const, id: ++id, channel, lines: [...lines].map(([sku, quantity]) => ({ sku, quantity })) };
    events.push(order);
    // about 2% of orders are cancelled by the shopper within minutes (platform time)
    if (cancels.chance(0.02)) events.push({ t: t + sim(cancels.int(30, 600)), kind: 'cancel', order: order.id });
  }

  // Flash sales: a burst of shoppers on every channel at once on one low-stock SKU,
  // about one every 30 real seconds, each 8-24 orders over 2-6 simulated minutes.
  const flash = createRng(p.seed, 'sim/flash');
  if (lowStock.length > 0) {
    for (let t = exp(flash, 30_000); t < end; t += exp(flash, 30_000)) {
      const k = flash.pick(lowStock);
      const n = Math.max(1, Math.round(flash.int(8, 24) * (p.flashIntensity ?? 1)));
      const span = sim(flash.int(120, 360));
      counts.flashSales++;
      for (let i = 0; i < n; i++) {
        events.push({
          t: t + flash.next() * span,
          kind: 'order',
          id: ++id,
          channel: flash.pick(p.channels),
          lines: [{ sku: k.sku, quantity: flash.int(1, 2) }],
          flash: true,
        });
      }
    }
  }

  // The warehouse: receipts refill (most units), returns trickle back, shrinkage is found.
  const wh = createRng(p.seed, 'sim/warehouse');
  const demandPerSec = p.orderRate * 1.6 * 1.1; // units per real second, roughly
  for (let t = exp(wh, 2_000); t < end; t += exp(wh, 2_000)) {
    const k = wh.chance(0.3) ? wh.pick(lowStock.length > 0 ? lowStock : skus) : pickSku(wh);
    events.push({ t, kind: 'receive', sku: k.sku, quantity: Math.max(1, Math.round(demandPerSec * 2 * 0.85 * (0.5 + wh.next()))) });
  }
  for (let t = exp(wh, 1_500); t < end; t += exp(wh, 1_500)) events.push({ t, kind: 'return', sku: pickSku(wh).sku, quantity: 1 });
  for (let t = exp(wh, 3_000); t < end; t += exp(wh, 3_000)) events.push({ t, kind: 'shrink', sku: pickSku(wh).sku, quantity: wh.int(1, 3) });
  if (p.warehouses === 2) placeInWarehouses(p.seed, skus, events);

  events.sort((a, b) => a.t - b.t || rank(a) - rank(b));
  for (const e of events) {
    if (e.kind === 'order') {
      counts.orders++;
      if (e.flash) counts.flashOrders++;
      counts.units += e.lines.reduce((s, l) => s + l.quantity, 0);
    } else if (e.kind === 'cancel') counts.cancels++;
    else if (e.kind === 'shrink') counts.shrinks++;
    else if (e.kind === 'receive') counts.receipts++;
    else counts.returns++;
  }
  const hash = createHash('sha256').update(JSON.stringify({ skus, events })).digest('hex');
  return { params: p, skus, events, counts, hash };
}

/**
 * Two warehouses: splits every SKU's opening stock between them and sends each warehouse
 * event to one that carries the SKU. Its own stream, so the rest of the plan is the
 * single-warehouse plan of the same seed.
 */
function placeInWarehouses(seed: number, skus: SkuSpec[], events: WorkloadEvent[]): void {
  const rng = createRng(seed, 'sim/warehouses');
  const homes = new Map<string, SimWarehouse[]>();
  for (const k of skus) {
    const placement = placeSku(rng, k.initial);
    k.stockAt = placement.stockAt;
    homes.set(k.sku, placement.homes);
  }
  for (const e of events) if (e.kind === 'shrink' || e.kind === 'receive' || e.kind === 'return') e.warehouse = rng.pick(homes.get(e.sku)!);
}

function rank(e: WorkloadEvent): number {
  return e.kind === 'order' ? e.id : 0;
}
