// Pacing for a long run of reads (a full listing) that Amazon's bucket never refuses.
//
// The client's limiter spends a token when a request leaves; Amazon spends it when the
// request arrives. Whenever the platform (or the network, or a busy machine) holds requests
// back for a while, they arrive together, more than the burst at once, and earn 429s
// that each cost a retry. This gate counts each read as spent when its answer comes back,
// the latest moment Amazon can have counted it, and counts reads still in flight as spent
// already: its level is never above Amazon's, so a read it lets out always finds a token.
// It costs nothing while answers come back quickly; when they do not, it waits instead of
// sending requests that would be refused.

export interface ReadGate {
  run<T>(read: () => Promise<T>): Promise<T>;
}

export function createReadGate(ratePerSecond: number, burst: number, now: () => number = () => performance.now()): ReadGate {
  let level = burst;
  let at = now();
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const refill = () => {
    const t = now();
    level = Math.min(burst, level + ((t - at) / 1000) * ratePerSecond);
    at = t;
  };
  const pump = () => {
    refill();
    while (waiting.length > 0 && level - inFlight >= 1) {
      inFlight++;
      waiting.shift()!();
    }
    if (waiting.length > 0 && timer === undefined) {
      const ms = ((inFlight + 1 - level) / ratePerSecond) * 1000;
      timer = setTimeout(
        () => {
          timer = undefined;
          pump();
        },
        Math.max(1, Math.ceil(ms)),
      );
    }
  };
  return {
    async run(read) {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        pump();
      });
      try {
        return await read();
      } finally {
        refill();
        level -= 1;
        inFlight--;
        pump();
      }
    },
  };
}
