// A background loop that works only while it holds its lease: one owner per piece of
// work across every stocksync process; a dead owner's lease expires and another takes it.
import type { Logger } from 'pino';
import type { Db } from '../../store/db.js';
import { acquireLease, releaseLease } from '../../store/leases.js';

export interface LoopOptions {
  db: Db;
  log: Logger;
  lease: string; // e.g. dispatch:shop-main
  owner: string; // this process
  leaseTtlMs?: number;
  /** Does one round of work; returns true when more is waiting (loop again at once). */
  step: () => Promise<boolean>;
  /** Longest sleep between rounds when idle (a wake-up ends it early). */
  idleMs: number;
  /** Sleep after a failed round (doubles, at most 5 s). */
  errorBackoffMs?: number;
}

export interface Loop {
  wake(): void;
  stop(): Promise<void>;
}

const MAX_ERROR_BACKOFF_MS = 5_000;

export function startLeasedLoop(opts: LoopOptions): Loop {
  const ttl = opts.leaseTtlMs ?? 15_000;
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let woken = false;
  let leaseUntil = 0;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || stopped) {
        woken = false;
        return resolve();
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        woken = false;
        resolve();
      }
      wakeUp = done;
    });

  const holdLease = async (): Promise<boolean> => {
    if (Date.now() < leaseUntil - ttl / 3) return true;
    const held = await acquireLease(opts.db, opts.lease, opts.owner, ttl);
    leaseUntil = held ? Date.now() + ttl : 0;
    return held;
  };

  const run = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        if (!(await holdLease())) {
          await sleep(ttl / 3);
          continue;
        }
        const more = await opts.step();
        failures = 0;
        if (!more) await sleep(opts.idleMs);
      } catch (e) {
        failures++;
        // Capped at a few seconds: platform pacing is the connectors' job (limiters,
        // Retry-After); a long back-off here only delays every channel after a blip.
        const wait = Math.min((opts.errorBackoffMs ?? 500) * 2 ** (failures - 1), MAX_ERROR_BACKOFF_MS);
        opts.log.warn({ lease: opts.lease, err: (e as Error).message, retryInMs: wait }, 'background work failed');
        await sleep(wait);
      }
    }
  };
  const done = run();

  return {
    wake() {
      if (wakeUp) wakeUp();
      else woken = true;
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await done;
      if (leaseUntil > 0) await releaseLease(opts.db, opts.lease, opts.owner).catch(() => {});
    },
  };
}
