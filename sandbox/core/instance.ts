import type { FastifyInstance } from 'fastify';
import type { Faults } from './faults.js';
import type { Rng } from './rng.js';
import type { CallStatsSnapshot } from './stats.js';
import type { WebhookSender } from './webhooks.js';

/**
 * The contract every platform simulator implements. One instance = one account on
 * one platform (a Shopify shop, a WooCommerce store, an Amazon seller, a warehouse).
 */
export type PlatformName = 'shopify' | 'woocommerce' | 'amazon' | 'warehouse';

export const PLATFORM_NAMES: readonly PlatformName[] = ['shopify', 'woocommerce', 'amazon', 'warehouse'];

export interface SandboxContext {
  seed: number;
  faults: Faults;
  /** This instance's own stream, independent of every other instance's. */
  rng: Rng;
  /** Multiplies platform waits (webhook delays and retries, async processing). */
  timeScale: number;
  /** Created with the platform's retry policy (see registerPlatform). */
  webhooks: WebhookSender;
}

export interface SkuQuantity {
  sku: string;
  quantity: number;
}

/** A SKU as an instance starts with it; barcode and name where the platform has them. */
export interface SkuSpec extends SkuQuantity {
  barcode?: string;
  name?: string;
}

export type ShopperOrderResult = { ok: true; orderId: string } | { ok: false; reason: string };

export interface ShopperOrderOptions {
  /**
   * A platform with locations (Shopify) takes the order at this location, as its point of
   * sale does (a retail order naming its location); others ignore it.
   */
  location?: string;
}

export interface InstanceControl {
  /** Sets the count this instance sells from (channel) or holds (warehouse on hand). */
  setStock(sku: string, quantity: number): void;
  getStock(sku: string): number | undefined;
  /** A shopper buys on this channel: its OWN count drops at once, before anyone is
   *  told; refused when a line's count would go below zero. */
  shopperOrder(lines: SkuQuantity[], options?: ShopperOrderOptions): ShopperOrderResult;
  cancelOrder?(orderId: string): boolean;
  /** Amazon with FBA only: a shopper buys units Amazon ships from the seller's FBA stock (AFN). */
  afnOrder?(lines: SkuQuantity[]): ShopperOrderResult;
  /** Amazon only: the seller's FBA fulfillable units of a SKU (goods received at Amazon). */
  setFbaStock?(sku: string, quantity: number): void;
  getFbaStock?(sku: string): number | undefined;
  /** The platform accepts only this access token from now on (rotated, revoked): calls with another get its auth error. */
  setAccessToken?(token: string): void;
  listSkus(): string[];
  /** The merchant deletes the SKU's listings (products, variants): returns how many went. */
  removeSku?(sku: string): number;
  subscribe(topic: string, url: string): void;
  /** The platform's full state as JSON-able data, for tests and the demo. */
  truth(): unknown;
  /** Warehouse only: goods arrive (on hand rises). */
  receive?(sku: string, quantity: number, reference?: string): void;
  /** Warehouse only: a manual stock adjustment by delta (cycle count, damage...). */
  adjust?(sku: string, delta: number, reason?: string): void;
  /** Warehouse only: a customer return put back into stock. */
  returnStock?(sku: string, quantity: number, orderRef?: string): void;
}

export interface SandboxInstance {
  platform: PlatformName;
  name: string;
  /** Mounts the platform's real URL layout under prefix, e.g. /shopify/<shop>. */
  register(app: FastifyInstance, prefix: string): void;
  control: InstanceControl;
  stats(): CallStatsSnapshot;
  resetStats(): void;
  /** Stops timers the instance owns (delayed processing and the like). */
  close?(): void;
}

export interface InstanceSpec {
  platform: PlatformName;
  name: string;
  skus?: SkuSpec[];
  /** Platform-specific; every platform accepts `webhooks: [{topic, url}]`. */
  options?: Record<string, unknown>;
}

export type InstanceFactory = (spec: InstanceSpec, ctx: SandboxContext) => SandboxInstance;

export function instanceKey(platform: PlatformName, name: string): string {
  return `${platform}/${name}`;
}

/** Reads `options.webhooks` ([{topic, url}]) leniently; bad entries are an error. */
export function webhooksFromOptions(options: Record<string, unknown> | undefined): { topic: string; url: string }[] {
  const raw = options?.['webhooks'];
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new Error('options.webhooks must be a list of {topic, url}');
  return raw.map((entry: unknown, i) => {
    const e = entry as { topic?: unknown; url?: unknown };
    if (typeof e?.topic !== 'string' || typeof e?.url !== 'string') {
      throw new Error(`options.webhooks[${i}] must be {topic: string, url: string}`);
    }
    return { topic: e.topic, url: e.url };
  });
}
