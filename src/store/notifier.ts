// LISTEN/NOTIFY wake-ups: a dispatcher sleeps until its connection has a dirty listing
// instead of polling the table. A lost notification only delays work until the next
// periodic check, because the tables, not the notifications, say what is to do. The
// listening connection is re-established for as long as the process runs (issue 14,
// defect 6: it used to try once), and its state is reported by /healthz and status.
import pg from 'pg';
import type { Logger } from 'pino';
import { backoffDelayMs } from '../domain/backoff.js';

export type Wake = () => void;

export interface NotifierHealth {
  connected: boolean;
  /** When the listener last connected or was lost. */
  since: Date;
  reconnects: number;
  lastError?: string;
}

export interface Notifier {
  /** Calls `wake` whenever `channel` is notified with this payload (null: any payload). */
  on(channel: string, payload: string | null, wake: Wake): () => void;
  health(): NotifierHealth;
  close(): Promise<void>;
}

export interface NotifierOptions {
  /** First reconnection delay, doubled up to `maxRetryMs` (defaults 100 ms and 5 s). */
  retryMs?: number;
  maxRetryMs?: number;
}

export async function createNotifier(url: string, channels: readonly string[], log: Logger, opts: NotifierOptions = {}): Promise<Notifier> {
  const listeners = new Set<{ channel: string; payload: string | null; wake: Wake }>();
  let client: pg.Client | undefined;
  let closed = false;
  let since = new Date();
  let reconnects = 0;
  let lastError: string | undefined;
  let retry: NodeJS.Timeout | undefined;

  // Whatever was notified while nobody listened is still in the tables: wake everyone once.
  const wakeAll = () => {
    for (const l of listeners) l.wake();
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: 'stocksync-notifier', keepAlive: true });
    c.on('notification', (n) => {
      for (const l of listeners) if (l.channel === n.channel && (l.payload === null || l.payload === n.payload)) l.wake();
    });
    // 'error' and 'end' both come when the server ends the session: act once, for the live client only.
    c.on('error', (e) => lost(c, e.message));
    c.on('end', () => lost(c, 'connection ended'));
    try {
      await c.connect();
      for (const ch of channels) await c.query(`LISTEN ${pg.escapeIdentifier(ch)}`);
    } catch (e) {
      await c.end().catch(() => {});
      throw e;
    }
    if (closed) return void (await c.end().catch(() => {}));
    client = c;
    since = new Date();
  };

  const lost = (c: pg.Client, reason: string) => {
    if (client !== c) return;
    client = undefined;
    since = new Date();
    lastError = reason;
    void c.end().catch(() => {});
    if (closed) return;
    log.warn({ err: reason }, 'notifier connection lost; reconnecting');
    wakeAll();
    reconnect(1);
  };

  const reconnect = (attempt: number) => {
    if (closed) return;
    retry = setTimeout(
      () => {
        connect().then(
          () => {
            reconnects++;
            log.info({ attempt, reconnects }, 'notifier reconnected');
            wakeAll();
          },
          (e: unknown) => {
            lastError = (e as Error).message;
            // Every try at first, then one line in ten: a long outage must not flood the log.
            if (attempt <= 3 || attempt % 10 === 0) log.warn({ attempt, err: lastError }, 'notifier still disconnected; retrying');
            reconnect(attempt + 1);
          },
        );
      },
      backoffDelayMs(attempt, opts.retryMs ?? 100, opts.maxRetryMs ?? 5_000),
    );
  };

  await connect();

  return {
    on(channel, payload, wake) {
      const entry = { channel, payload, wake };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    health: () => ({ connected: client !== undefined, since, reconnects, ...(lastError !== undefined && { lastError }) }),
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
