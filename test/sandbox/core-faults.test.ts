import { describe, expect, it } from 'vitest';
import { createFaults, FAULT_PROFILES, type FaultProfile } from '../../sandbox/core/faults.js';
import { createRng } from '../../sandbox/core/rng.js';

const DRAWS = 10_000;
/** Four binomial standard deviations: a false alarm about once in 16,000 runs (and the seed is fixed). */
const tolerance = (p: number) => 4 * Math.sqrt((p * (1 - p)) / DRAWS);

describe('rng', () => {
  it('replays the same sequence for the same seed and label', () => {
    const a = createRng(7, 'x');
    const b = createRng(7, 'x');
    expect(Array.from({ length: 100 }, () => a.next())).toEqual(Array.from({ length: 100 }, () => b.next()));
  });

  it('gives independent streams for other labels and seeds', () => {
    const first = (seed: number, label: string) => {
      const r = createRng(seed, label);
      return Array.from({ length: 5 }, () => r.int(0, 1_000_000));
    };
    expect(first(7, 'x')).not.toEqual(first(7, 'y'));
    expect(first(7, 'x')).not.toEqual(first(8, 'x'));
  });

  it('int, chance and pick stay in range and are roughly uniform', () => {
    const r = createRng(1, 'uniform');
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < DRAWS; i++) counts[r.int(0, 3)]!++;
    for (const c of counts) expect(Math.abs(c / DRAWS - 0.25)).toBeLessThan(tolerance(0.25));
    expect(r.chance(0)).toBe(false);
    expect(r.chance(1)).toBe(true);
    expect(['a', 'b']).toContain(r.pick(['a', 'b']));
    expect(() => r.int(3, 2)).toThrow();
  });
});

describe('fault profiles', () => {
  it('none is all zero', () => {
    const none = FAULT_PROFILES.none;
    expect(Object.values(none).every((v) => (typeof v === 'number' ? v === 0 : v.min === 0 && v.max === 0))).toBe(true);
    const faults = createFaults(none, createRng(1, 'f'));
    expect(Array.from({ length: 1000 }, () => faults.requestOutcome()).every((o) => o === 'ok')).toBe(true);
    expect(faults.webhookPlan()).toEqual({ drop: false, copies: 1, delayMs: 0 });
  });

  for (const name of ['lossy', 'hostile'] as const) {
    it(`${name}: request outcomes appear at the configured rates`, () => {
      const p = FAULT_PROFILES[name];
      const faults = createFaults(p, createRng(99, `rates-${name}`));
      const counts = { ok: 0, '429': 0, '5xx': 0, timeout: 0 };
      for (let i = 0; i < DRAWS; i++) counts[faults.requestOutcome()]++;
      expect(Math.abs(counts['429'] / DRAWS - p.rate429)).toBeLessThan(tolerance(p.rate429));
      expect(Math.abs(counts['5xx'] / DRAWS - p.rate5xx)).toBeLessThan(tolerance(p.rate5xx));
      expect(Math.abs(counts.timeout / DRAWS - p.rateTimeout)).toBeLessThan(tolerance(p.rateTimeout));
    });

    it(`${name}: webhook loss, duplication, delay and reordering appear at the configured rates`, () => {
      const p = FAULT_PROFILES[name];
      const faults = createFaults(p, createRng(99, `hooks-${name}`));
      let dropped = 0;
      let duplicated = 0;
      let heldBack = 0;
      for (let i = 0; i < DRAWS; i++) {
        const plan = faults.webhookPlan();
        if (plan.drop) dropped++;
        if (plan.copies === 2) duplicated++;
        if (plan.delayMs > p.webhookDelayMs.max) heldBack++;
        expect(plan.delayMs).toBeGreaterThanOrEqual(p.webhookDelayMs.min);
      }
      expect(Math.abs(dropped / DRAWS - p.webhookLoss)).toBeLessThan(tolerance(p.webhookLoss));
      expect(Math.abs(duplicated / DRAWS - p.webhookDuplicate)).toBeLessThan(tolerance(p.webhookDuplicate));
      expect(Math.abs(heldBack / DRAWS - p.webhookReorder)).toBeLessThan(tolerance(p.webhookReorder));
    });
  }

  it('the same seed draws the identical fault sequence', () => {
    const run = (seed: number) => {
      const f = createFaults(FAULT_PROFILES.hostile, createRng(seed, 'shopify/a#faults'));
      return Array.from({ length: 2000 }, () => `${f.requestOutcome()}:${f.latencyMs()}:${JSON.stringify(f.webhookPlan())}`);
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('latency stays within the profile range, with most draws near the minimum', () => {
    const p: FaultProfile = { ...FAULT_PROFILES.none, latencyMs: { min: 10, max: 400 } };
    const f = createFaults(p, createRng(3, 'latency'));
    const draws = Array.from({ length: DRAWS }, () => f.latencyMs());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...draws)).toBeLessThanOrEqual(400);
    const median = draws.sort((a, b) => a - b)[DRAWS / 2]!;
    expect(median).toBeLessThan(10 + 390 * 0.2);
  });

  it('the platform clock carries the skew', () => {
    const f = createFaults({ ...FAULT_PROFILES.none, clockSkewMs: -45_000 }, createRng(1));
    expect(Math.abs(Date.now() - 45_000 - f.now().getTime())).toBeLessThan(50);
  });
});
