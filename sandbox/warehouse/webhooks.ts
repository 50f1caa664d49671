// ShipBob's webhook subscriptions (2026-01): a subscription holds a URL, several topics and
// its own signing secret ("whsec_" + base64, given by the caller or generated). Deliveries
// are signed as ShipBob signs them (see signing.ts); the topic travels in x-webhook-topic,
// the body is the resource as its GET endpoint returns it. ShipBob has no inventory topic.
import { randomBytes } from 'node:crypto';
import type { Faults } from '../core/faults.js';
import type { Rng } from '../core/rng.js';
import type { WebhookSender } from '../core/webhooks.js';
import { signingKey, standardSignature } from './signing.js';

export const SHIPBOB_TOPICS = [
  'order.shipped',
  'order.delivered',
  'order.shipment.delivered',
  'order.shipment.exception',
  'order.shipment.on_hold',
  'order.shipment.cancelled',
  'order.shipment.tracking.updated',
  'return.created',
  'return.updated',
  'return.completed',
  'wro.created',
  'wro.updated',
  'wro.completed',
  'billing.charge.created',
  'billing.refund.created',
  'billing.credit.created',
] as const;

export interface Subscription {
  id: string;
  url: string;
  topics: string[];
  description: string | null;
  secret: string;
  enabled: boolean;
  created_at: string;
}

export interface WarehouseHooks {
  /** Throws on an unknown topic or a secret that is not "whsec_" + base64 of 24 to 64 bytes. */
  subscribe(topics: string[], url: string, secret?: string, description?: string | null): Subscription;
  list(): Subscription[];
  remove(id: string): boolean;
  emit(topic: string, payload: Record<string, unknown>): void;
  /** Events emitted per topic (before faults), for truth(). */
  counts(): Record<string, number>;
}

export function isTopic(t: unknown): t is (typeof SHIPBOB_TOPICS)[number] {
  return typeof t === 'string' && (SHIPBOB_TOPICS as readonly string[]).includes(t);
}

export function validSecret(secret: string): boolean {
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(secret)) return false;
  const n = signingKey(secret).length;
  return n >= 24 && n <= 64;
}

export function createWarehouseHooks(sender: WebhookSender, faults: Faults, rng: Rng): WarehouseHooks {
  const subs = new Map<string, Subscription>();
  const counts: Record<string, number> = {};
  const randomId = (prefix: string, n: number) =>
    `${prefix}${Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[rng.int(0, 35)]).join('')}`;
  return {
    subscribe(topics, url, secret, description = null) {
      const bad = topics.find((t) => !isTopic(t));
      if (bad !== undefined || topics.length === 0) throw new Error(`unknown ShipBob topic ${bad ?? '(none)'} (${SHIPBOB_TOPICS.join(', ')})`);
      const key = secret ?? `whsec_${randomBytes(32).toString('base64')}`;
      if (!validSecret(key)) throw new Error('secret must be "whsec_" followed by the base64 of 24 to 64 bytes');
      const s: Subscription = {
        id: randomId('ep_', 20),
        url,
        topics: [...new Set(topics)],
        description,
        secret: key,
        enabled: true,
        created_at: faults.now().toISOString(),
      };
      subs.set(s.id, s);
      return s;
    },
    list: () => [...subs.values()],
    remove: (id) => subs.delete(id),
    emit(topic, payload) {
      const targets = [...subs.values()].filter((s) => s.enabled && s.topics.includes(topic));
      if (targets.length === 0) return;
      counts[topic] = (counts[topic] ?? 0) + 1;
      // The body is a snapshot taken now; its id stays the same on retries and duplicates.
      const body = JSON.stringify(payload);
      for (const s of targets) {
        const id = randomId('msg_', 27);
        sender.send({
          url: s.url,
          headers: { 'webhook-id': id, 'x-webhook-topic': topic },
          body,
          signHeaders: (b) => {
            const timestamp = Math.floor(faults.now().getTime() / 1000);
            return { 'webhook-timestamp': String(timestamp), 'webhook-signature': standardSignature(s.secret, id, timestamp, b) };
          },
        });
      }
    },
    counts: () => ({ ...counts }),
  };
}
