// `stocksync simulate` (issue 5): the workload is fixed by the seed, a short run on the
// real engine writes a report with every documented field, and bad flags are usage errors.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareFromReports, seedsFromReports } from '../../src/sim/index.js';
import { DOCUMENTED_FIELDS, writeRunReport } from '../../src/sim/report.js';
import { runSimulation } from '../../src/sim/run.js';
import { buildWorkload } from '../../src/sim/workload.js';
import { createTestDatabase } from '../helpers/db.js';

const BIN = path.resolve('bin/stocksync.js');
const params = { seed: 5, skus: 30, channels: ['shopify', 'amazon', 'woocommerce'] as const, durationSec: 60, orderRate: 20, scale: 60 };

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('workload', () => {
  it('the same seed gives the same workload; another seed another', () => {
    const a = buildWorkload({ ...params, channels: [...params.channels] });
    const b = buildWorkload({ ...params, channels: [...params.channels] });
    const c = buildWorkload({ ...params, channels: [...params.channels], seed: 6 });
    expect(a.hash).toBe(b.hash);
    expect(a.events).toEqual(b.events);
    expect(c.hash).not.toBe(a.hash);
    // every kind of event the issue asks for is there
    expect(a.counts.orders).toBeGreaterThan(1_000);
    for (const k of ['flashOrders', 'cancels', 'shrinks', 'receipts', 'returns'] as const) expect(a.counts[k]).toBeGreaterThan(0);
    expect(a.skus.some((s) => s.lowStock)).toBe(true);
    for (let i = 1; i < a.events.length; i++) expect(a.events[i]!.t).toBeGreaterThanOrEqual(a.events[i - 1]!.t);
  });
});

