// The outbox worker against a loopback receiver, one round at a time: Retry-After is
// honoured, only 429/5xx/network errors are retried and only up to maxAttempts, and a
// delivery whose target is gone or malformed is kept as failed with the reason.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverAlertsOnce, type AlertTarget } from '../../src/engine/alerts/deliver.js';
import { evaluateRule } from '../../src/store/alerts.js';
import { recordConnectionFailure } from '../../src/store/connection-signals.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { loadFixture } from '../helpers/catalog.js';

let t: TestDatabase;
let url = '';
const answers: { status: number; headers?: Record<string, string> }[] = [];
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const a = answers.shift() ?? { status: 200 };
    res.writeHead(a.status, a.headers ?? {}).end();
  });
});

beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 1 });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await t.drop();
});
beforeEach(async () => {
  answers.length = 0;
  await t.db.query('TRUNCATE alert_deliveries, alerts, connection_health RESTART IDENTITY');
  await recordConnectionFailure(t.db, 'ch1', 'auth', '401');
});

const log = pino({ level: 'silent' });
/** Fires one alert, with one delivery queued to `target`. */
async function queueOne(target: string): Promise<void> {
  await evaluateRule(t.db, { name: 'connection-failing', kind: 'connection-failing', params: [0], targets: [target] });
}
async function delivery() {
  const { rows } = await t.db.query(
    `SELECT status, attempts, last_error AS "lastError", extract(epoch FROM next_attempt_at - now()) AS "waitSeconds" FROM alert_deliveries`,
  );
  return rows[0];
}
const round = (targets: AlertTarget[], maxAttempts = 5) => deliverAlertsOnce({ db: t.db, log, targets, maxAttempts, backoff: { baseMs: 1, maxMs: 1 } });

describe('alert delivery', () => {
  it("waits at least the receiver's Retry-After before the next try", async () => {
    await queueOne('ops');
    answers.push({ status: 503, headers: { 'retry-after': '120' } });
    await round([{ name: 'ops', kind: 'webhook', url, secret: 's' }]);
    const d = await delivery();
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastError: 'target ops answered 503' });
    expect(Number(d.waitSeconds)).toBeGreaterThan(118);
    await round([{ name: 'ops', kind: 'webhook', url, secret: 's' }]);
    expect((await delivery()).attempts).toBe(1); // not due yet: not tried
  });

  it('gives up after maxAttempts retryable failures, a network error included', async () => {
    await queueOne('ops');
    const unreachable: AlertTarget[] = [{ name: 'ops', kind: 'webhook', url: 'http://127.0.0.1:1/hook', secret: 's' }];
    await round(unreachable, 2);
    expect(await delivery()).toMatchObject({ status: 'pending', attempts: 1 });
    await t.db.query(`UPDATE alert_deliveries SET next_attempt_at = now()`);
    await round(unreachable, 2);
    const d = await delivery();
    expect(d).toMatchObject({ status: 'failed', attempts: 2 });
    expect(d.lastError).toMatch(/^target ops: /);
  });

  it('keeps as failed, untried, a delivery whose target is no longer configured or whose URL is malformed', async () => {
    await queueOne('gone');
    await round([{ name: 'ops', kind: 'webhook', url, secret: 's' }]);
    expect(await delivery()).toMatchObject({ status: 'failed', lastError: 'no alert target named gone in the config' });

    await t.db.query('TRUNCATE alert_deliveries, alerts RESTART IDENTITY');
    await queueOne('chat');
    await round([{ name: 'chat', kind: 'slack', url: 'not a url' }]);
    expect(await delivery()).toMatchObject({ status: 'failed', attempts: 1, lastError: 'target chat: url is not an http(s) URL' });
  });
});
