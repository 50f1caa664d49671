// Group commit for the webhook inbox. One commit (one WAL flush) per webhook was what
// bounded ingress (bench/results/ingress.md); here the events of concurrent requests
// share one INSERT and one commit. A request's promise settles only after the statement
// holding its row has committed, so nothing is acknowledged that is not stored.
//
// While `maxInFlight` writes are running, new events wait in the queue; the next write
// takes everything queued (up to `maxRows` and `maxBytes`). Duplicates of one event in
// the same write are sent once and share its fate: the first delivery reports "stored",
// the others "duplicate". Across writes the unique key decides (ON CONFLICT DO NOTHING
// waits for a concurrent insert of the same key to commit or roll back).
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { inboxKey, insertInboxEvents, type InboxEventIn } from './inbox.js';

export interface InboxWriterOptions {
  /** Writes running at once: one commits while the next batch fills (default 2). */
  maxInFlight?: number;
  /**
   * While a write is running, another starts only once this many events wait (default 4):
   * each write costs the server and PostgreSQL a round trip whatever its size, and a
   * write of one or two rows beside a running one bought latency at the price of that
   * work (bench/results/ingress.md). With nothing running, a write starts at once.
   */
  minBatchWhileBusy?: number;
  /** Largest batch, in events (default 500) and in body bytes (default 8 MiB). */
  maxRows?: number;
  maxBytes?: number;
  /** Called after a write stored at least one new event (wakes the inbox processor). */
  onStored?: () => void;
}

export interface InboxWriter {
  /** Resolves true once the event is committed, false for a duplicate; rejects with a StoreError. */
  write(event: InboxEventIn): Promise<boolean>;
}

interface Pending {
  event: InboxEventIn;
  resolve: (stored: boolean) => void;
  reject: (e: StoreError) => void;
}

export function createInboxWriter(db: Db, opts: InboxWriterOptions = {}): InboxWriter {
  const maxInFlight = opts.maxInFlight ?? 2;
  const minBatchWhileBusy = opts.minBatchWhileBusy ?? 4;
  const maxRows = opts.maxRows ?? 500;
  const maxBytes = opts.maxBytes ?? 8 * 1024 * 1024;
  const queue: Pending[] = [];
  let inFlight = 0;

  const kick = (): void => {
    while (inFlight < maxInFlight && queue.length >= (inFlight === 0 ? 1 : minBatchWhileBusy)) {
      inFlight++;
      void writeBatch(db, takeBatch(queue, maxRows, maxBytes), opts.onStored).finally(() => {
        inFlight--;
        kick();
      });
    }
  };

  return {
    write(event) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        kick();
      });
    },
  };
}

/** The oldest queued events, at least one, within the row and byte limits. */
function takeBatch(queue: Pending[], maxRows: number, maxBytes: number): Pending[] {
  let n = 0;
  let bytes = 0;
  while (n < queue.length && n < maxRows) {
    bytes += queue[n]!.event.body.length;
    if (n > 0 && bytes > maxBytes) break;
    n++;
  }
  return queue.splice(0, n);
}

/** Never rejects: every pending promise of the batch is settled instead. */
async function writeBatch(db: Db, batch: Pending[], onStored: (() => void) | undefined): Promise<void> {
  const groups = new Map<string, Pending[]>();
  for (const p of batch) {
    const key = inboxKey(p.event.connectionId, p.event.eventId);
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  const unique = [...groups.values()];
  try {
    const stored = await insertInboxEvents(
      db,
      unique.map((g) => g[0]!.event),
    );
    for (const [key, group] of groups) settle(group, stored.has(key));
    if (stored.size > 0) onStored?.();
  } catch (e) {
    // One row's bad data (e.g. a NUL byte PostgreSQL text cannot hold) must not fail the
    // innocent events written with it: each is retried alone. Anything else (connection
    // lost, timeout, server shutting down) fails the whole batch.
    if (unique.length > 1 && isRowError(e)) {
      await Promise.all(unique.map((group) => writeBatch(db, group, onStored)));
      return;
    }
    const err = toStoreError(e);
    for (const p of batch) p.reject(err);
  }
}

function settle(group: Pending[], stored: boolean): void {
  group[0]!.resolve(stored);
  for (let i = 1; i < group.length; i++) group[i]!.resolve(false);
}

function sqlState(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

// SQLSTATE class 22 (data exception) and 23 (integrity violation): caused by a row's values
function isRowError(e: unknown): boolean {
  return /^2[23]/.test(sqlState(e));
}

function toStoreError(e: unknown): StoreError {
  const message = `inbox write failed: ${(e as Error).message}`;
  // class 22 on a single event: its own data cannot be stored, retrying will not help
  return new StoreError(sqlState(e).startsWith('22') ? 'INPUT_INVALID' : 'DB_UNAVAILABLE', message);
}
