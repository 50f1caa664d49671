// Warehouse webhooks, signed as ShipBob signs them (see signing.ts). ShipBob has no
// inventory topic; `inventory.updated` is this sandbox's addition (documented in
// sandbox/README.md) so that connectors can be tested against a pushed stock level.
import type { Faults } from '../core/faults.js';
import type { Rng } from '../core/rng.js';
import type { WebhookSender } from '../core/webhooks.js';
import { standardSignature } from './signing.js';

export const WAREHOUSE_TOPICS = ['inventory.updated', 'order.shipped', 'order.shipment.exception', 'order.shipment.cancelled', 'return.completed'] as const;

export interface Subscription {
  id: number;
  topic: string;
  subscription_url: string;
  created_at: string;
}

export interface WarehouseHooks {
  subscribe(topic: string, url: string): Subscription;
  list(): Subscription[];
  remove(id: number): boolean;
  emit(topic: string, payload: Record<string, unknown>): void;
  /** Events emitted per topic (before faults), for truth(). */
  counts(): Record<string, number>;
}

export function createWarehouseHooks(sender: WebhookSender, faults: Faults, rng: Rng, secret: string): WarehouseHooks {
  const subs = new Map<number, Subscription>();
  const counts: Record<string, number> = {};
  let nextId = 1;
  return {
    subscribe(topic, url) {
      if (!WAREHOUSE_TOPICS.includes(topic as never)) throw new Error(`unknown warehouse topic ${topic} (${WAREHOUSE_TOPICS.join(', ')})`);
      const s: Subscription = { id: nextId++, topic, subscription_url: url, created_at: faults.now().toISOString() };
      subs.set(s.id, s);
      return s;
    },
    list: () => [...subs.values()],
    remove: (id) => subs.delete(id),
    emit(topic, payload) {
      const targets = [...subs.values()].filter((s) => s.topic === topic);
      if (targets.length === 0) return;
      counts[topic] = (counts[topic] ?? 0) + 1;
      // The body is a snapshot taken now; its id stays the same on retries and duplicates.
      const body = JSON.stringify({ topic, ...payload });
      for (const s of targets) {
        const id = `msg_${Array.from({ length: 24 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[rng.int(0, 35)]).join('')}`;
        sender.send({
          url: s.subscription_url,
          headers: { 'webhook-id': id, 'x-webhook-topic': topic },
          body,
          signHeaders: (b) => {
            const timestamp = Math.floor(faults.now().getTime() / 1000);
            return { 'webhook-timestamp': String(timestamp), 'webhook-signature': standardSignature(secret, id, timestamp, b) };
          },
        });
      }
    },
    counts: () => ({ ...counts }),
  };
}
