// Registering each connection's webhooks with its platform (`stocksync webhooks register`,
// and the engine's start when server.publicUrl is set), showing them (`status`) and taking
// ours away (`remove`). Works with any connector that carries a WebhookRegistration
// (detected by property, see registrationOf): Shopify, WooCommerce, a warehouse's.
//
// register is idempotent: list, keep ours at our address, create the missing, then remove
// the stale (src/domain/webhook-plan.ts says which are ours and which are stale). Creating
// comes first so that moving publicUrl never leaves a topic without deliveries, and an old
// address is only removed once its topic is in place at the new one. A failure of one call
// does not stop the others; a re-run finishes the job.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Connector, WebhookRegistration } from '../connectors/types.js';
import { oursOf, planWebhooks, webhookAddress, type ListedWebhook, type StaleReason } from '../domain/webhook-plan.js';
import type { Db } from '../store/db.js';
import { acquireLease, releaseLease } from '../store/leases.js';
import { recordRegistration } from '../store/webhook-registrations.js';

/** Longest a registration may hold its connection's lease (a few dozen calls). */
const LEASE_MS = 120_000;

export interface RegistrationFailure {
  /** check: the config makes it impossible (no secret); lease: another registration is running. */
  action: 'list' | 'create' | 'remove' | 'check' | 'lease';
  /** The topic created or the subscription id removed. */
  target: string;
  error: string;
}

export interface ConnectionWebhooks {
  connectionId: string;
  platform: string;
  /** `unsupported`: the engine does not register this platform's webhooks (see note). */
  state: 'done' | 'failed' | 'unsupported';
  note?: string;
  address: string | null;
  /** Ours at our address, one per consumed topic (after a register: what is in place). */
  registered: ListedWebhook[];
  /** Consumed topics without a subscription (after a register: what could not be created). */
  missing: string[];
  /** Ours but not wanted (status: what a register would remove; register: what it could not). */
  stale: { webhook: ListedWebhook; reason: StaleReason }[];
  /** Subscriptions to other apps' addresses: never touched. */
  foreign: number;
  created: ListedWebhook[];
  removed: ListedWebhook[];
  failures: RegistrationFailure[];
}

export interface RegistrationDeps {
  log: Logger;
  /** Where the lease and the last registration are kept; without it neither is. */
  db?: Db;
}

/** The connector's WebhookRegistration: its `webhookRegistration` property, or the connector itself. */
export function registrationOf(connector: Connector): WebhookRegistration | undefined {
  const candidate: unknown = (connector as { webhookRegistration?: unknown }).webhookRegistration ?? connector;
  const r = candidate as Partial<WebhookRegistration> | null;
  return typeof r === 'object' &&
    r !== null &&
    Array.isArray(r.topics) &&
    typeof r.list === 'function' &&
    typeof r.create === 'function' &&
    typeof r.remove === 'function'
    ? (r as WebhookRegistration)
    : undefined;
}

/** Why a platform's webhooks are not ours to register. */
function unsupportedNote(platform: string): string {
  if (platform === 'amazon') {
    return (
      "Amazon's notifications go to an SQS queue or EventBridge, not to our webhook route: subscribe them with the SP-API Notifications API " +
      '(createSubscription); stocksync does not register them (an HTTP relay posts to <publicUrl>/webhooks/<connection id>?token=<credentials.notificationToken>)'
    );
  }
  if (platform === 'manual') return 'a manual channel has no platform to subscribe to';
  return `the ${platform} connector cannot register webhooks: subscribe them on the platform, to <publicUrl>/webhooks/<connection id>`;
}

