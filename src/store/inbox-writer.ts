// Group commit for the webhook inbox. One commit (one WAL flush) per webhook was what
// bounded ingress (bench/results/ingress.md); here the events of concurrent requests
// share one INSERT and one commit. A request's promise settles only after the statement
// holding its row has committed, so nothing is acknowledged that is not stored.
//
// While `maxInFlight` writes are running, new events wait in the queue; the next write
// takes everything queued (up to `maxRows` and `maxBytes`). Duplicates of one event in
// the same write are sent once and share its fate: the first delivery reports "stored",
// the others "duplicate". Across writes the unique key decides (ON CONFLICT DO NOTHING
// waits for a concurrent insert of the same key to commit or roll back). A delivery not
// stored is compared with the stored body: other bytes under the same event id make it
// a "conflict", which the caller keeps in the quarantine instead of dropping it.
import { createHash } from 'node:crypto';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { storedBodyDigests, inboxKey, insertInboxEvents, type InboxEventIn } from './inbox.js';

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

/**
 * `stored`: committed now. `duplicate`: the same bytes were stored under this event id
 * before. `conflict`: other bytes were stored under this event id (not stored again).
 */
export type InboxWriteOutcome = 'stored' | 'duplicate' | 'conflict';

export interface InboxWriter {
  /** Resolves once the event is committed or known to be stored already; rejects with a StoreError. */
  write(event: InboxEventIn): Promise<InboxWriteOutcome>;
}

interface Pending {
  event: InboxEventIn;
  resolve: (outcome: InboxWriteOutcome) => void;
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
      return new Promise<InboxWriteOutcome>((resolve, reject) => {
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
  let stored: Set<string>;
  try {
    stored = await insertInboxEvents(
      db,
      unique.map((g) => g[0]!.event),
    );
  } catch (e) {
    // One row's bad data (a NUL byte PostgreSQL text cannot hold, an 8 KB event id over
    // the index's row limit) must not fail the innocent events written with it: each is
    // retried alone. Anything else (connection lost, timeout, shutdown) fails the batch.
    if (unique.length > 1 && isRowError(e)) {
      await Promise.all(unique.map((group) => writeBatch(db, group, onStored)));
      return;
    }
    const err = toStoreError(e);
    for (const p of batch) p.reject(err);
    return;
  }
  if (stored.size > 0) onStored?.();
  const notStored: Pending[] = [];
  for (const [key, group] of groups) {
    if (stored.has(key)) group[0]!.resolve('stored');
    else notStored.push(group[0]!);
    notStored.push(...group.slice(1));
  }
  if (notStored.length === 0) return;
  try {
    await settleNotStored(db, notStored);
  } catch (e) {
    const err = toStoreError(e);
    for (const p of notStored) p.reject(err);
  }
}

/** Duplicate or conflict: each delivery's bytes against those stored under its event id. */
async function settleNotStored(db: Db, pending: Pending[]): Promise<void> {
  const digests = await storedBodyDigests(
    db,
    pending.map((p) => p.event),
  );
  for (const p of pending) {
    const stored = digests.get(inboxKey(p.event.connectionId, p.event.eventId));
    // No row (removed since): nothing to conflict with.
    p.resolve(stored === undefined || stored.equals(bodyDigest(p.event.body)) ? 'duplicate' : 'conflict');
  }
}

function sqlState(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

// SQLSTATE classes caused by a row's values: 22 (data exception), 23 (integrity
// violation), 54 (program limit exceeded: 54000 is an index row over 8,191 bytes).
function isRowError(e: unknown): boolean {
  return /^(22|23|54)/.test(sqlState(e));
}

function toStoreError(e: unknown): StoreError {
  const message = `inbox write failed: ${(e as Error).message}`;
  // class 22 or 54 on a single event: its own data cannot be stored, retrying will not help
  return new StoreError(/^(22|54)/.test(sqlState(e)) ? 'INPUT_INVALID' : 'DB_UNAVAILABLE', message);
}

function bodyDigest(body: Buffer): Buffer {
  return createHash('sha256').update(body).digest();
}
