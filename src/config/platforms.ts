// The one place that lists the platforms a connection may use, which kind of connection
// each one is, and which ids a listing on it carries. Adding a platform starts here.

import type { ConnectionKind } from '../domain/types.js';

export interface PlatformSpec {
  kind: ConnectionKind;
  /**
   * Platform id fields a listing may pin (channels only), the identifying one first. A
   * listing without them is found on the platform by its SKU (the connector's job).
   */
  listingIds: readonly string[];
  /** The id field that equals the SKU when not given (Amazon's seller SKU). */
  listingIdFromSku?: string;
  /** Credential names the connector needs: one of these sets, complete. */
  credentialSets: readonly (readonly string[])[];
  /** Credential names it can also use (webhook secrets). */
  credentialsOptional: readonly string[];
  /**
   * Listing fields that may instead come from the connection's `options` (e.g. a Shopify
   * location shared by every listing); used to tell two listings apart.
   */
  listingFromOptions: readonly string[];
  /**
   * The platform applies an accepted count later, as an absolute value that overwrites the
   * sales it makes meanwhile (Amazon's listings PATCH): adaptive buffers plan for it.
   */
  appliesLater?: boolean;
  /**
   * A warehouse whose stock the platform itself holds and ships (Amazon FBA): read only.
   * No channel is fulfilled by it and no order is sent to it; its one location is external.
   */
  readOnly?: boolean;
  /**
   * The poll interval when the connection sets none (else DEFAULT_POLL_INTERVAL). A
   * warehouse that sends no inventory webhook (ShipBob) is polled more often: its poll is
   * the only way a stock change (a receipt, shrinkage) reaches the engine.
   */
  defaultPollInterval?: string;
}

export const PLATFORMS = {
  shopify: {
    kind: 'channel',
    listingIds: ['inventoryItemId', 'locationId'],
    credentialSets: [['accessToken']],
    credentialsOptional: ['webhookSecret'],
    listingFromOptions: ['locationId'],
  },
  woocommerce: {
    kind: 'channel',
    listingIds: ['productId', 'variationId'],
    credentialSets: [['consumerKey', 'consumerSecret']],
    credentialsOptional: ['webhookSecret'],
    listingFromOptions: [],
  },
  amazon: {
    kind: 'channel',
    listingIds: ['sellerSku'],
    listingIdFromSku: 'sellerSku',
    // Login with Amazon (LWA) refresh-token grant, or a ready access token (the sandbox).
    credentialSets: [['clientId', 'clientSecret', 'refreshToken'], ['accessToken']],
    // Notifications carry no signature: an HTTP relay's URL carries notificationToken;
    // the SQS consumer (notifications.sqs) signs its AWS calls with the sqs* access key.
    credentialsOptional: ['notificationToken', 'sqsAccessKeyId', 'sqsSecretAccessKey'],
    listingFromOptions: [],
    appliesLater: true,
  },
  // A channel with no platform behind it (a wholesale channel, a showroom): its orders come
  // through the admin API (POST /api/v1/connections/:id/orders, or CSV); nothing to push to,
  // poll or reconcile. Its listings' `shown` is simply their target.
  manual: {
    kind: 'channel',
    listingIds: [],
    credentialSets: [[]],
    credentialsOptional: [],
    listingFromOptions: [],
  },
  // ShipBob's REST API (2026-01): a personal access token as the bearer; the webhook
  // secret ("whsec_...") verifies its Standard Webhooks signatures. SKU-keyed, no listings.
  shipbob: {
    kind: 'warehouse',
    listingIds: [],
    listingFromOptions: [],
    credentialSets: [['accessToken']],
    credentialsOptional: ['webhookSecret'],
    // One page of 250 levels a poll per 250 SKUs against 150 requests/min: every minute
    // costs a catalogue of 2,500 SKUs 10 requests/min (docs/shipbob.md, "Polling").
    defaultPollInterval: '1m',
  },
  // Deprecated alias of shipbob (the name of the former generic sandbox 3PL): builds the
  // same connector; its token may still be called apiToken.
  warehouse: {
    kind: 'warehouse',
    listingIds: [],
    listingFromOptions: [],
    credentialSets: [['apiToken'], ['accessToken']],
    credentialsOptional: ['webhookSecret'],
    defaultPollInterval: '1m',
  },
  // Amazon's own warehouses (FBA, docs/locations-wiring.md "Amazon FBA"): the fulfillable
  // quantity per seller SKU, read with the same seller's SP-API credentials and options
  // (sellerId, marketplaceId) as the Amazon channel. Read only: one external location,
  // never a channel's source, never sent an order; Amazon ships its AFN orders itself.
  'amazon-fba': {
    kind: 'warehouse',
    listingIds: [],
    listingFromOptions: [],
    credentialSets: [['clientId', 'clientSecret', 'refreshToken'], ['accessToken']],
    credentialsOptional: [],
    readOnly: true,
  },
  // A warehouse that only exports stock files (docs/csv-feed.md): a local folder needs no
  // credentials, an SFTP server a password or a private key, an HTTPS URL maybe a token.
  'csv-feed': {
    kind: 'warehouse',
    listingIds: [],
    listingFromOptions: [],
    credentialSets: [[]],
    credentialsOptional: ['password', 'privateKey', 'privateKeyPassphrase', 'bearerToken'],
  },
} as const satisfies Record<string, PlatformSpec>;

export type Platform = keyof typeof PLATFORMS;
export type ChannelPlatform = {
  [P in Platform]: (typeof PLATFORMS)[P]['kind'] extends 'channel' ? P : never;
}[Platform];
export type WarehousePlatform = Exclude<Platform, ChannelPlatform>;

const names = Object.keys(PLATFORMS) as Platform[];

export const CHANNEL_PLATFORMS = names.filter((p) => PLATFORMS[p].kind === 'channel') as ChannelPlatform[];
export const WAREHOUSE_PLATFORMS = names.filter((p) => PLATFORMS[p].kind === 'warehouse') as WarehousePlatform[];

/** Whether a warehouse platform ships orders we send it (every one but a read-only one, FBA). */
export function takesOrders(platform: unknown): boolean {
  const spec = typeof platform === 'string' ? platformSpec(platform) : undefined;
  return spec?.readOnly !== true;
}

export function platformSpec(platform: string): PlatformSpec | undefined {
  return Object.hasOwn(PLATFORMS, platform) ? PLATFORMS[platform as Platform] : undefined;
}