function blank(connectionId: string, platform: string, address: string | null): ConnectionWebhooks {
  return { connectionId, platform, state: 'done', address, registered: [], missing: [], stale: [], foreign: 0, created: [], removed: [], failures: [] };
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

/** What the platform holds for the connection, against what register would make of it. No changes. */
export async function webhookStatus(connectionId: string, connector: Connector, publicUrl: string | undefined): Promise<ConnectionWebhooks> {
  const reg = registrationOf(connector);
  if (!reg) return { ...blank(connectionId, connector.platform, null), state: 'unsupported', note: unsupportedNote(connector.platform) };
  const out = blank(connectionId, connector.platform, null);
  let listed: ListedWebhook[];
  try {
    listed = await reg.list();
  } catch (e) {
    return { ...out, state: 'failed', failures: [{ action: 'list', target: connectionId, error: message(e) }] };
  }
  const plan = planWebhooks({ connectionId, publicUrl: publicUrl ?? null, topics: reg.topics, listed });
  return { ...out, address: plan.address, registered: plan.keep, missing: plan.create, stale: plan.remove, foreign: plan.foreign.length };
}

/** Runs `work` holding the connection's registration lease, so two engines never register one connection at once. */
async function underLease<T>(deps: RegistrationDeps, connectionId: string, work: () => Promise<T>): Promise<T | 'busy'> {
  if (!deps.db) return work();
  const name = `webhooks-register:${connectionId}`;
  const owner = randomUUID();
  if (!(await acquireLease(deps.db, name, owner, LEASE_MS))) return 'busy';
  try {
    return await work();
  } finally {
    await releaseLease(deps.db, name, owner).catch((e: unknown) => deps.log.warn({ connection: connectionId, err: message(e) }, 'could not release the lease'));
  }
}

export async function registerWebhooks(deps: RegistrationDeps, connectionId: string, connector: Connector, publicUrl: string): Promise<ConnectionWebhooks> {
  const reg = registrationOf(connector);
  if (!reg) return { ...blank(connectionId, connector.platform, null), state: 'unsupported', note: unsupportedNote(connector.platform) };
  const cannot = reg.cannotRegister?.();
  if (cannot) {
    // recorded too, so that `stocksync status` says why this connection has no webhooks
    const refused: ConnectionWebhooks = {
      ...blank(connectionId, connector.platform, webhookAddress(publicUrl, connectionId)),
      state: 'failed',
      failures: [{ action: 'check', target: connectionId, error: cannot }],
    };
    await record(deps, refused, reg.topics);
    return refused;
  }
  const result = await underLease(deps, connectionId, () => applyPlan(reg, connectionId, connector.platform, publicUrl));
  if (result === 'busy') {
    const error = 'another registration of this connection is running (another engine or command); run it again in a minute';
    return { ...blank(connectionId, connector.platform, null), state: 'failed', failures: [{ action: 'lease', target: connectionId, error }] };
  }
  await record(deps, result, reg.topics);
  const level = result.state === 'failed' ? 'warn' : 'info';
  deps.log[level](
    {
      connection: connectionId,
      address: result.address,
      kept: result.registered.length - result.created.length,
      created: result.created.map((w) => w.topic),
      removed: result.removed.map((w) => `${w.topic} ${w.address}`),
      failures: result.failures,
    },
    result.state === 'failed' ? 'webhook registration incomplete' : 'webhooks registered',
  );
  return result;
}

async function applyPlan(reg: WebhookRegistration, connectionId: string, platform: string, publicUrl: string): Promise<ConnectionWebhooks> {
  const out = blank(connectionId, platform, null);
  let listed: ListedWebhook[];
  try {
    listed = await reg.list();
  } catch (e) {
    return { ...out, state: 'failed', failures: [{ action: 'list', target: connectionId, error: message(e) }] };
  }
  const plan = planWebhooks({ connectionId, publicUrl, topics: reg.topics, listed });
  const address = webhookAddress(publicUrl, connectionId);
  out.address = address;
  out.foreign = plan.foreign.length;
  out.registered = [...plan.keep];
  for (const topic of plan.create) {
    try {
      const w = await reg.create(topic, address);
      out.created.push(w);
      out.registered.push(w);
    } catch (e) {
      out.missing.push(topic);
      out.failures.push({ action: 'create', target: topic, error: message(e) });
    }
  }
  for (const s of plan.remove) {
    // An old address goes only once its topic is delivered to the new one.
    if (s.reason === 'old_address' && out.missing.includes(s.webhook.topic)) {
      out.stale.push(s);
      continue;
    }
    try {
      await reg.remove(s.webhook.id);
      out.removed.push(s.webhook);
    } catch (e) {
      out.stale.push(s);
      out.failures.push({ action: 'remove', target: s.webhook.id, error: message(e) });
    }
  }
  if (out.failures.length > 0) out.state = 'failed';
  return out;
}

/** `remove`: every subscription of ours for the connection, whatever its topic or host; others' stay. */
export async function removeWebhooks(
  deps: RegistrationDeps,
  connectionId: string,
  connector: Connector,
  publicUrl: string | undefined,
): Promise<ConnectionWebhooks> {
  const reg = registrationOf(connector);
  if (!reg) return { ...blank(connectionId, connector.platform, null), state: 'unsupported', note: unsupportedNote(connector.platform) };
  const result = await underLease(deps, connectionId, async () => {
    const out = blank(connectionId, connector.platform, publicUrl ? webhookAddress(publicUrl, connectionId) : null);
    let listed: ListedWebhook[];
    try {
      listed = await reg.list();
    } catch (e) {
      return { ...out, state: 'failed' as const, failures: [{ action: 'list' as const, target: connectionId, error: message(e) }] };
    }
    const ours = oursOf(connectionId, listed);
    out.foreign = listed.length - ours.length;
    for (const w of ours) {
      try {
        await reg.remove(w.id);
        out.removed.push(w);
      } catch (e) {
        out.registered.push(w);
        out.failures.push({ action: 'remove', target: w.id, error: message(e) });
      }
    }
    if (out.failures.length > 0) out.state = 'failed';
    return out;
  });
  if (result === 'busy') {
    const error = 'a registration of this connection is running (another engine or command); run it again in a minute';
    return { ...blank(connectionId, connector.platform, null), state: 'failed', failures: [{ action: 'lease', target: connectionId, error }] };
  }
  if (result.address) await record(deps, { ...result, missing: [...reg.topics] }, reg.topics);
  return result;
}

async function record(deps: RegistrationDeps, r: ConnectionWebhooks, topics: readonly string[]): Promise<void> {
  if (!deps.db || r.address === null) return;
  const missing = topics.filter((t) => !r.registered.some((w) => w.topic === t));
  try {
    await recordRegistration(deps.db, {
      connectionId: r.connectionId,
      address: r.address,
      ok: r.state === 'done' && missing.length === 0,
      kept: r.registered.length - r.created.length,
      created: r.created.length,
      removed: r.removed.length,
      failed: r.failures.length,
      missing,
      error: r.failures[0] ? `${r.failures[0].action} ${r.failures[0].target}: ${r.failures[0].error}` : null,
    });
  } catch (e) {
    deps.log.warn({ connection: r.connectionId, err: message(e) }, 'could not record the webhook registration');
  }
}
