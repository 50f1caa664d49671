// A short history per SKU of what the simulation did and saw (sales with the count the
// shopper saw, warehouse events, every change of the sampled channel counts against the
// true ATS), so that each oversold order in a report comes with the story of its SKU.

export interface TraceLine {
  /** Real ms since the workload started. */
  t: number;
  what: string;
}

export class SkuTrace {
  private readonly lines = new Map<string, TraceLine[]>();
  private readonly lastSeen = new Map<string, string>();

  constructor(
    readonly startedAt: number,
    private readonly keep = 400,
  ) {}

  add(sku: string, what: string, at = Date.now()): void {
    let l = this.lines.get(sku);
    if (!l) this.lines.set(sku, (l = []));
    l.push({ t: at - this.startedAt, what });
    if (l.length > this.keep) l.splice(0, l.length - this.keep);
  }

  /** Adds a sample line only when it differs from the SKU's previous sample. */
  sampled(sku: string, what: string, at = Date.now()): void {
    if (this.lastSeen.get(sku) === what) return;
    this.lastSeen.set(sku, what);
    this.add(sku, what, at);
  }

  /** The SKU's lines from `beforeMs` before `at` to `afterMs` after it. */
  around(sku: string, at: number, beforeMs: number, afterMs: number): TraceLine[] {
    const rel = at - this.startedAt;
    return (this.lines.get(sku) ?? []).filter((x) => x.t >= rel - beforeMs && x.t <= rel + afterMs);
  }
}
