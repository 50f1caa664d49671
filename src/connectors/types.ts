// The small typed interfaces every connector implements. One connector = one folder
// under src/connectors/<platform>/ exporting a factory; capabilities are declared here,
// never guessed by the engine.
//
// Glossary:
// - expected: the quantity we believe the channel shows now (listing.pushed); a
//   compare-and-set push fails as `stale` when the channel shows something else.
// - cursor: an opaque string a poll returns and gets back next time (stored per
//   connection and stream).
// - platform ids: the ids that identify a listing on its platform (Shopify
//   inventoryItemId + locationId, WooCommerce productId/variationId, Amazon sellerSku).

import type { Logger } from 'pino';
import type { ConnectorError } from './errors.js';
import type { FileFeed } from './file-feed.js';

export type RateLimitModel =
  | { kind: 'cost-bucket'; restorePerSecond: number; bucketSize: number } // Shopify GraphQL query cost
  | { kind: 'token-bucket'; ratePerSecond: number; burst: number } // Amazon, per operation
  | { kind: 'sliding-window'; requests: number; windowMs: number } // ShipBob, BigCommerce
  | { kind: 'none' };

export interface Capabilities {
  /** Most listings one push call may carry (Shopify 250, WooCommerce 100, Amazon 1). */
  maxBatch: number;
  /** Absolute set that fails when the channel's count is not `expected` (Shopify). */
  compareAndSet: boolean;
  /** Relative change with an idempotency key (Shopify inventoryAdjustQuantities). */
  relativeAdjust: boolean;
  /**
   * How a webhook proves it came from the platform: an HMAC of the raw body, or (Amazon's
   * notifications, which carry no signature) a secret token in the URL we subscribed.
   */
  webhookVerification: 'hmac-sha256-base64' | 'url-token';
  /** A push is applied later (Amazon ACCEPTED): the channel may show the old count a while. */
  asyncApply: boolean;
  rateLimit: RateLimitModel;
  /**
   * No platform behind it (a manual channel): nothing to poll or reconcile; the engine
   * runs no poller and no reconciliation schedule for it.
   */
  platformless?: boolean;
  /**
   * A warehouse that takes no orders from us (a file feed): orders reach it another way, so
   * the engine never calls pushOrder or cancelOrder. It records the hand-off instead, and
   * the warehouse's snapshots count an order from `countedAfterMs` after it (its claims
   * settle on the first snapshot taken then or later).
   */
  ordersOutside?: { countedAfterMs: number };
  /**
   * A warehouse whose stock the platform holds and ships itself (Amazon FBA): only read.
   * The engine runs no order pusher for it; pushOrder and cancelOrder refuse (REJECTED).
   */
  readOnly?: boolean;
}

export interface ListingRef {
  listingId: number;
  sku: string;
  platformIds: Record<string, string>;
}

export interface PushItem {
  listing: ListingRef;
  quantity: number; // the target
  expected: number | null; // null: we do not know what the channel shows (never pushed)
  /**
   * The engine vouches that the channel cannot have sold since `expected` was confirmed
   * without the engine accounting for it (src/domain/push-read.ts): a connector that reads
   * before an absolute set (Amazon) may skip the read. Absent: read.
   */
  expectedCurrent?: boolean;
}

export type PushOutcome =
  | { status: 'applied'; listingId: number; quantity: number } // the channel now shows quantity
  | { status: 'accepted'; listingId: number; quantity: number } // applied later (asyncApply)
  | { status: 'stale'; listingId: number; actual: number | null } // compare-and-set lost: channel shows actual
  | { status: 'failed'; listingId: number; error: ConnectorError };

export interface ChannelOrderLine {
  sku: string;
  quantity: number;
}

export interface ChannelOrder {
  externalId: string; // the platform's order id, as a string (ids may exceed 2^53)
  placedAt: Date;
  updatedAt: Date;
  cancelled: boolean;
  lines: ChannelOrderLine[];
  /** `external`: the platform ships it from its own stock (Amazon AFN); it claims nothing. Absent: merchant. */
  fulfilment?: 'merchant' | 'external';
  /**
   * The platform location the order was taken from, where the platform says (a Shopify
   * order's location_id): its claims prefer that location's sources (docs/locations-wiring.md).
   */
  location?: string;
  raw?: unknown;
}

export interface ChannelQuantity {
  sku: string;
  platformIds: Record<string, string>;
  quantity: number;
  updatedAt?: Date;
}

