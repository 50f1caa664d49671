// The full-read gate against a model of Amazon's token bucket: whatever the delays before a
// read arrives and before its answer returns, the bucket never refuses a read it lets out.
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createReadGate } from '../../src/connectors/amazon/read-gate.js';
import { createTokenBucket } from '../../sandbox/amazon/token-bucket.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs reads through the gate; each arrives `arrive` ms after it leaves and is answered `answer` ms later. */
async function runReads(rate: number, burst: number, delays: { arrive: number; answer: number }[]) {
  const now = () => performance.now();
  const gate = createReadGate(rate, burst, now);
  const amazon = createTokenBucket(rate, burst, now);
  let refused = 0;
  const all = Promise.all(
    delays.map((d) =>
      gate.run(async () => {
        await sleep(d.arrive);
        if (!amazon.take()) refused++;
        await sleep(d.answer);
      }),
    ),
  );
  await vi.runAllTimersAsync();
  await all;
  return { refused, elapsed: now() };
}

describe('Amazon full-read gate', () => {
  it('never lets out a read that the bucket refuses, however late reads arrive or answers return', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ arrive: fc.integer({ min: 0, max: 40 }), answer: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 60 }),
        async (delays) => {
          const start = performance.now();
          const { refused, elapsed } = await runReads(100, 5, delays);
          expect(refused).toBe(0);
          expect(elapsed).toBeGreaterThanOrEqual(start);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the full rate while answers come back at once', async () => {
    const start = performance.now();
    const { refused, elapsed } = await runReads(
      1000,
      5,
      Array.from({ length: 105 }, () => ({ arrive: 0, answer: 0 })),
    );
    expect(refused).toBe(0);
    // 5 from the burst, then 100 at 1000/s: 100 ms of the (fake) clock, plus timer rounding
    expect(elapsed - start).toBeLessThan(110);
    expect(elapsed - start).toBeGreaterThanOrEqual(99);
  });
});
