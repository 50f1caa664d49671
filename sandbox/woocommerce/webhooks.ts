// WooCommerce webhooks as WC_Webhook delivers them:
// - queued, not sent inline; while a delivery for (webhook, resource) is still queued a new
//   event for that resource schedules nothing (wc_webhook_process_delivery), so a burst
//   collapses into one delivery;
// - the payload is built when the delivery runs, from the current state (build_payload);
// - X-WC-Webhook-Signature = base64(HMAC-SHA256(body, secret)); never retried;
// - failed_delivery(): on a failure, if failure_count > 5 (woocommerce_max_webhook_delivery_failures)
//   the webhook is disabled, else the count rises; so the 7th consecutive failure disables
//   it. Success is a 2xx, 301 or 302 and resets the count.
import { createHash, createHmac } from 'node:crypto';
import type { Faults } from '../core/faults.js';
import { createRng } from '../core/rng.js';
import { createWebhookSender, type WebhookSender } from '../core/webhooks.js';

export const WOO_TOPICS = ['product.created', 'product.updated', 'product.deleted', 'order.created', 'order.updated', 'order.deleted'] as const;
export type WooTopic = (typeof WOO_TOPICS)[number];

export const WOO_STATUSES = ['active', 'paused', 'disabled'] as const;

/** woocommerce_max_webhook_delivery_failures default; disable when the count exceeds it. */
export const WOO_MAX_DELIVERY_FAILURES = 5;

export interface WooWebhook {
  id: number;
  name: string;
  topic: WooTopic;
  deliveryUrl: string;
  secret: string;
  status: (typeof WOO_STATUSES)[number];
  failureCount: number;
  created: Date;
  deliveries: number;
}

export interface WooWebhookOptions {
  faults: Faults;
  seed: number;
  label: string;
  timeScale: number;
  /** Platform ms between the event and the queued delivery running (Action Scheduler). */
  queueDelayMs: number;
  /** Real ms before a delivery attempt is abandoned (WooCommerce: 60 s). */
  deliveryTimeoutMs: number;
  maxFailures: number;
  /** Site home URL, sent as X-WC-Webhook-Source. */
  source: () => string;
  /** Current REST representation of a resource, or undefined when it no longer exists. */
  payload: (resource: 'product' | 'order', id: number) => unknown;
}

export function wooSignature(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('base64');
}

export interface WooWebhooks {
  create(input: { topic: WooTopic; deliveryUrl: string; secret?: string; name?: string; status?: WooWebhook['status'] }): WooWebhook;
  list(): WooWebhook[];
  get(id: number): WooWebhook | undefined;
  /**
   * PUT /webhooks/{id}. Setting a webhook active again starts its failure count afresh
   * (unverified: WooCommerce's admin screen does so when a disabled webhook is re-activated).
   */
  update(id: number, changes: Partial<Pick<WooWebhook, 'status' | 'deliveryUrl' | 'name' | 'secret'>>): WooWebhook | undefined;
  remove(id: number): boolean;
  /** A resource changed: schedule deliveries for every active webhook on that topic. */
  event(resource: 'product' | 'order', event: 'created' | 'updated' | 'deleted', id: number): void;
  flush(): Promise<void>;
  close(): void;
  stats(): { sent: number; delivered: number; dropped: number; duplicated: number; failed: number; collapsed: number };
}

