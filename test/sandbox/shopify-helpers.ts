import type { FaultProfile, FaultProfileName } from '../../sandbox/core/faults.js';
import type { SkuQuantity } from '../../sandbox/core/instance.js';
import { startSandbox } from '../../sandbox/server.js';

/** One in-process sandbox with one Shopify shop, and small helpers to talk to it. */
export async function startShop(
  o: {
    skus?: SkuQuantity[];
    options?: Record<string, unknown>;
    faults?: FaultProfileName | FaultProfile;
    timeScale?: number;
    seed?: number;
  } = {},
) {
  const sandbox = await startSandbox({
    port: 0,
    seed: o.seed ?? 42,
    faults: o.faults ?? 'none',
    timeScale: o.timeScale ?? 0.00001,
    instances: [{ platform: 'shopify', name: 'test-shop', skus: o.skus ?? [{ sku: 'A', quantity: 10 }], ...(o.options && { options: o.options }) }],
  });
  const endpoint = `${sandbox.url}/shopify/test-shop/admin/api/2026-04/graphql.json`;
  const control = `${sandbox.url}/_sandbox/shopify/test-shop`;

  async function gql(query: string, variables?: unknown, token: string | null = 'shpat_test') {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token !== null) headers['x-shopify-access-token'] = token;
    const res = await fetch(endpoint, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${control}${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as any };
  }

  const truth = async () => (await call('GET', '/truth')).json;
  async function ids(sku: string) {
    const t = await truth();
    const item = t.items.find((i: { sku: string }) => i.sku === sku);
    return { item: item.inventoryItemId as string, location: t.locations[0].id as string, locations: t.locations.map((l: { id: string }) => l.id) as string[] };
  }

  return { sandbox, endpoint, control, gql, call, truth, ids, close: () => sandbox.close() };
}

export const SET = `mutation Set($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id reason changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}`;

export const adjustWithKey = (key: string) => `mutation Adjust($input: InventoryAdjustQuantitiesInput!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: "${key}") {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}`;

export const LEVELS = `query Levels($first: Int!, $after: String, $query: String) {
  inventoryItems(first: $first, after: $after, query: $query) {
    edges { cursor node { id sku updatedAt inventoryLevels(first: 5) { nodes { location { id } quantities(names: ["available", "on_hand", "committed"]) { name quantity } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export function quantitiesOf(node: any): Record<string, number> {
  const level = node.inventoryLevels.nodes[0];
  return Object.fromEntries(level.quantities.map((q: { name: string; quantity: number }) => [q.name, q.quantity]));
}
