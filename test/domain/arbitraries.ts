// Arbitraries shared by the buffer planners' property tests.
import fc from 'fast-check';
import type { BufferMode, BufferPolicy, ChannelState } from '../../src/domain/index.js';

/** A buffer policy with any of its fields; `mode` fixed when given. */
export const bufferPolicyArb = (mode?: BufferMode): fc.Arbitrary<BufferPolicy> =>
  fc.record(
    {
      mode: mode === undefined ? fc.constantFrom<BufferMode>('adaptive', 'shared', 'partitioned') : fc.constant(mode),
      reserve: fc.integer({ min: 0, max: 20 }),
      holdBackPercent: fc.integer({ min: 0, max: 100 }),
      holdBackUnits: fc.integer({ min: 0, max: 5 }),
      zeroBelow: fc.integer({ min: 0, max: 8 }),
      maxCap: fc.integer({ min: 0, max: 200 }),
    },
    { requiredKeys: mode === undefined ? [] : ['mode'] },
  );

/**
 * One to `max` channels c0, c1... of one SKU with the planner's inputs: velocity, lowering
 * latency, exposure up to `maxExposure`, and the fields of `extra` (appliesLater, sources...).
 */
export function channelStatesArb<E extends Record<string, unknown>>(
  policy: fc.Arbitrary<BufferPolicy>,
  opts: { max?: number; maxExposure?: number; extra?: { [K in keyof E]: fc.Arbitrary<E[K]> } } = {},
): fc.Arbitrary<(ChannelState & E)[]> {
  return fc.integer({ min: 1, max: opts.max ?? 5 }).chain((n) =>
    fc.tuple(
      ...Array.from(
        { length: n },
        (_, i) =>
          fc.record({
            connectionId: fc.constant(`c${i}`),
            policy,
            velocity: fc.double({ min: 0, max: 20, noNaN: true }),
            loweringLatencyMs: fc.integer({ min: 0, max: 10_000 }),
            exposure: fc.integer({ min: 0, max: opts.maxExposure ?? 300 }),
            ...(opts.extra ?? {}),
          }) as unknown as fc.Arbitrary<ChannelState & E>,
      ),
    ),
  );
}
