// The alert rules' statements on a real PostgreSQL: each kind fires once for what its
// rule holds true, resolves once when that stops, and queues one delivery per event and
// target; the outbox is claimed without two workers taking the same row.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { evaluateRule, alertsOf, pruneResolvedAlerts, type RuleEvaluation } from '../../src/store/alerts.js';
import { claimDeliveries, deliveriesOf, markDelivered, markRetry } from '../../src/store/alert-deliveries.js';
import { recordConnectionFailure, recordConnectionRecovered, recordPollFindings } from '../../src/store/connection-signals.js';
import { finishReconciliation, insertDrift, startReconciliation } from '../../src/store/reconciliations.js';
import { touchActivity } from '../../src/store/activity.js';
import { ruleEvaluations } from '../../src/engine/alerts/evaluate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { loadFixture } from '../helpers/catalog.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await loadFixture(t.db, { channels: 2, skus: [{ sku: 'A' }, { sku: 'B' }] });
});
afterAll(async () => t.drop());
beforeEach(async () => {
  await t.db.query('TRUNCATE alert_deliveries, alerts RESTART IDENTITY');
});

const rule = (kind: RuleEvaluation['kind'], params: (number | string)[] = []): RuleEvaluation => ({ name: kind, kind, params, targets: ['ops', 'chat'] });
const open = async (name: string) => (await alertsOf(t.db, name)).filter((a) => a.resolvedAt === null).map((a) => a.subject);

describe('alert rules', () => {
  it('drift: fires above the threshold on the last completed reconciliation, resolves when a later one is under it', async () => {
    const run = await startReconciliation(t.db, 'ch1', 'manual');
    await insertDrift(t.db, run, [{ connectionId: 'ch1', sku: 'A', believed: 10, actual: 3, action: 'lowered', layer: null }]);
    await finishReconciliation(t.db, run, { status: 'done', checked: 2 });
    expect(await evaluateRule(t.db, rule('drift', [7]))).toMatchObject({ fired: 0, resolved: 0 });
    expect(await evaluateRule(t.db, rule('drift', [5]))).toMatchObject({ fired: 1, resolved: 0 });
    expect(await evaluateRule(t.db, rule('drift', [5]))).toMatchObject({ fired: 0, resolved: 0 });
    expect(await open('drift')).toEqual(['ch1']);
    const clean = await startReconciliation(t.db, 'ch1', 'schedule');
    await finishReconciliation(t.db, clean, { status: 'done', checked: 2 });
    expect(await evaluateRule(t.db, rule('drift', [5]))).toMatchObject({ fired: 0, resolved: 1 });
    expect(await evaluateRule(t.db, rule('drift', [5]))).toMatchObject({ fired: 0, resolved: 0 });
  });

  it('reconciliation-failed: the last finished run failed; a later success resolves it', async () => {
    const run = await startReconciliation(t.db, 'ch2', 'schedule');
    await finishReconciliation(t.db, run, { status: 'failed', checked: 0, error: 'platform unreachable' });
    expect(await evaluateRule(t.db, rule('reconciliation-failed'))).toMatchObject({ fired: 1 });
    const [alert] = await alertsOf(t.db, 'reconciliation-failed');
    expect(alert).toMatchObject({ subject: 'ch2', details: { error: 'platform unreachable', kind: 'reconciliation-failed' } });
    // A run still going does not count either way.
    await startReconciliation(t.db, 'ch2', 'manual');
    expect(await evaluateRule(t.db, rule('reconciliation-failed'))).toMatchObject({ fired: 0, resolved: 0 });
    await finishReconciliation(t.db, await startReconciliation(t.db, 'ch2', 'manual'), { status: 'done', checked: 1 });
    expect(await evaluateRule(t.db, rule('reconciliation-failed'))).toMatchObject({ fired: 0, resolved: 1 });
  });

  it('connection-failing: only once the streak is older than the threshold; a success resolves it', async () => {
    await recordConnectionFailure(t.db, 'ch1', 'auth', 'answered 401');
    expect(await evaluateRule(t.db, rule('connection-failing', [60_000]))).toMatchObject({ fired: 0 });
    await t.db.query(`UPDATE connection_health SET failing_since = now() - interval '2 minutes'`);
    // Another failure of the same streak keeps its start.
    await recordConnectionFailure(t.db, 'ch1', 'unreachable', 'timed out');
    expect(await evaluateRule(t.db, rule('connection-failing', [60_000]))).toMatchObject({ fired: 1 });
    expect((await alertsOf(t.db, 'connection-failing'))[0]!.details).toMatchObject({ failure: 'unreachable', error: 'timed out' });
    await recordConnectionRecovered(t.db, 'ch1');
    expect(await evaluateRule(t.db, rule('connection-failing', [60_000]))).toMatchObject({ resolved: 1 });
  });

  it('dirty-listing-age: the oldest dirty listing of a connection waited longer than the threshold', async () => {
    await t.db.query(`UPDATE listings SET pushed = target, verify = false`);
    await t.db.query(`UPDATE listings SET target = target + 1, target_changed_at = now() - interval '20 minutes' WHERE connection_id = 'ch2' AND sku = 'A'`);
    expect(await evaluateRule(t.db, rule('dirty-listing-age', [600_000]))).toMatchObject({ fired: 1 });
    expect((await alertsOf(t.db, 'dirty-listing-age'))[0]).toMatchObject({ subject: 'ch2', details: { dirtyListings: 1 } });
    await t.db.query(`UPDATE listings SET pushed = target`);
    expect(await evaluateRule(t.db, rule('dirty-listing-age', [600_000]))).toMatchObject({ resolved: 1 });
  });

  it('webhooks-silent: polls found orders while no webhook came; a webhook resolves it', async () => {
    await recordPollFindings(t.db, 'ch1', 2);
    await touchActivity(t.db, 'ch2', 'webhook'); // ch2's webhooks work: its findings are late webhooks
    await recordPollFindings(t.db, 'ch2', 5);
    expect(await evaluateRule(t.db, rule('webhooks-silent', [1_800_000, 3]))).toMatchObject({ fired: 0 });
    await recordPollFindings(t.db, 'ch1', 1);
    expect(await evaluateRule(t.db, rule('webhooks-silent', [1_800_000, 3]))).toMatchObject({ fired: 1 });
    expect(await open('webhooks-silent')).toEqual(['ch1']);
    await touchActivity(t.db, 'ch1', 'webhook');
    expect(await evaluateRule(t.db, rule('webhooks-silent', [1_800_000, 3]))).toMatchObject({ resolved: 1 });
  });

  it('a named rule keeps its own alerts beside another of the same kind', async () => {
    const [warn, page] = ruleEvaluations(
      [
        { rule: 'drift', aboveUnits: 1 },
        { rule: 'drift', name: 'drift-page', aboveUnits: 1_000 },
      ],
      ['ops'],
    );
    expect(warn).toMatchObject({ name: 'drift', kind: 'drift', params: [1], targets: ['ops'] });
    expect(page).toMatchObject({ name: 'drift-page', params: [1_000] });
    const run = await startReconciliation(t.db, 'ch2', 'manual');
    await insertDrift(t.db, run, [{ connectionId: 'ch2', sku: 'B', believed: 0, actual: 4, action: 'raised', layer: null }]);
    await finishReconciliation(t.db, run, { status: 'done', checked: 1 });
    expect(await evaluateRule(t.db, warn!)).toMatchObject({ fired: 1 });
    expect(await evaluateRule(t.db, page!)).toMatchObject({ fired: 0 });
  });
});

