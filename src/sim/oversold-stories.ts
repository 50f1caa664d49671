// The story of each oversold order, for the report: its SKUs' traces from 20 s before the
// sale to 3 s after, taken as soon as the oversell is found and the engine's order for it
// is known (a busy SKU's trace keeps only its latest lines, so the story cannot wait for
// the end of the run).
import type { OrderBook, PlacedOrder } from './order-book.js';
import type { SkuTrace, TraceLine } from './sku-trace.js';

export interface OversoldStory {
  channel: PlacedOrder['channel'];
  orderId: string;
  lines: PlacedOrder['lines'];
  /** Real ms from the start of the trace to the sale. */
  placedAtMs: number;
  trace: Record<string, TraceLine[]>;
}

/** Stories kept at most: enough to see the pattern, not a report the size of the run. */
const STORIES_KEPT = 20;

export class OversoldStories {
  readonly stories: OversoldStory[] = [];
  private readonly untold = new Set<string>(); // oversold references whose engine order is not known yet

  constructor(
    private readonly orders: OrderBook,
    private readonly trace: SkuTrace,
  ) {}

  /**
   * The 3PL could not allocate these references: say so in their SKUs' traces and keep
   * their stories; those whose engine order is not read yet are told at a later call.
   */
  tell(references: readonly string[]): void {
    for (const reference of references) this.untold.add(reference);
    for (const reference of this.untold) {
      const order = this.orders.ofReference(reference);
      if (!order) continue;
      this.untold.delete(reference);
      for (const l of order.lines) this.trace.add(l.sku, `warehouse could not allocate ${reference} (order ${order.orderId} on ${order.channel})`);
      if (this.stories.length < STORIES_KEPT) this.stories.push(this.storyOf(order));
    }
  }

  private storyOf(order: PlacedOrder): OversoldStory {
    return {
      channel: order.channel,
      orderId: order.orderId,
      lines: order.lines,
      placedAtMs: order.placedAt - this.trace.startedAt,
      trace: Object.fromEntries(order.lines.map((l) => [l.sku, this.trace.around(l.sku, order.placedAt, 20_000, 3_000)])),
    };
  }
}
