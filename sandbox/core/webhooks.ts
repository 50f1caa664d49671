import type { Faults } from './faults.js';
import type { Rng } from './rng.js';

/**
 * Outgoing webhooks with the platforms' ugly parts: loss, duplicates, delay and
 * reordering come from the fault profile; retries with exponential backoff come from
 * the platform's policy. All waits are platform milliseconds times timeScale, so a
 * 4-hour Shopify retry window can pass in a few seconds of a test.
 */
export interface WebhookDelivery {
  url: string;
  /** Headers identical on every attempt and copy (event ids, topic...). */
  headers: Record<string, string>;
  /** A string is a snapshot taken at event time; a function is called at each attempt
   *  (WooCommerce builds the payload at delivery time, from the current state). */
  body: string | (() => string);
  /** Headers that depend on the body actually sent, e.g. its HMAC signature. */
  signHeaders?: (body: string) => Record<string, string>;
}

/** attempts = retries after the first failed try (Shopify: 8); 'none' = one try. */
export type WebhookRetryPolicy = { attempts: number; baseDelayMs: number } | 'none';

export interface WebhookAttemptResult {
  url: string;
  ok: boolean;
  status?: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
}

export interface WebhookSenderStats {
  /** HTTP requests made, retries and duplicate copies included. */
  sent: number;
  /** Requests answered 2xx. */
  delivered: number;
  /** Deliveries lost on purpose by the fault profile. */
  dropped: number;
  /** Extra copies sent by the fault profile. */
  duplicated: number;
  /** Copies that never got a 2xx after all their retries. */
  failed: number;
}

export interface WebhookSenderOptions {
  faults: Faults;
  rng: Rng;
  timeScale: number;
  retry: WebhookRetryPolicy;
  /** Real ms before an attempt counts as failed (Shopify: 5 s total). */
  requestTimeoutMs?: number;
  onResult?: (r: WebhookAttemptResult) => void;
}

export interface WebhookSender {
  send(d: WebhookDelivery): void;
  /** Resolves once every pending delivery, retries included, has finished. */
  flush(): Promise<void>;
  stats(): WebhookSenderStats;
  close(): void;
}

export function createWebhookSender(opts: WebhookSenderOptions): WebhookSender {
  const pending = new Set<Promise<void>>();
  // pending waits, so that close() can end them and flush() never hangs
  const timers = new Map<NodeJS.Timeout, () => void>();
  const aborts = new Set<AbortController>();
  const counts: WebhookSenderStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, failed: 0 };
  const requestTimeoutMs = opts.requestTimeoutMs ?? 5_000;
  let closed = false;

  const wait = (platformMs: number) =>
    new Promise<void>((resolve) => {
      const ms = platformMs * opts.timeScale;
      if (ms < 1) {
        // still yield, so a burst of sends is not delivered synchronously in order
        setImmediate(resolve);
        return;
      }
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.set(t, resolve);
    });

  async function attemptOnce(d: WebhookDelivery, attempt: number): Promise<boolean> {
    const body = typeof d.body === 'function' ? d.body() : d.body;
    const headers = { 'content-type': 'application/json', ...d.headers, ...d.signHeaders?.(body) };
    const abort = new AbortController();
    aborts.add(abort);
    const timer = setTimeout(() => abort.abort(), requestTimeoutMs);
    counts.sent++;
    try {
      const res = await fetch(d.url, { method: 'POST', headers, body, signal: abort.signal });
      // drain so the connection is reusable; the receiver's body is not our concern
      await res.arrayBuffer().catch(() => undefined);
      const ok = res.status >= 200 && res.status < 300;
      opts.onResult?.({ url: d.url, ok, status: res.status, attempt });
      return ok;
    } catch {
      opts.onResult?.({ url: d.url, ok: false, attempt });
      return false;
    } finally {
      clearTimeout(timer);
      aborts.delete(abort);
    }
  }

  async function deliverCopy(d: WebhookDelivery, delayMs: number): Promise<void> {
    await wait(delayMs);
    if (closed) return;
    const retries = opts.retry === 'none' ? 0 : opts.retry.attempts;
    for (let attempt = 1; attempt <= retries + 1 && !closed; attempt++) {
      if (await attemptOnce(d, attempt)) {
        counts.delivered++;
        return;
      }
      if (attempt <= retries && opts.retry !== 'none') {
        await wait(opts.retry.baseDelayMs * 2 ** (attempt - 1));
      }
    }
    if (!closed) counts.failed++;
  }

  function track(p: Promise<void>) {
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }

  return {
    send(d) {
      if (closed) return;
      const plan = opts.faults.webhookPlan();
      if (plan.drop) {
        counts.dropped++;
        return;
      }
      if (plan.copies > 1) counts.duplicated += plan.copies - 1;
      for (let i = 0; i < plan.copies; i++) {
        // a duplicate arrives a little after the original, as the platforms' do
        const extra = i === 0 ? 0 : opts.rng.int(0, Math.max(1, plan.delayMs));
        track(deliverCopy(d, plan.delayMs + extra));
      }
    },
    async flush() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    stats: () => ({ ...counts }),
    close() {
      closed = true;
      for (const [t, resolve] of timers) {
        clearTimeout(t);
        resolve();
      }
      timers.clear();
      for (const a of aborts) a.abort();
    },
  };
}

/** Target URLs per topic; the topic "*" receives every topic. */
export interface WebhookSubscriptions {
  subscribe(topic: string, url: string): void;
  unsubscribe(topic: string, url: string): void;
  urlsFor(topic: string): string[];
  list(): { topic: string; url: string }[];
}

export function createWebhookSubscriptions(initial: { topic: string; url: string }[] = []): WebhookSubscriptions {
  const byTopic = new Map<string, Set<string>>();
  const subs: WebhookSubscriptions = {
    subscribe(topic, url) {
      let urls = byTopic.get(topic);
      if (!urls) byTopic.set(topic, (urls = new Set()));
      urls.add(url);
    },
    unsubscribe(topic, url) {
      byTopic.get(topic)?.delete(url);
    },
    urlsFor(topic) {
      const urls = new Set([...(byTopic.get(topic) ?? []), ...(byTopic.get('*') ?? [])]);
      return [...urls];
    },
    list() {
      return [...byTopic].flatMap(([topic, urls]) => [...urls].map((url) => ({ topic, url })));
    },
  };
  for (const s of initial) subs.subscribe(s.topic, s.url);
  return subs;
}
