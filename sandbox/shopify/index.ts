import { registerPlatform } from '../core/registry.js';
import { createShopifyInstance } from './instance.js';
import { SHOPIFY_WEBHOOK_RETRY } from './constants.js';

registerPlatform('shopify', createShopifyInstance, { webhookRetry: SHOPIFY_WEBHOOK_RETRY, webhookTimeoutMs: 5_000 });

export { createShopifyInstance };
