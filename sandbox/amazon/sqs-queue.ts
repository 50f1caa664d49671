// One standard SQS queue, in memory, as a consumer sees it: messages become visible after
// their delay, a receive makes them invisible for the visibility timeout and hands out a
// receipt handle that is new on every receive, an undeleted message comes back when its
// visibility timeout ends, and a long poll answers as soon as one message is visible.
// Times here are real milliseconds: they are the consumer's own waits (its long poll, the
// visibility it asks for), not platform waits compressed by the sandbox's timeScale.
import { createHash } from 'node:crypto';
import type { Rng } from '../core/rng.js';
import { uuid } from './notifications.js';

interface Message {
  id: string;
  body: string;
  md5: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt: number | null;
  /** The handle of the latest receive: only it deletes the message. */
  handle: string | null;
  handles: string[];
}

const RETIRED_HANDLES = 10_000;

export interface ReceivedMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody: string;
  Body: string;
  Attributes: Record<string, string>;
}

/** Why a handle was refused, in SQS's own terms. */
export type HandleRefusal = 'ReceiptHandleIsInvalid' | 'MessageNotInflight';

export interface SqsQueueStats {
  sent: number;
  received: number;
  /** Receives of a message that had been received before (visibility ran out). */
  redelivered: number;
  deleted: number;
  /** Deletes with a handle older than the message's latest receive: accepted, not deleted. */
  staleDeletes: number;
  /** Dropped beyond SANDBOX_QUEUE_LIMIT. */
  expired: number;
}

export interface SqsQueue {
  send(body: string, delayMs?: number): string;
  receive(o: { max: number; waitMs: number; visibilityMs?: number; signal: AbortSignal }): Promise<ReceivedMessage[]>;
  /** 'ok' also when the message is gone already or the handle is stale (SQS accepts both). */
  delete(handle: string): 'ok' | HandleRefusal;
  changeVisibility(handle: string, visibilityMs: number): 'ok' | HandleRefusal;
  counts(): { visible: number; inFlight: number; delayed: number };
  stats(): SqsQueueStats;
  readonly defaultVisibilityMs: number;
  close(): void;
}

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * A sandbox left running with nobody consuming must not grow without bound: beyond this
 * many messages the oldest is dropped (counted as expired). SQS keeps every message for
 * the queue's retention period instead (4 days by default), however many there are.
 */
export const SANDBOX_QUEUE_LIMIT = 100_000;