/** Which of these platform order ids the engine has recorded for the connection. */
export type KnownOrders = (externalIds: readonly string[]) => Promise<ReadonlySet<string>>;

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; null when this was the last. */
  next: string | null;
  /**
   * When the items were true on the platform, where that is earlier than the answer (a
   * Shopify bulk operation or an Amazon report: the moment it started). Invariant 3
   * compares this, never the download time, with the orders ingested.
   */
  asOf?: Date;
}

/** What a verified webhook or notification says, in engine terms. */
export type InboundEvent =
  | { kind: 'order'; order: ChannelOrder }
  | { kind: 'order_cancelled'; externalId: string; at: Date }
  | { kind: 'channel_quantity'; item: ChannelQuantity; at: Date } // a channel reports a listing's count
  | { kind: 'warehouse_level'; level: WarehouseLevel }
  | { kind: 'warehouse_order_status'; referenceId: string; status: string; at: Date }
  | { kind: 'ignored'; reason: string }; // a topic we do not act on

export interface ParsedWebhook {
  /** The platform's event id (dedupe key): Shopify X-Shopify-Event-Id, Amazon NotificationId... */
  eventId: string;
  topic: string;
  events: InboundEvent[];
  /** A delivery that only checks the endpoint (WooCommerce's ping): answered 2xx, never stored. */
  ping?: true;
}

export interface WebhookInput {
  headers: Record<string, string | undefined>; // lower-cased names
  query: Record<string, string | undefined>;
  rawBody: Buffer;
}

interface ConnectorBase {
  platform: string;
  capabilities: Capabilities;
  /** Timing-safe check of the platform's signature over the raw body. */
  verifyWebhook(input: WebhookInput): boolean;
  /** Throws ConnectorError('PARSE') on a body it cannot understand. */
  parseWebhook(input: WebhookInput): ParsedWebhook;
  /** Present where the engine can create and remove the platform's webhooks (`stocksync webhooks`). */
  webhookRegistration?: WebhookRegistration;
  /**
   * Stops work in flight at shutdown (Shopify: a running bulk operation is cancelled and
   * the read waiting on it fails). Optional: most connectors hold nothing open.
   */
  close?(): Promise<void>;
}

/** A webhook the platform holds for us, as its API lists it. */
export interface WebhookSubscription {
  id: string;
  topic: string;
  /** The platform's word: WooCommerce active | paused | disabled. */
  status: string;
  deliveryUrl: string;
}

/** Webhooks the platform can disable on its own (WooCommerce, after failed deliveries). */
export interface WebhookSubscriptions {
  list(): Promise<WebhookSubscription[]>;
  /** Sets a disabled subscription active again; returns it as the platform now has it. */
  reactivate(id: string): Promise<WebhookSubscription>;
}

export interface ChannelConnector extends ConnectorBase {
  kind: 'channel';
  /** Present where the platform lets us check and re-enable our webhooks (WooCommerce). */
  webhookSubscriptions?: WebhookSubscriptions;
  /** At most capabilities.maxBatch items; one outcome per item, in order. */
  push(items: PushItem[]): Promise<PushOutcome[]>;
  /** Current counts of these listings (re-read after a stale compare-and-set). */
  readQuantities(listings: ListingRef[]): Promise<Map<number, number>>;
  /**
   * Orders created or updated since the cursor (an ISO time inside), oldest first. With
   * `known`, a platform whose line items cost a call per order (Amazon) may leave out the
   * open orders the engine has already recorded: every poll re-reads its overlap window.
   */
  pollOrders(since: Date, pageCursor: string | null, known?: KnownOrders): Promise<Page<ChannelOrder>>;
  /**
   * Every listing's count, page by page (full reconciliation). A platform that cannot
   * enumerate listings reads the `known` ones instead.
   */
  listQuantities(pageCursor: string | null, known: readonly ListingRef[]): Promise<Page<ChannelQuantity>>;
  /**
   * Fills in the platform ids of listings configured without them (found by SKU). The
   * engine stores the result, so webhooks naming only platform ids find their listing.
   * Listings not found on the platform are absent from the map.
   */
  resolveListings(listings: readonly ListingRef[]): Promise<Map<number, Record<string, string>>>;
}

export interface WarehouseLevel {
  sku: string;
  location: string;
  available: number;
  onHand?: number;
  allocated?: number;
  observedAt: Date;
}

