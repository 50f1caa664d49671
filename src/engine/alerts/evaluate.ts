// Evaluates the configured alert rules: each is one statement (store/alerts.ts) that fires
// what became true, resolves what stopped being true and queues the deliveries. Run by
// one engine at a time under a lease (runtime/workers.ts); running it twice is harmless.
import type { Logger } from 'pino';
import type { AlertRuleConfig } from '../../config/alerts.js';
import { evaluateRule, pruneResolvedAlerts, type RuleEvaluation } from '../../store/alerts.js';
import type { Db } from '../../store/db.js';

export function ruleEvaluations(rules: readonly AlertRuleConfig[], allTargets: readonly string[]): RuleEvaluation[] {
  return rules.map((r) => {
    const params =
      r.rule === 'drift'
        ? [r.aboveUnits]
        : r.rule === 'connection-failing'
          ? [r.for]
          : r.rule === 'dirty-listing-age'
            ? [r.olderThan]
            : r.rule === 'webhooks-silent'
              ? [r.for, r.minOrders]
              : [];
    return { name: r.name ?? r.rule, kind: r.rule, params, targets: r.targets ?? allTargets };
  });
}

/** How long resolved alerts and their deliveries are kept (`stocksync` keeps no other copy). */
export const ALERT_HISTORY_MS = 90 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
let prunedAt = 0;

/** Evaluates every rule; true when something fired or resolved (deliveries are waiting). */
export async function evaluateAlertsOnce(d: { db: Db; log: Logger; rules: readonly RuleEvaluation[] }): Promise<boolean> {
  let changed = false;
  for (const rule of d.rules) {
    const { fired, resolved } = await evaluateRule(d.db, rule);
    if (fired > 0 || resolved > 0) {
      d.log.info({ rule: rule.name, fired, resolved }, 'alerts changed');
      changed = true;
    }
  }
  // The same engine that writes the history trims it, hourly.
  if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
    prunedAt = Date.now();
    await pruneResolvedAlerts(d.db, ALERT_HISTORY_MS);
  }
  return changed;
}
