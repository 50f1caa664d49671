/**
 * Every Shopify fact the simulator depends on, in one place. Facts marked
 * (unverified) are best guesses: change them here when better evidence arrives.
 * Sources: shopify.dev (rate limits, API limits,
 * idempotent requests, changelogs 2019-12 "GraphQL input objects limited to 250
 * items" and 2025-12 "Making idempotency mandatory for inventory adjustments").
 */
import type { WebhookRetryPolicy } from '../core/webhooks.js';

export const API_VERSION = '2026-04';

/** Input arrays (any argument, any depth) hold at most this many items. */
export const MAX_INPUT_ARRAY = 250;
/** Connections page at most this many nodes (first/last). */
export const MAX_PAGE_SIZE = 250;
export const MAX_QUANTITY = 1_000_000_000;

export type ShopifyPlan = 'standard' | 'advanced' | 'plus' | 'enterprise';
/** Leaky bucket restore rate in cost points per second, by plan (shopify.dev rate limits). */
export const PLAN_RESTORE_RATE: Record<ShopifyPlan, number> = {
  standard: 100,
  advanced: 200,
  plus: 1000,
  enterprise: 2000,
};
/** Bucket size = restore rate x this (unverified; "about 10x" by Shopify's docs). */
export const BUCKET_SIZE_MULTIPLIER = 10;
/** A single query may cost at most this (shopify.dev). */
export const MAX_QUERY_COST = 1000;

/** Calculated cost (shopify.dev "cost calculation"): scalars and enums 0, objects 1,
 *  connections 2 + nodes x node cost, mutations a flat 10. */
export const COST_OBJECT = 1;
export const COST_CONNECTION_BASE = 2;
export const COST_MUTATION = 10;

/** 8 retries over about 4 hours: base x (2^8 - 1) = 4 h. Backoff shape (unverified). */
export const SHOPIFY_WEBHOOK_RETRY: WebhookRetryPolicy = { attempts: 8, baseDelayMs: Math.round((4 * 3600_000) / 255) };

export const QUANTITY_NAMES = ['available', 'on_hand', 'committed', 'reserved', 'incoming', 'damaged', 'safety_stock', 'quality_control'] as const;
export type QuantityName = (typeof QUANTITY_NAMES)[number];
/** on_hand = the sum of these. */
export const ON_HAND_PARTS: readonly QuantityName[] = ['available', 'committed', 'reserved', 'damaged', 'safety_stock', 'quality_control'];
export const SETTABLE_NAMES: readonly QuantityName[] = ['available', 'on_hand'];
/** Names inventoryAdjustQuantities accepts (unverified: on_hand included). */
export const ADJUSTABLE_NAMES: readonly QuantityName[] = ['available', 'on_hand', 'damaged', 'incoming', 'quality_control', 'reserved', 'safety_stock'];

/** Reasons Shopify accepts on inventory mutations (shopify.dev; list unverified). */
export const INVENTORY_REASONS = new Set([
  'correction',
  'cycle_count_available',
  'damaged',
  'movement_canceled',
  'movement_created',
  'movement_received',
  'movement_updated',
  'other',
  'promotion',
  'quality_control',
  'received',
  'reservation_created',
  'reservation_deleted',
  'reservation_updated',
  'restock',
  'safety_stock',
  'shrinkage',
]);

/**
 * Bulk operations (shopify.dev bulk-operations/queries, API 2026-01 and later): up to five
 * bulk queries at once per shop and app; a query holds at most five connections, nested at
 * most two levels; the result URL lives seven days.
 */
export const BULK_MAX_CONCURRENT = 5;
export const BULK_MAX_CONNECTIONS = 5;
export const BULK_MAX_DEPTH = 2;
export const BULK_URL_TTL_MS = 7 * 24 * 3600_000;
/** How fast an operation reads the shop, objects per second (unverified: not documented; minutes for 100k variants). */
export const BULK_OBJECTS_PER_SECOND = 2_000;

export const DOCS_RATE_LIMITS = 'https://shopify.dev/api/usage/rate-limits';

export const MESSAGES = {
  unauthorized: '[API] Invalid API key or access token (unrecognized login or wrong password)',
  throttled: 'Throttled',
  /** (unverified wording and code) */
  inputTooLarge: (size: number) => `The input array size of ${size} is greater than the maximum allowed of ${MAX_INPUT_ARRAY}.`,
  inputTooLargeCode: 'MAX_INPUT_SIZE_EXCEEDED',
  maxCost: (cost: number) => `Query cost is ${cost}, which exceeds the single query max cost limit (${MAX_QUERY_COST}).`,
  /** Runtime error when @idempotent is missing on 2026-04 (unverified wording and code). */
  idempotencyRequired: (field: string) => `The @idempotent directive is required for ${field} as of API version ${API_VERSION}.`,
  idempotencyRequiredCode: 'IDEMPOTENCY_KEY_REQUIRED',
  /** (unverified wording) */
  idempotencyMismatch: 'The same idempotency key cannot be used with different parameters.',
  /** changeFromQuantity omitted on 2026-04 (unverified: reported as a user error) */
  changeFromRequired: 'changeFromQuantity is required. Pass null to skip the compare check.',
  stale: 'The specified compare quantity does not match the current quantity.',
  /** Bulk operation user errors (wording unverified; the codes are BulkOperationUserErrorCode's). */
  bulkInvalid: (why: string) => `Invalid bulk query: ${why}`,
  bulkOneRootField: 'Bulk queries must contain exactly one top-level field.',
  bulkNoConnection: 'Bulk queries must contain at least one connection.',
  bulkTooManyConnections: (n: number) => `Bulk queries cannot contain more than ${BULK_MAX_CONNECTIONS} connections (this one has ${n}).`,
  bulkTooDeep: (n: number) => `Bulk queries cannot contain connections nested more than ${BULK_MAX_DEPTH} levels deep (this one nests ${n}).`,
  bulkParentId: "A nested connection's parent must select the 'id' field.",
  bulkLimitReached: `Bulk operations limit reached: ${BULK_MAX_CONCURRENT} bulk query operations are already running for this app and shop. Please try again later.`,
  bulkNotCancelable: (status: string) => `A bulk operation cannot be canceled when it is ${status.toLowerCase()}.`,
  bulkNotFound: 'Bulk operation does not exist',
  /** REST-style 429 body; Shopify's GraphQL edge answers this shape (unverified). */
  fault429: '{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}',
};
