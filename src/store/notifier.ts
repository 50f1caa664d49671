// LISTEN/NOTIFY wake-ups: a dispatcher sleeps until its connection has a dirty listing
// instead of polling the table. A lost notification only delays work until the next
// periodic check, because the tables, not the notifications, say what is to do.
import pg from 'pg';
import type { Logger } from 'pino';

export type Wake = () => void;

export interface Notifier {
  /** Calls `wake` whenever `channel` is notified with this payload (null: any payload). */
  on(channel: string, payload: string | null, wake: Wake): () => void;
  close(): Promise<void>;
}

export async function createNotifier(url: string, channels: readonly string[], log: Logger): Promise<Notifier> {
  const listeners = new Set<{ channel: string; payload: string | null; wake: Wake }>();
  let client: pg.Client | undefined;
  let closed = false;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, application_name: 'stocksync-notifier' });
    c.on('notification', (n) => {
      for (const l of listeners) if (l.channel === n.channel && (l.payload === null || l.payload === n.payload)) l.wake();
    });
    c.on('error', (e) => {
      log.warn({ err: e.message }, 'notifier connection lost; reconnecting');
      void c.end().catch(() => {});
      if (!closed) setTimeout(() => void connect().catch(() => {}), 1000);
      // Whatever was notified meanwhile is still in the tables: wake everyone once.
      for (const l of listeners) l.wake();
    });
    await c.connect();
    for (const ch of channels) await c.query(`LISTEN ${pg.escapeIdentifier(ch)}`);
    client = c;
  };
  await connect();

  return {
    on(channel, payload, wake) {
      const entry = { channel, payload, wake };
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    async close() {
      closed = true;
      await client?.end().catch(() => {});
    },
  };
}