export function createSqsQueue(o: { defaultVisibilityMs: number; rng: Rng; now?: () => number; limit?: number }): SqsQueue {
  const now = o.now ?? Date.now;
  const messages = new Map<string, Message>();
  // every handle given out for a message still held, so a stale one is told from a
  // made-up one; those of gone messages are remembered for a while (a late delete is fine)
  const handles = new Map<string, string>();
  const retired = new Set<string>();
  const forget = (m: Message): void => {
    messages.delete(m.id);
    for (const h of m.handles) {
      handles.delete(h);
      retired.add(h);
    }
    while (retired.size > RETIRED_HANDLES) retired.delete(retired.values().next().value!);
  };
  const waiters = new Set<() => void>();
  const stats: SqsQueueStats = { sent: 0, received: 0, redelivered: 0, deleted: 0, staleDeletes: 0, expired: 0 };
  const limit = o.limit ?? SANDBOX_QUEUE_LIMIT;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  // One timer for the earliest message to become visible: it wakes the long polls.
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (waiters.size === 0 || closed) return;
    const t = now();
    let next = Infinity;
    for (const m of messages.values()) if (m.visibleAt > t) next = Math.min(next, m.visibleAt);
    if (next === Infinity) return;
    timer = setTimeout(wake, Math.max(1, next - t));
  };
  const wake = (): void => {
    for (const w of [...waiters]) w();
    arm();
  };

  const take = (max: number, visibilityMs: number): ReceivedMessage[] => {
    const t = now();
    const out: ReceivedMessage[] = [];
    for (const m of messages.values()) {
      if (out.length >= max) break;
      if (m.visibleAt > t) continue;
      if (m.receiveCount > 0) stats.redelivered++;
      m.receiveCount++;
      m.firstReceiveAt ??= t;
      m.visibleAt = t + visibilityMs;
      m.handle = receiptHandle(m.id, o.rng);
      m.handles.push(m.handle);
      handles.set(m.handle, m.id);
      stats.received++;
      out.push({
        MessageId: m.id,
        ReceiptHandle: m.handle,
        MD5OfBody: m.md5,
        Body: m.body,
        Attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          ApproximateFirstReceiveTimestamp: String(m.firstReceiveAt),
        },
      });
    }
    return out;
  };

  const lookup = (handle: string): Message | HandleRefusal | null => {
    const id = handles.get(handle);
    if (id === undefined) return retired.has(handle) ? null : 'ReceiptHandleIsInvalid';
    return messages.get(id) ?? null;
  };

  return {
    defaultVisibilityMs: o.defaultVisibilityMs,
    send(body, delayMs = 0) {
      const id = uuid(o.rng);
      const t = now();
      messages.set(id, { id, body, md5: md5Hex(body), sentAt: t, visibleAt: t + delayMs, receiveCount: 0, firstReceiveAt: null, handle: null, handles: [] });
      stats.sent++;
      if (messages.size > limit) {
        // Maps iterate in insertion order: the first is the oldest message.
        forget(messages.values().next().value!);
        stats.expired++;
      }
      if (delayMs <= 0) wake();
      else arm();
      return id;
    },
    receive({ max, waitMs, visibilityMs = o.defaultVisibilityMs, signal }) {
      const now0 = take(max, visibilityMs);
      if (now0.length > 0 || waitMs <= 0 || signal.aborted) return Promise.resolve(now0);
      return new Promise((resolve) => {
        const done = (msgs: ReceivedMessage[]): void => {
          waiters.delete(check);
          clearTimeout(deadline);
          signal.removeEventListener('abort', abandon);
          resolve(msgs);
        };
        // A long poll whose client went away takes nothing: no message is hidden from others.
        const abandon = (): void => done([]);
        const check = (): void => {
          if (closed) return done([]);
          const got = take(max, visibilityMs);
          if (got.length > 0) done(got);
        };
        const deadline = setTimeout(() => done([]), waitMs);
        signal.addEventListener('abort', abandon, { once: true });
        waiters.add(check);
        arm();
      });
    },
    delete(handle) {
      const m = lookup(handle);
      if (m === null) return 'ok'; // deleted already: SQS answers success
      if (typeof m === 'string') return m;
      if (m.handle !== handle) {
        stats.staleDeletes++;
        return 'ok';
      }
      forget(m);
      stats.deleted++;
      return 'ok';
    },
    changeVisibility(handle, visibilityMs) {
      const m = lookup(handle);
      if (m === null) return 'ReceiptHandleIsInvalid';
      if (typeof m === 'string') return m;
      if (m.handle !== handle || m.visibleAt <= now()) return 'MessageNotInflight';
      m.visibleAt = now() + visibilityMs;
      if (visibilityMs === 0) wake();
      else arm();
      return 'ok';
    },
    counts() {
      const t = now();
      let visible = 0;
      let inFlight = 0;
      let delayed = 0;
      for (const m of messages.values()) {
        if (m.visibleAt <= t) visible++;
        else if (m.receiveCount > 0) inFlight++;
        else delayed++;
      }
      return { visible, inFlight, delayed };
    },
    stats: () => ({ ...stats }),
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of [...waiters]) w();
    },
  };
}

// Opaque to the consumer, as SQS's are (real ones are several hundred characters).
function receiptHandle(messageId: string, rng: Rng): string {
  const nonce = Array.from({ length: 24 }, () => rng.int(0, 255));
  return Buffer.concat([Buffer.from(messageId), Buffer.from(nonce)]).toString('base64');
}
