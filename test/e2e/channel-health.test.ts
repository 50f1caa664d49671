// Issue 14, defect 1 on the sandbox: a rotated Amazon token.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/commands/status.js';
import { reconcileConnection } from '../../src/engine/workers/reconciler.js';
import { statusReport } from '../../src/store/status.js';
import { converged, eventually, listing } from './helpers.js';
import { startStack, type Stack } from './stack.js';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const silent = pino({ level: 'silent' });

async function pauseOf(s: Stack, connectionId: string) {
  const { rows } = await s.db.query(`SELECT paused_reason AS reason, attempts FROM connection_pauses WHERE connection_id = $1`, [connectionId]);
  return rows[0] as { reason: string | null; attempts: number } | undefined;
}

describe('a rotated Amazon token (defect 1)', () => {
  it('pauses the connection while pushes get 403, quarantines nothing, and converges by itself once the right token is back', async () => {
    stack = await startStack({
      channels: ['amazon'],
      skus: [{ sku: 'MUG', quantity: 50 }],
      connectionOptions: { amazon: 'authRetryMs: 100, authRetryMaxMs: 400' },
    });
    const amazon = stack.instance('amazon');
    await converged(stack, ['amazon'], ['MUG']);
    expect(amazon.control.getStock('MUG')).toBe(50);

    // The seller rotates the token mid-run; the engine still holds the old one. Stock drops to 7.
    amazon.control.setAccessToken!('Atza|rotated');
    stack.instance('warehouse').control.adjust!('MUG', -43, 'cycle count');
    await eventually('the connection paused for auth', async () => (await pauseOf(stack!, 'amazon'))?.reason === 'auth');
    await eventually('a few refused probes', async () => ((await pauseOf(stack!, 'amazon'))?.attempts ?? 0) >= 2);
    const paused = await listing(stack, 'amazon', 'MUG');
    expect(paused).toMatchObject({ target: 7, dirty: true, quarantinedReason: null });
    expect(amazon.control.getStock('MUG')).toBe(50); // nothing got through
    expect(formatStatus(await statusReport(stack.db), [])).toMatch(/amazon: PAUSED, failing auth since \S+ .*next retry .*AUTH: /);

    // The right token is back: no person acts, the next probe goes through.
    amazon.control.setAccessToken!('Atza|seller');
    await converged(stack, ['amazon'], ['MUG']);
    expect(amazon.control.getStock('MUG')).toBe(7);
    expect((await pauseOf(stack, 'amazon'))?.reason).toBeNull();
    const { rows } = await stack.db.query(`SELECT count(*)::int AS n FROM listings WHERE quarantined_reason IS NOT NULL`);
    expect(rows[0].n).toBe(0);
    expect(formatStatus(await statusReport(stack.db), [])).not.toMatch(/PAUSED/);

    // And a reconciliation now reports nothing it did not do: the channel shows its target.
    const report = await reconcileConnection({
      db: stack.db,
      log: silent,
      connectionId: 'amazon',
      connector: stack.engine.connectors.get('amazon')!,
      trigger: 'manual',
    });
    expect(report.drift).toEqual([]);
  }, 90_000);
});
