/** Per-instance call accounting read through the control API. */
export interface CallStatsSnapshot {
  calls: Record<string, number>;
  throttled: number;
  errors: number;
}

export interface CallStats {
  /** endpoint: a stable label such as "POST graphql inventorySetQuantities". */
  call(endpoint: string): void;
  throttled(): void;
  error(): void;
  snapshot(): CallStatsSnapshot;
  reset(): void;
}

export function createCallStats(): CallStats {
  let calls = new Map<string, number>();
  let throttled = 0;
  let errors = 0;
  return {
    call(endpoint) {
      calls.set(endpoint, (calls.get(endpoint) ?? 0) + 1);
    },
    throttled() {
      throttled++;
    },
    error() {
      errors++;
    },
    snapshot() {
      return { calls: Object.fromEntries(calls), throttled, errors };
    },
    reset() {
      calls = new Map();
      throttled = 0;
      errors = 0;
    },
  };
}
