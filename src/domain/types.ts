// Glossary (docs/architecture.md, "Words"):
// - SKU: the merchant's item. A bundle is a SKU made of component SKUs (each with a quantity).
// - Connection: one configured account on one platform, kind `warehouse` or `channel`.
// - Listing: a SKU as it exists on one channel connection, with that platform's ids.
// - Stock level: what a warehouse says it has for a SKU at a location (on_hand, allocated,
//   available, with the warehouse's own timestamp).
// - Claim: units held for an accepted order that the warehouse does not yet count.
// - ATS (available to sell) per SKU = sum of warehouse `available` over the sellable
//   locations, minus open claims. May be negative after an oversell.
// - Target per listing = the channel's buffer policy applied to ATS; never negative,
//   never above max(ATS, 0).
// - Pushed per listing = the last quantity the channel acknowledged from us. A listing is
//   dirty while target != pushed.
// - Drift: a difference found by reconciliation between belief and a platform's truth.
// - Ledger entry: one append-only change to stock, with a unique idempotency key.

export type Sku = string;
export type ConnectionId = string;
export type ConnectionKind = 'channel' | 'warehouse';

/**
 * Buffer policy of one channel connection, applied in this order: reserved pool,
 * percent of the shared remainder held back (shown part rounded down), fixed units held
 * back, zero-below threshold, maximum cap. Every field is optional; absent = no effect.
 */
/**
 * How the channels of a SKU divide its stock (src/domain/buffer-modes.ts): `shared` shows
 * every channel its policy of the whole ATS; `partitioned` splits it so the channels' counts
 * add up to at most the ATS; `adaptive` (the default) is shared while the stock is
 * plentiful and partitioned while it is scarce.
 */
export type BufferMode = 'adaptive' | 'shared' | 'partitioned';

export interface BufferPolicy {
  /** Shared, partitioned or adaptive (default). */
  mode?: BufferMode;
  /** Units set aside for this channel only (e.g. wholesale); invisible to other channels. */
  reserve?: number;
  /** Percent (0..100) of the shared remainder held back from this channel. */
  holdBackPercent?: number;
  /** Fixed units held back from this channel after the percent. */
  holdBackUnits?: number;
  /** When the quantity to show is below this, show 0. */
  zeroBelow?: number;
  /** Never show more than this. */
  maxCap?: number;
}

/** One channel's effective policy for one SKU (connection policy merged with the SKU override). */
export interface ChannelPolicy {
  connectionId: ConnectionId;
  policy: BufferPolicy;
}

export interface BundleComponent {
  sku: Sku;
  quantity: number; // units of the component per bundle unit, integer >= 1
}

export interface OrderLine {
  sku: Sku;
  quantity: number; // integer >= 1
}

/** Units of one component SKU claimed for one order line. */
export interface ComponentClaim {
  lineIndex: number;
  sku: Sku; // a component (or the SKU itself when it is not a bundle)
  quantity: number;
}

export type LedgerKind =
  | 'observe_absolute' // a warehouse reported its level; delta = new - previous
  | 'observe_delta' // a warehouse reported a change
  | 'claim' // an accepted order holds units
  | 'release' // a cancelled order's claim ends
  | 'settle' // the warehouse now counts the order; the claim stops counting
  | 'reconcile'; // drift corrected by full reconciliation

export interface LedgerEntry {
  key: string; // idempotency key, unique
  sku: Sku;
  kind: LedgerKind;
  /** Change to warehouse `available` (observations, reconcile). */
  availableDelta: number;
  /** Change to open claims (claim +, release -, settle -). */
  claimedDelta: number;
}

/** Stock of one SKU as the engine sees it, plus the keys already applied. */
export interface SkuStock {
  available: number; // sum of warehouse available over sellable locations
  claimed: number; // open claims
  appliedKeys: ReadonlySet<string>;
}
