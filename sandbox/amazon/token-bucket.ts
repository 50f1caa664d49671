// A token bucket as SP-API describes its throttling: `burst` tokens at most, restored at
// `rate` per second; a request without a token is refused (no queueing).
export interface TokenBucket {
  take(): boolean;
  available(): number;
}

export function createTokenBucket(rate: number, burst: number, now: () => number = () => performance.now()): TokenBucket {
  let tokens = burst;
  let last = now();
  const refill = (): void => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate);
    last = t;
  };
  return {
    take() {
      refill();
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    available() {
      refill();
      return tokens;
    },
  };
}