export interface WarehouseOrder {
  referenceId: string; // unique: the warehouse refuses a duplicate
  lines: ChannelOrderLine[];
}

export type WarehouseOrderOutcome =
  | { status: 'accepted'; warehouseOrderId: string; at: Date }
  | { status: 'duplicate' } // already pushed (a retry after a crash): treat as accepted
  | { status: 'failed'; error: ConnectorError };

export type WarehouseCancelOutcome =
  | { status: 'cancelled' } // the warehouse released what it held for the order
  | { status: 'not_found' } // it never had it
  | { status: 'not_cancellable'; reason: string } // too late: shipped
  | { status: 'failed'; error: ConnectorError };

export interface WarehouseConnector extends ConnectorBase {
  kind: 'warehouse';
  pushOrder(order: WarehouseOrder): Promise<WarehouseOrderOutcome>;
  /** Cancels an order pushed earlier (the channel cancelled it). */
  cancelOrder(ref: { referenceId: string; warehouseOrderId: string | null }): Promise<WarehouseCancelOutcome>;
  /** Levels changed since `since`, page by page. */
  pollLevels(since: Date, pageCursor: string | null): Promise<Page<WarehouseLevel>>;
  /** Every level, page by page (full reconciliation). */
  listLevels(pageCursor: string | null): Promise<Page<WarehouseLevel>>;
  /**
   * A warehouse that exports stock files (csv-feed): polling reads its newest file through
   * src/engine/feed instead of pollLevels, and a file is its full reconciliation.
   */
  fileFeed?: FileFeed;
}

export type Connector = ChannelConnector | WarehouseConnector;

/** What a connector factory gets: its connection's settings, credentials opened. */
export interface ConnectorConfig {
  connectionId: string;
  baseUrl: string;
  credentials: Record<string, string>;
  options: Record<string, unknown>;
  /** A warehouse's configured location codes, in order (absent for channels and in some tests). */
  locations?: readonly string[];
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Called on every rate-limit answer the platform still gives us (metrics). */
  onThrottled?: () => void;
  /** For what a connector decides on its own and an operator should know (a fallback). */
  log?: Logger;
}

// ---- Catalogue discovery (issue 12) ----------------------------------------------------
// Connectors that can enumerate what the platform sells implement these; the engine
// matches the two sides by SKU, then barcode (src/engine/catalog-discovery).

/** One sellable item as a channel lists it (a Shopify variant, a WooCommerce product or variation, an Amazon listing). */
export interface DiscoveredListing {
  /** As the platform spells it, untrimmed; null where the platform has none set. */
  sku: string | null;
  barcode?: string | null;
  name?: string;
  /** The ids a push needs (the same keys resolveListings fills in). */
  platformIds: Record<string, string>;
}

/** One product as the warehouse knows it; a bundle lists its components. */
export interface DiscoveredProduct {
  sku: string;
  barcode?: string | null;
  name?: string;
  components?: { sku: string; quantity: number }[];
  platformIds: Record<string, string>;
}

/** A channel that can enumerate its listings, page by page. */
export interface ListingDiscovery {
  listListings(pageCursor: string | null): Promise<Page<DiscoveredListing>>;
}

/** A warehouse that can enumerate its products, page by page. */
export interface ProductDiscovery {
  listProducts(pageCursor: string | null): Promise<Page<DiscoveredProduct>>;
}

// ---- Webhook registration (issue 12) ---------------------------------------------------

/** A subscription the platform holds, as its API lists it (any address, not only ours). */
export interface RegisteredWebhook {
  id: string;
  topic: string;
  address: string;
  /** The platform's word where it has one (WooCommerce active | paused | disabled). */
  status?: string;
}

/**
 * A platform whose webhooks we can create and remove through its API. `register` in the
 * engine is: list, keep ours that match, create the missing, remove our stale ones.
 */
export interface WebhookRegistration {
  /** The topics the engine consumes on this platform, in the platform's spelling. */
  topics: readonly string[];
  list(): Promise<RegisteredWebhook[]>;
  create(topic: string, address: string): Promise<RegisteredWebhook>;
  remove(id: string): Promise<void>;
  /**
   * Why subscriptions cannot be created now (e.g. no secret to sign or verify them with);
   * undefined when they can. Checked before any call, so a register fails at once.
   */
  cannotRegister?(): string | undefined;
}
