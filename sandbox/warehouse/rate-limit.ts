// ShipBob's limit: 150 requests per minute in a sliding window, per user and application.
// A log of accepted requests in the last window; refused requests do not count.
export interface SlidingWindow {
  /** Remaining calls after this one, or the seconds to wait when refused. */
  take(): { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };
}

export function createSlidingWindow(limit: number, windowMs: number, now: () => number = () => performance.now()): SlidingWindow {
  const log: number[] = [];
  let head = 0;
  return {
    take() {
      const t = now();
      while (head < log.length && log[head]! <= t - windowMs) head++;
      if (head > 1024) {
        log.splice(0, head);
        head = 0;
      }
      const inWindow = log.length - head;
      if (inWindow >= limit) {
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((log[head]! + windowMs - t) / 1000)) };
      }
      log.push(t);
      return { ok: true, remaining: limit - inWindow - 1 };
    },
  };
}
