// `alerts:` and the metrics settings of stocksync.yaml: what `config check` accepts,
// the exact issue for each mistake, and secrets only as environment references.
import { describe, expect, it } from 'vitest';
import { ENV, baseDoc, issuesAfter, load, type Doc } from './helpers.js';

const ALERT_ENV = { ...ENV, ALERT_SECRET: 'alert-webhook-secret', SLACK_URL: 'https://hooks.slack.example/services/T/B/x', METRICS_TOKEN: 'scrape-me' };

function withAlerts(change: (doc: Doc) => void = () => {}): Doc {
  const doc = baseDoc();
  doc.server.metricsToken = { env: 'METRICS_TOKEN' };
  doc.server.metricsAddress = '127.0.0.1:9464';
  doc.alerts = {
    targets: [
      { name: 'ops', kind: 'webhook', url: 'https://ops.example/hooks/stocksync', secret: { env: 'ALERT_SECRET' } },
      { name: 'chat', kind: 'slack', url: { env: 'SLACK_URL' } },
    ],
    rules: [
      { rule: 'oversell' },
      { rule: 'drift', aboveUnits: 10, targets: ['chat'] },
      { rule: 'drift', name: 'drift-page', aboveUnits: 100, targets: ['ops'] },
      { rule: 'connection-failing', for: '10m' },
      { rule: 'dirty-listing-age', olderThan: '15m' },
      { rule: 'webhooks-silent', for: '30m', minOrders: 3 },
      { rule: 'reconciliation-failed' },
    ],
  };
  change(doc);
  return doc;
}

describe('alerts and metrics in the config', () => {
  it('loads targets with their secrets resolved, rules with durations in ms, and defaults', () => {
    const c = load(withAlerts(), ALERT_ENV);
    expect(c.server).toMatchObject({ metricsToken: 'scrape-me', metricsAddress: '127.0.0.1:9464' });
    expect(c.alerts.targets).toEqual([
      { name: 'ops', kind: 'webhook', url: 'https://ops.example/hooks/stocksync', secret: 'alert-webhook-secret' },
      { name: 'chat', kind: 'slack', url: 'https://hooks.slack.example/services/T/B/x' },
    ]);
    expect(c.alerts.rules[3]).toEqual({ rule: 'connection-failing', for: 600_000 });
    expect(c.alerts.rules[5]).toEqual({ rule: 'webhooks-silent', for: 1_800_000, minOrders: 3 });
    expect(c.alerts).toMatchObject({ evaluateEvery: 30_000, maxAttempts: 12 });
  });

  it('is empty and metrics are off by default', () => {
    const c = load(baseDoc());
    expect(c.alerts).toEqual({ targets: [], rules: [], evaluateEvery: 30_000, maxAttempts: 12 });
    expect(c.server.metricsToken).toBeUndefined();
    expect(c.server.metricsAddress).toBeUndefined();
  });

  it('names each mistake', () => {
    const issues = issuesAfter((d) => {
      Object.assign(d, withAlerts());
      d.server.metricsAddress = 'localhost';
      d.alerts.targets.push({ name: 'ops', kind: 'slack', url: { env: 'SLACK_URL' } });
      d.alerts.rules.push({ rule: 'oversell' }, { rule: 'drift', name: 'other', targets: ['pager'] }, { rule: 'dirty-listing-age', olderThan: 'soon' });
      d.alerts.rules.push({ rule: 'disk-full' });
    }, ALERT_ENV);
    expect(issues).toEqual([
      'alerts.rules[9].olderThan: must be a duration such as 30s, 5m or 1h',
      'alerts.rules[10].rule: rule must be one of: oversell, drift, connection-failing, dirty-listing-age, webhooks-silent, reconciliation-failed',
      'server.metricsAddress: must be host:port, e.g. 127.0.0.1:9464',
    ]);
    // Once those are fixed, the checks across the section run.
    const cross = issuesAfter((d) => {
      Object.assign(d, withAlerts());
      d.alerts.targets.push({ name: 'ops', kind: 'slack', url: { env: 'SLACK_URL' } });
      d.alerts.rules.push({ rule: 'oversell' }, { rule: 'drift', name: 'other', targets: ['pager'] });
    }, ALERT_ENV);
    expect(cross).toEqual([
      'alerts.rules[7]: two rules named oversell: give one a name',
      'alerts.rules[8].targets[0]: no target named pager',
      'alerts.targets[2].name: duplicate target name ops',
    ]);
  });

  it('refuses literal secrets and reports unset variables', () => {
    const issues = issuesAfter(
      (d) => {
        Object.assign(d, withAlerts());
        d.alerts.targets[0].secret = 'literal-secret';
        d.server.metricsToken = 'literal-token';
      },
      { ...ALERT_ENV, SLACK_URL: undefined },
    );
    expect(issues).toEqual([
      'alerts.targets[0].secret: literal secrets are not allowed in the config file; use an environment reference such as { env: MY_SECRET }',
      'alerts.targets[1].url: environment variable SLACK_URL is not set',
      'server.metricsToken: literal secrets are not allowed in the config file; use an environment reference such as { env: MY_SECRET }',
    ]);
  });

  it("checks that a Slack target's variable holds a URL", () => {
    expect(issuesAfter((d) => Object.assign(d, withAlerts()), { ...ALERT_ENV, SLACK_URL: 'xoxb-not-a-url' })).toEqual([
      'alerts.targets[1].url: environment variable SLACK_URL must hold an http:// or https:// URL',
    ]);
  });

  it('rules need a target', () => {
    expect(issuesAfter((d) => (d.alerts = { rules: [{ rule: 'oversell' }] }))).toEqual(['alerts.targets: rules need at least one target']);
  });
});
