// The alert loops of one process: the rule evaluator, leased (one engine evaluates at a
// time), and the outbox delivery, in every process like the inbox (rows are claimed with
// SKIP LOCKED, so two processes never send the same delivery at once).
import type { Logger } from 'pino';
import type { AlertRuleConfig } from '../config/alerts.js';
import { deliverAlertsOnce, type AlertTarget, type DeliverDeps } from '../engine/alerts/deliver.js';
import { evaluateAlertsOnce, ruleEvaluations } from '../engine/alerts/evaluate.js';
import { startLeasedLoop, type Loop } from '../engine/workers/leased-loop.js';
import type { Db } from '../store/db.js';

export interface AlertsSettings {
  targets: readonly AlertTarget[];
  rules: readonly AlertRuleConfig[];
  evaluateEveryMs: number;
  maxAttempts: number;
  /** Backoff between delivery tries (tests shorten it). */
  backoff?: DeliverDeps['backoff'];
  /** How often due deliveries are looked for when nothing woke the loop. */
  deliverIdleMs?: number;
}

export function startAlertLoops(d: { db: Db; log: Logger; owner: string; alerts: AlertsSettings }): Loop[] {
  const { alerts } = d;
  if (alerts.targets.length === 0) return [];
  const log = d.log.child({ component: 'alerts' });
  const deliver = startLeasedLoop({
    db: d.db,
    log,
    lease: `alerts-deliver:${d.owner}`,
    owner: d.owner,
    idleMs: alerts.deliverIdleMs ?? 1_000,
    step: () =>
      deliverAlertsOnce({
        db: d.db,
        log,
        targets: alerts.targets,
        maxAttempts: alerts.maxAttempts,
        ...(alerts.backoff && { backoff: alerts.backoff }),
      }),
  });
  if (alerts.rules.length === 0) return [deliver];
  const rules = ruleEvaluations(
    alerts.rules,
    alerts.targets.map((t) => t.name),
  );
  const evaluate = startLeasedLoop({
    db: d.db,
    log,
    lease: 'alerts-evaluate',
    owner: d.owner,
    idleMs: alerts.evaluateEveryMs,
    step: async () => {
      if (await evaluateAlertsOnce({ db: d.db, log, rules })) deliver.wake();
      return false;
    },
  });
  return [evaluate, deliver];
}