describe('bad flags exit 2 with a clear message', () => {
  const cases: [string[], RegExp][] = [
    [['--strategy', 'magic'], /--strategy.*magic.*full, full-static, webhooks-only, polling-only, no-buffers/s],
    [['--seeds', '3,x'], /--seeds.*"x" is not an integer seed/s],
    [['--seeds', '3,3'], /--seeds.*listed twice/s],
    [['--strategies', 'full,magic'], /--strategies.*unknown strategy "magic"/s],
    [['--flash-intensity', '0'], /--flash-intensity.*above 0/s],
    [['--fault-profile', 'chaos'], /--fault-profile.*unknown fault profile "chaos"/s],
    [['--channels', 'shopify,ebay'], /--channels.*unknown channel "ebay"/s],
    [['--duration', '-5'], /--duration.*must be a duration/s],
    [['--order-rate', '0'], /--order-rate.*above 0/s],
    [['--skus', 'many'], /--skus.*integer/s],
    [['--seed', '1.5'], /--seed.*integer/s],
  ];
  it.each(cases)('simulate %j', async (args, message) => {
    const r = await cli(['simulate', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error USAGE: /);
    expect(r.stderr).toMatch(message);
  });
});

describe('a short simulation on the real engine', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('writes report.json with every documented field and sane values', async () => {
    const testDb = await createTestDatabase({ migrate: false });
    try {
      const report = await runSimulation(testDb.url, {
        seed: 3,
        skus: 20,
        channels: ['shopify', 'amazon', 'woocommerce'],
        durationSec: 8,
        orderRate: 10,
        scale: 60,
        strategy: 'full',
        faultProfile: 'none',
        settleMs: 15_000,
      });
      const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-sim-'));
      dirs.push(dir);
      writeRunReport(dir, report);
      const json = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as Record<string, unknown>;
      for (const f of DOCUMENTED_FIELDS) expect(json, f).toHaveProperty(f);
      expect(json).toMatchObject({ strategy: 'full', seed: 3, faultProfile: 'none' });
      expect(report.orders).toBeGreaterThan(30);
      expect(report.orders).toBeLessThanOrEqual(report.attempted as number);
      expect(report.oversoldUnits).toBeGreaterThanOrEqual(report.oversoldOrders);
      expect(report.undersellUnitSeconds).toBeGreaterThanOrEqual(0);
      const p = report.propagationMs;
      expect(p.p50).toBeLessThanOrEqual(p.p95);
      expect(p.p95).toBeLessThanOrEqual(p.p99);
      expect(p.p99).toBeLessThanOrEqual(p.max);
      expect(Object.keys(report.apiCalls).sort()).toEqual(['amazon', 'shopify', 'warehouse', 'woocommerce']);
      for (const n of Object.values(report.apiCalls)) expect(n).toBeGreaterThan(0);
      expect(report.throttled).toBeGreaterThanOrEqual(0);
      expect(report.driftCorrectedUnits).toBeGreaterThanOrEqual(0);
      expect(report.lostOrders).toBe(0); // no faults: every order reached the 3PL
      expect(readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain('oversold orders / units');
      const html = readFileSync(path.join(dir, 'chart.html'), 'utf8');
      expect(html).toContain('<svg');
      expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    } finally {
      await testDb.drop();
    }
  }, 90_000);
});

describe('simulate --compare --from-reports', () => {
  const fake = (strategy: string, faultProfile: string, hash = 'a'.repeat(64)) => ({
    strategy,
    seed: 42,
    faultProfile,
    orders: 10_000,
    oversoldOrders: 0,
    oversoldUnits: 0,
    undersellUnitSeconds: 1.5,
    propagationMs: { p50: 1, p95: 2, p99: 3, max: 4 },
    apiCalls: { shopify: 5 },
    throttled: 0,
    driftCorrectedUnits: 0,
    lostOrders: 0,
    workload: { hash, skus: 150, channels: ['shopify'], durationSec: 500, orderRate: 25 },
    clock: { scale: 60 },
  });
  const put = (dir: string, r: ReturnType<typeof fake>) => {
    mkdirSync(path.join(dir, `${r.faultProfile}-${r.strategy}`), { recursive: true });
    writeFileSync(path.join(dir, `${r.faultProfile}-${r.strategy}`, 'report.json'), JSON.stringify(r));
  };

  it('rebuilds one table from the runs of every strategy, and names what is missing or mismatched', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-compare-'));
    try {
      for (const s of ['full', 'full-static', 'webhooks-only', 'polling-only']) put(dir, fake(s, 'none'));
      expect(() => compareFromReports(dir, ['none'])).toThrow(
        expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining('none-no-buffers') }),
      );
      put(dir, fake('no-buffers', 'none', 'b'.repeat(64)));
      expect(() => compareFromReports(dir, ['none'])).toThrow(
        expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('different workloads') }),
      );
      put(dir, fake('no-buffers', 'none'));
      const { reports, files } = compareFromReports(dir, ['none']);
      expect(reports.map((r) => r.strategy)).toEqual(['full', 'full-static', 'webhooks-only', 'polling-only', 'no-buffers']);
      const md = readFileSync(
        files.find((f) => f.endsWith('compare.md'))!,
        'utf8',
      );
      expect(md).toContain('### faults: none');
      expect(md).toMatch(/\| no-buffers \| 10,000 \|/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('simulate --seeds --from-reports', () => {
  const fake = (seed: number, strategy: string, oversoldUnits: number) => ({
    strategy,
    seed,
    faultProfile: 'lossy',
    orders: 1_000 + seed,
    oversoldOrders: oversoldUnits > 0 ? 1 : 0,
    oversoldUnits,
    undersellUnitSeconds: 10.5,
    propagationMs: { p50: 1, p95: 2, p99: 3, max: 4 },
    apiCalls: { shopify: 5 },
    throttled: 0,
    driftCorrectedUnits: 0,
    refused: 7,
    attempted: 1_100,
    workload: { hash: String(seed).repeat(64).slice(0, 64) },
    machine: { commit: 'abcdef123' },
  });
  it('totals every seed per profile and strategy, and lists each seed', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'stocksync-seeds-'));
    try {
      expect(() => seedsFromReports(dir)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      for (const [seed, strategy, units] of [
        [11, 'full', 0],
        [12, 'full', 0],
        [11, 'full-static', 4],
        [12, 'full-static', 2],
      ] as const) {
        mkdirSync(path.join(dir, `seed-${seed}`, `lossy-${strategy}`), { recursive: true });
        writeFileSync(path.join(dir, `seed-${seed}`, `lossy-${strategy}`, 'report.json'), JSON.stringify(fake(seed, strategy, units)));
      }
      const { files } = seedsFromReports(dir);
      const json = JSON.parse(
        readFileSync(
          files.find((f) => f.endsWith('seeds.json'))!,
          'utf8',
        ),
      );
      expect(json.title).toBe('stocksync simulate --seeds 11,12');
      expect(json.summary).toEqual([
        expect.objectContaining({
          faultProfile: 'lossy',
          strategy: 'full',
          seeds: [11, 12],
          orders: 2_023,
          oversoldUnits: 0,
          undersellUnitSeconds: 21,
          refusedShoppers: 14,
        }),
        expect.objectContaining({ faultProfile: 'lossy', strategy: 'full-static', seeds: [11, 12], oversoldOrders: 2, oversoldUnits: 6 }),
      ]);
      const md = readFileSync(
        files.find((f) => f.endsWith('seeds.md'))!,
        'utf8',
      );
      expect(md).toMatch(/\| lossy \| full-static \| 11, 12 \| 2,023 \| 2 \| \*\*6\*\* \|/);
      expect(md).toMatch(/\| lossy \| full-static \| 12 \| 121212121212 \| 1,012 \| 1 \| 2 \|/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
