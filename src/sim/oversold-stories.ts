// The story of each oversold order, for the report: its SKUs' traces from 20 s before the
// sale to 3 s after, taken when the oversell is found (a busy SKU's trace keeps only its
// latest lines, so the story cannot wait for the end of the run).
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

  constructor(
    private readonly orders: OrderBook,
    private readonly trace: SkuTrace,
  ) {}

  /** The 3PL could not allocate `reference`: say so in its SKUs' traces and keep its story. */
  tell(reference: string): void {
    const order = this.orders.ofReference(reference);
    if (!order) return;
    for (const l of order.lines) this.trace.add(l.sku, `warehouse could not allocate ${reference} (order ${order.orderId} on ${order.channel})`);
    if (this.stories.length < STORIES_KEPT) this.stories.push(this.storyOf(order));
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