export function createWooWebhooks(opts: WooWebhookOptions): WooWebhooks {
  const hooks = new Map<number, WooWebhook>();
  const senders = new Map<number, WebhookSender>();
  const queued = new Set<string>();
  const timers = new Map<NodeJS.Timeout, () => void>();
  const running = new Set<Promise<void>>();
  let nextId = 1;
  let collapsed = 0;

  function senderFor(hook: WooWebhook): WebhookSender {
    let s = senders.get(hook.id);
    if (!s) {
      s = createWebhookSender({
        faults: opts.faults,
        rng: createRng(opts.seed, `${opts.label}/webhook/${hook.id}`),
        timeScale: opts.timeScale,
        retry: 'none',
        requestTimeoutMs: opts.deliveryTimeoutMs,
        onResult: (r) => {
          if (r.ok) hook.failureCount = 0;
          else if (hook.failureCount > opts.maxFailures) hook.status = 'disabled';
          else hook.failureCount++;
        },
      });
      senders.set(hook.id, s);
    }
    return s;
  }

  function deliver(hook: WooWebhook, resource: 'product' | 'order', id: number): void {
    const [, event] = hook.topic.split('.') as [string, string];
    hook.deliveries++;
    // wp_hash(id . time()): one value per webhook per second, so not unique per delivery.
    const deliveryId = createHash('md5')
      .update(`${hook.id}${Math.floor(opts.faults.now().getTime() / 1000)}`)
      .digest('hex');
    senderFor(hook).send({
      url: hook.deliveryUrl,
      headers: {
        'user-agent': 'WooCommerce/9.9.0 Hookshot (WordPress/6.8)',
        'x-wc-webhook-source': opts.source(),
        'x-wc-webhook-topic': hook.topic,
        'x-wc-webhook-resource': resource,
        'x-wc-webhook-event': event,
        'x-wc-webhook-id': String(hook.id),
        'x-wc-webhook-delivery-id': deliveryId,
      },
      body: () => JSON.stringify(event === 'deleted' ? { id } : (opts.payload(resource, id) ?? { id })),
      signHeaders: (body) => ({ 'x-wc-webhook-signature': wooSignature(body, hook.secret) }),
    });
  }

  return {
    create(input) {
      const hook: WooWebhook = {
        id: nextId++,
        name: input.name ?? `Webhook ${nextId - 1}`,
        topic: input.topic,
        deliveryUrl: input.deliveryUrl,
        secret: input.secret ?? createHash('sha256').update(`${opts.label}/${nextId}`).digest('hex').slice(0, 32),
        status: input.status ?? 'active',
        failureCount: 0,
        created: opts.faults.now(),
        deliveries: 0,
      };
      hooks.set(hook.id, hook);
      return hook;
    },
    list: () => [...hooks.values()],
    get: (id) => hooks.get(id),
    update(id, changes) {
      const hook = hooks.get(id);
      if (!hook) return undefined;
      if (changes.status === 'active' && hook.status !== 'active') hook.failureCount = 0;
      Object.assign(hook, changes);
      return hook;
    },
    remove(id) {
      senders.get(id)?.close();
      senders.delete(id);
      return hooks.delete(id);
    },
    event(resource, event, id) {
      const topic = `${resource}.${event}`;
      for (const hook of hooks.values()) {
        if (hook.status !== 'active' || hook.topic !== topic) continue;
        const key = `${hook.id}:${resource}:${id}`;
        if (queued.has(key)) {
          collapsed++;
          continue;
        }
        queued.add(key);
        const run = new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            queued.delete(key);
            if (hook.status === 'active' && hooks.has(hook.id)) deliver(hook, resource, id);
            resolve();
          }, opts.queueDelayMs * opts.timeScale);
          timers.set(t, resolve);
        });
        running.add(run);
        void run.finally(() => running.delete(run));
      }
    },
    async flush() {
      while (running.size > 0) await Promise.allSettled([...running]);
      await Promise.all([...senders.values()].map((s) => s.flush()));
    },
    close() {
      for (const [t, resolve] of timers) {
        clearTimeout(t);
        resolve();
      }
      timers.clear();
      for (const s of senders.values()) s.close();
    },
    stats() {
      const total = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, failed: 0, collapsed };
      for (const s of senders.values()) {
        const st = s.stats();
        total.sent += st.sent;
        total.delivered += st.delivered;
        total.dropped += st.dropped;
        total.duplicated += st.duplicated;
        total.failed += st.failed;
      }
      return total;
    },
  };
}
