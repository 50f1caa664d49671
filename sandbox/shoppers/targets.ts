// Where shoppers buy: a channel instance in this process, or one behind a running
// sandbox's control API (/_sandbox/<platform>/<name>/orders) in another process.
import type { SandboxInstance, ShopperOrderResult, SkuQuantity } from '../core/instance.js';

export interface ShopperTarget {
  /** "platform/name". */
  key: string;
  listSkus(): Promise<string[]>;
  /** Sells from the channel's own count; refused when a count would go below zero. */
  order(lines: SkuQuantity[]): Promise<ShopperOrderResult>;
}

export function instanceTarget(instance: SandboxInstance): ShopperTarget {
  return {
    key: `${instance.platform}/${instance.name}`,
    listSkus: async () => instance.control.listSkus(),
    order: async (lines) => instance.control.shopperOrder(lines),
  };
}

export function httpTarget(sandboxUrl: string, platform: string, name: string): ShopperTarget {
  const base = `${sandboxUrl.replace(/\/$/, '')}/_sandbox/${encodeURIComponent(platform)}/${encodeURIComponent(name)}`;
  return {
    key: `${platform}/${name}`,
    async listSkus() {
      const res = await fetch(`${base}/stock`);
      if (!res.ok) throw new Error(`${platform}/${name}: GET stock answered ${res.status}`);
      return Object.keys((await res.json()) as Record<string, unknown>);
    },
    async order(lines) {
      const res = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lines }),
      });
      const body = (await res.json()) as ShopperOrderResult | { error: string };
      if ('ok' in body) return body;
      return { ok: false, reason: body.error };
    },
  };
}
