// The `alerts:` section of stocksync.yaml: where alerts go (targets) and when they fire
// (rules). Evaluated by src/engine/alerts; every rule fires once per subject and resolves
// once. Secrets (the webhook's signing secret, a Slack URL, which is a credential) are
// environment references like every other secret in the file.
import * as z from 'zod';
import { parseDuration } from './duration.js';
import type { secretRefSchema as SecretRefSchema } from './schema.js';

const DURATION_HELP = 'must be a duration such as 30s, 5m or 1h';
const duration = (fallback: string, minMs = 1_000) =>
  z
    .string({ error: DURATION_HELP })
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms < minMs) {
        ctx.addIssue({ code: 'custom', message: ms === undefined ? DURATION_HELP : `must be at least ${minMs / 1000}s` });
        return z.NEVER;
      }
      return ms;
    });

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const nameSchema = z.string({ error: 'must be a string' }).regex(NAME, "must use only a-z, 0-9 and '-' (1 to 63 characters)");
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/**
 * Built by schema.ts with its secret reference schema (passed in: schema.ts imports this
 * file, so importing it back would be a cycle).
 */
export function alertsSchemaWith(secretRefSchema: typeof SecretRefSchema) {
  /** A JSON POST signed with HMAC-SHA256 (see README "Metrics and alerts" for the header). */
  const webhookTarget = z.strictObject({
    name: nameSchema,
    kind: z.literal('webhook'),
    url: httpUrl,
    secret: secretRefSchema,
  });

  /** A Slack-compatible incoming webhook ({ text }); its URL is the credential. */
  const slackTarget = z.strictObject({
    name: nameSchema,
    kind: z.literal('slack'),
    url: secretRefSchema,
  });

  const targetSchema = z.discriminatedUnion('kind', [webhookTarget, slackTarget], { error: 'kind must be webhook or slack' });

  const common = {
    /** Names alerts of this rule (default: the rule); lets one rule appear twice with other thresholds. */
    name: nameSchema.optional(),
    /** Target names; default every target. */
    targets: z.array(nameSchema, { error: 'must be a list of target names' }).optional(),
  };
  const units = z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must not be negative');

  const ruleSchema = z.discriminatedUnion(
    'rule',
    [
      /** An oversell incident is open on a SKU (resolves when its incidents are resolved). */
      z.strictObject({ ...common, rule: z.literal('oversell') }),
      /** The last completed reconciliation of a connection found more drift units than this. */
      z.strictObject({ ...common, rule: z.literal('drift'), aboveUnits: units.default(0) }),
      /** A connection's calls fail auth, or it stays unreachable after retries, for this long. */
      z.strictObject({ ...common, rule: z.literal('connection-failing'), for: duration('5m') }),
      /** A connection's oldest dirty listing has waited longer than this. */
      z.strictObject({ ...common, rule: z.literal('dirty-listing-age'), olderThan: duration('10m') }),
      /** No webhook for this long while polls recorded at least minOrders orders webhooks never brought. */
      z.strictObject({
        ...common,
        rule: z.literal('webhooks-silent'),
        for: duration('30m', 60_000),
        minOrders: units.min(1, 'must be at least 1').default(1),
      }),
      /** The last finished reconciliation of a connection failed. */
      z.strictObject({ ...common, rule: z.literal('reconciliation-failed') }),
    ],
    { error: 'rule must be one of: oversell, drift, connection-failing, dirty-listing-age, webhooks-silent, reconciliation-failed' },
  );

  return z
    .strictObject({
      targets: z.array(targetSchema, { error: 'must be a list' }).default([]),
      rules: z.array(ruleSchema, { error: 'must be a list' }).default([]),
      /** How often the rules are evaluated (one engine does it, under a lease). */
      evaluateEvery: duration('30s'),
      /** Deliveries are retried (429, 5xx, network errors) this many times in all, then kept as failed. */
      maxAttempts: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1).max(100).default(12),
    })
    .superRefine((a, ctx) => {
      const targets = new Set<string>();
      a.targets.forEach((t, i) => {
        if (targets.has(t.name)) ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `duplicate target name ${t.name}` });
        targets.add(t.name);
      });
      const rules = new Set<string>();
      a.rules.forEach((r, i) => {
        const name = r.name ?? r.rule;
        if (rules.has(name)) ctx.addIssue({ code: 'custom', path: ['rules', i], message: `two rules named ${name}: give one a name` });
        rules.add(name);
        r.targets?.forEach((t, k) => {
          if (!targets.has(t)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'targets', k], message: `no target named ${t}` });
        });
      });
      if (a.rules.length > 0 && a.targets.length === 0) ctx.addIssue({ code: 'custom', path: ['targets'], message: 'rules need at least one target' });
    });
}

export type AlertsFile = z.output<ReturnType<typeof alertsSchemaWith>>;
export type AlertRuleConfig = AlertsFile['rules'][number];
