import type { InstanceFactory, PlatformName } from './instance.js';
import type { WebhookRetryPolicy } from './webhooks.js';

/** What the server needs to know about a platform besides its factory. */
export interface PlatformTraits {
  /** The platform's own webhook retry policy (default: no retries). */
  webhookRetry?: WebhookRetryPolicy;
  /** Real ms an attempt may take before it counts as failed (default 5 s). */
  webhookTimeoutMs?: number;
}

export interface RegisteredPlatform {
  name: PlatformName;
  factory: InstanceFactory;
  traits: PlatformTraits;
}

const platforms = new Map<PlatformName, RegisteredPlatform>();

/** Each platform module calls this at import time (see sandbox/platforms.ts). */
export function registerPlatform(name: PlatformName, factory: InstanceFactory, traits: PlatformTraits = {}): void {
  platforms.set(name, { name, factory, traits });
}

export function getPlatform(name: PlatformName): RegisteredPlatform | undefined {
  return platforms.get(name);
}

export function registeredPlatforms(): PlatformName[] {
  return [...platforms.keys()];
}
