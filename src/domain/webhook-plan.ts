// What registering a connection's webhooks must do, from what the platform lists: pure,
// so that the rules below are property-tested (test/domain/webhook-plan.test.ts).
//
// "Ours" is recognised by the path alone: a subscription whose address path ends with
// /webhooks/<connectionId> delivers to a stocksync engine for this connection, whatever
// the host (an old publicUrl, a tunnel that changed). Anything else belongs to another app
// and is never touched. Of ours, one per consumed topic at exactly our address is kept;
// the rest is stale: a topic the engine no longer consumes, an old address, a duplicate.

export interface ListedWebhook {
  id: string;
  topic: string;
  address: string;
  status?: string;
}

export type StaleReason = 'topic_not_consumed' | 'old_address' | 'duplicate';

export interface WebhookPlan {
  /** <publicUrl>/webhooks/<connectionId>; null without a publicUrl (status only: any host of ours counts). */
  address: string | null;
  /** Ours, at our address, one per consumed topic. */
  keep: ListedWebhook[];
  /** Consumed topics with nothing kept: to create. */
  create: string[];
  /** Ours but not wanted. */
  remove: { webhook: ListedWebhook; reason: StaleReason }[];
  /** Other apps' subscriptions: listed, never touched. */
  foreign: ListedWebhook[];
}

/** Where a connection's webhooks go: the route POST /webhooks/:connectionId under publicUrl. */
export function webhookAddress(publicUrl: string, connectionId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(connectionId)}`;
}

/** Scheme, host, port and path, lower-cased where URLs are case-insensitive; null when not a URL. */
function normalised(address: string): URL | null {
  try {
    const u = new URL(address);
    u.pathname = u.pathname.replace(/\/+$/, '');
    return u;
  } catch {
    return null;
  }
}

/** Whether a subscription delivers to a stocksync engine for this connection (any host). */
export function isOurs(address: string, connectionId: string): boolean {
  const u = normalised(address);
  return u !== null && u.pathname.endsWith(`/webhooks/${encodeURIComponent(connectionId)}`);
}

function sameAddress(a: string, b: string): boolean {
  const x = normalised(a);
  const y = normalised(b);
  return x !== null && y !== null && x.href === y.href;
}

export function planWebhooks(input: {
  connectionId: string;
  publicUrl: string | null;
  topics: readonly string[];
  listed: readonly ListedWebhook[];
}): WebhookPlan {
  const address = input.publicUrl === null ? null : webhookAddress(input.publicUrl, input.connectionId);
  const wanted = new Set(input.topics);
  const plan: WebhookPlan = { address, keep: [], create: [], remove: [], foreign: [] };
  const kept = new Set<string>();
  // Listed order decides which of two duplicates stays: the platform's (oldest first on both).
  for (const w of input.listed) {
    if (!isOurs(w.address, input.connectionId)) plan.foreign.push(w);
    else if (!wanted.has(w.topic)) plan.remove.push({ webhook: w, reason: 'topic_not_consumed' });
    else if (address !== null && !sameAddress(w.address, address)) plan.remove.push({ webhook: w, reason: 'old_address' });
    else if (kept.has(w.topic)) plan.remove.push({ webhook: w, reason: 'duplicate' });
    else {
      kept.add(w.topic);
      plan.keep.push(w);
    }
  }
  plan.create = [...wanted].filter((t) => !kept.has(t));
  return plan;
}

/** `remove`: every subscription of ours, whatever its topic or host; others' are kept. */
export function oursOf(connectionId: string, listed: readonly ListedWebhook[]): ListedWebhook[] {
  return listed.filter((w) => isOurs(w.address, connectionId));
}