describe('alert outbox', () => {
  it('queues one delivery per event and target; concurrent claims never share a row; a retry waits', async () => {
    await recordConnectionFailure(t.db, 'ch2', 'auth', '401');
    await t.db.query(`UPDATE connection_health SET failing_since = now() - interval '1 hour' WHERE connection_id = 'ch2'`);
    const { fired } = await evaluateRule(t.db, rule('connection-failing', [1_000]));
    expect(fired).toBe(1);
    const claims = await Promise.all([claimDeliveries(t.db, 1, 60_000), claimDeliveries(t.db, 1, 60_000), claimDeliveries(t.db, 1, 60_000)]);
    const ids = claims.flat().map((c) => c.id);
    expect(ids).toHaveLength(2); // ops and chat, each to one worker
    expect(new Set(ids).size).toBe(2);
    expect(
      claims
        .flat()
        .map((c) => `${c.event}/${c.target}/${c.attempts}`)
        .sort(),
    ).toEqual(['fired/chat/1', 'fired/ops/1']);
    // Claimed rows are not claimed again until their claim ends; a retry waits its delay.
    expect(await claimDeliveries(t.db, 10, 60_000)).toEqual([]);
    await markRetry(t.db, ids[0]!, 60_000, 'answered 503');
    expect(await claimDeliveries(t.db, 10, 60_000)).toEqual([]);
    await markRetry(t.db, ids[1]!, 0, 'answered 503');
    expect((await claimDeliveries(t.db, 10, 60_000)).map((c) => [c.id, c.attempts])).toEqual([[ids[1], 2]]);
  });

  it('forgets alerts resolved long ago with their deliveries, but never one with a delivery still owed', async () => {
    await t.db.query(`TRUNCATE connection_health`);
    for (const c of ['ch1', 'ch2']) await recordConnectionFailure(t.db, c, 'auth', '401');
    await t.db.query(`UPDATE connection_health SET failing_since = now() - interval '1 hour'`);
    await evaluateRule(t.db, rule('connection-failing', [1_000]));
    for (const c of ['ch1', 'ch2']) await recordConnectionRecovered(t.db, c);
    await evaluateRule(t.db, rule('connection-failing', [1_000]));
    const fired = await alertsOf(t.db, 'connection-failing');
    const ch1 = fired.find((a) => a.subject === 'ch1');
    const ch2 = fired.find((a) => a.subject === 'ch2');
    // Every delivery of ch1's alert went out; one of ch2's is still owed.
    for (const d of await deliveriesOf(t.db, ch1!.id)) await markDelivered(t.db, d.id);
    for (const d of (await deliveriesOf(t.db, ch2!.id)).slice(1)) await markDelivered(t.db, d.id);
    expect(await pruneResolvedAlerts(t.db, 86_400_000)).toBe(0); // resolved just now: kept
    await t.db.query(`UPDATE alerts SET resolved_at = now() - interval '100 days', fired_at = now() - interval '101 days'`);
    expect(await pruneResolvedAlerts(t.db, 86_400_000)).toBe(1);
    expect((await alertsOf(t.db, 'connection-failing')).map((a) => a.subject)).toEqual(['ch2']);
    expect(await deliveriesOf(t.db, ch2!.id)).toHaveLength(1);
    expect(await deliveriesOf(t.db, ch1!.id)).toEqual([]);
  });
});
