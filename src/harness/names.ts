// The names the harness gives what it starts: each platform's sandbox instance and the
// engine connection that talks to it. Who reads the stack from outside (the simulation,
// the end-to-end tests) finds a channel's connection here.
export type ChannelPlatform = 'shopify' | 'woocommerce' | 'amazon';
export type HarnessPlatform = ChannelPlatform | 'warehouse';

/** Sandbox instance name per platform (its URLs are /<platform>/<name>/...). */
export const INSTANCE_NAMES = { shopify: 'shop', woocommerce: 'store', amazon: 'seller', warehouse: 'wh' } as const satisfies Record<HarnessPlatform, string>;

/** The engine's connection id per platform. */
export const CONNECTION_IDS = { shopify: 'shop', woocommerce: 'woo', amazon: 'amazon', warehouse: 'wh' } as const satisfies Record<HarnessPlatform, string>;
