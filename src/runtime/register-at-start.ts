// With server.publicUrl set, the engine registers every connection's webhooks once it
// listens (so a platform that checks the address finds it answering). A connection whose
// registration fails for a reason a retry can fix (platform down, 5xx, another engine
// holding the lease) is tried again with backoff until it succeeds or the engine stops;
// one whose config makes it impossible (no webhook secret) is logged once and left.
import type { Logger } from 'pino';
import type { Connector } from '../connectors/types.js';
import { backoffDelayMs } from '../domain/backoff.js';
import { registerWebhooks, type ConnectionWebhooks } from '../engine/webhook-registration.js';
import type { Db } from '../store/db.js';

export interface RegisterAtStart {
  /** Every connection's first attempt. */
  firstPass: Promise<ConnectionWebhooks[]>;
  stop(): void;
}

export interface RegisterAtStartOptions {
  db: Db;
  log: Logger;
  publicUrl: string;
  connectors: ReadonlyMap<string, Connector>;
  /** Backoff of the retries (default 5 s doubling to 10 min). */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export function registerAtStart(o: RegisterAtStartOptions): RegisterAtStart {
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  const attempt = async (id: string, connector: Connector, n: number): Promise<ConnectionWebhooks> => {
    const r = await registerWebhooks({ db: o.db, log: o.log }, id, connector, o.publicUrl).catch((e: unknown): ConnectionWebhooks => ({
      connectionId: id,
      platform: connector.platform,
      state: 'failed',
      address: null,
      registered: [],
      missing: [],
      stale: [],
      foreign: 0,
      created: [],
      removed: [],
      failures: [{ action: 'check', target: id, error: (e as Error).message }],
    }));
    const hopeless = r.failures.some((f) => f.action === 'check');
    if (r.state === 'failed' && !hopeless && !stopped) {
      const wait = backoffDelayMs(n + 1, o.retryBaseMs ?? 5_000, o.retryMaxMs ?? 600_000);
      o.log.warn({ connection: id, retryInMs: wait }, 'webhook registration will be retried');
      const t = setTimeout(() => {
        timers.delete(t);
        void attempt(id, connector, n + 1);
      }, wait);
      t.unref();
      timers.add(t);
    }
    return r;
  };
  const firstPass = Promise.all([...o.connectors].map(([id, c]) => attempt(id, c, 0)));
  return {
    firstPass,
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
