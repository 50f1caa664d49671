// The simulation must be able to see an oversell: with no buffer and a channel whose every
// request takes 3 real seconds (3 platform minutes on the default clock), that channel keeps
// showing stock already sold elsewhere, and the 3PL ends up with orders it cannot allocate.
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/sim/run.js';
import { createTestDatabase } from '../helpers/db.js';

describe('the simulation sees oversells', () => {
  it('reports oversold orders with buffers off and a deliberately slow channel', async () => {
    const testDb = await createTestDatabase({ migrate: false });
    try {
      const report = await runSimulation(testDb.url, {
        seed: 5,
        skus: 20,
        channels: ['shopify', 'amazon', 'woocommerce'],
        durationSec: 12,
        orderRate: 20,
        scale: 60,
        flashIntensity: 2,
        strategy: 'no-buffers',
        faultProfile: 'none',
        settleMs: 10_000,
        slowChannel: { channel: 'woocommerce', latencyMs: 3_000 },
      });
      expect(report.oversoldOrders).toBeGreaterThan(0);
      expect(report.oversoldUnits).toBeGreaterThanOrEqual(report.oversoldOrders);
      // the detector names the channels that sold what was not there
      expect(Object.keys(report.oversoldByChannel as Record<string, unknown>).length).toBeGreaterThan(0);
    } finally {
      await testDb.drop();
    }
  }, 180_000);
});
