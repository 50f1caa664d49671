// Every GraphQL document the connector sends, with its calculated cost (Shopify's rules:
// objects 1, connections 2 + first x node, mutations 10). The cost is what the client
// asks the rate limiter for before sending, and what sizes each batch of aliases so that
// no single query exceeds the shop's bucket or Shopify's 1,000-point maximum.

export const API_VERSION = '2026-04';
export const MAX_QUERY_COST = 1000;

/** `location` without an id is the shop's primary location (shop.primaryLocation is deprecated). */
export const PRIMARY_LOCATION = /* GraphQL */ `query StocksyncPrimaryLocation { location { id } }`;
export const PRIMARY_LOCATION_COST = 1;

/**
 * Absolute set with compare-and-set. The idempotency key makes a retry after a timeout
 * (request executed, answer lost) replay the first result instead of failing stale.
 */
export const SET_QUANTITIES = /* GraphQL */ `mutation StocksyncSet($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}`;
export const SET_QUANTITIES_COST = 10;

/** One aliased inventoryItem lookup per listing: the simulator has no `nodes(ids:)`. */
export function levelsQuery(n: number): string {
  const vars: string[] = [];
  const fields: string[] = [];
  for (let i = 0; i < n; i++) {
    vars.push(`$i${i}: ID!, $l${i}: ID!`);
    fields.push(`q${i}: inventoryItem(id: $i${i}) { inventoryLevel(locationId: $l${i}) { quantities(names: ["available"]) { quantity } } }`);
  }
  return `query StocksyncLevels(${vars.join(', ')}) {\n  ${fields.join('\n  ')}\n}`;
}
/** inventoryItem 1 + inventoryLevel 1 + the quantities list 1. */
export const LEVEL_COST_PER_ITEM = 3;

/** Candidates per SKU search: Shopify's search is token-based, so exact matches are picked client-side. */
export const SKU_CANDIDATES = 5;
/**
 * One aliased SKU search per listing. Real Shopify accepts `sku:A OR sku:B` too, but
 * the simulator ANDs terms, and aliases work on both.
 */
export function skuQuery(n: number): string {
  const vars: string[] = ['$loc: ID!'];
  const fields: string[] = [];
  for (let i = 0; i < n; i++) {
    vars.push(`$s${i}: String!`);
    fields.push(`s${i}: inventoryItems(first: ${SKU_CANDIDATES}, query: $s${i}) { nodes { id sku inventoryLevel(locationId: $loc) { id } } }`);
  }
  return `query StocksyncSkus(${vars.join(', ')}) {\n  ${fields.join('\n  ')}\n}`;
}
/** A connection (2) of SKU_CANDIDATES items, each 1 + its level 1. */
export const SKU_COST_PER_SEARCH = 2 + SKU_CANDIDATES * 2;

export const LIST_QUANTITIES = /* GraphQL */ `query StocksyncList($first: Int!, $after: String, $loc: ID!) {
  inventoryItems(first: $first, after: $after) {
    nodes { id sku inventoryLevel(locationId: $loc) { updatedAt quantities(names: ["available"]) { quantity } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
export const listCost = (first: number) => 2 + first * 3;

/** Oldest change first (UPDATED_AT), so a stored cursor time only moves forward. */
export const ORDERS = /* GraphQL */ `query StocksyncOrders($first: Int!, $after: String, $query: String!, $lines: Int!) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    nodes {
      id createdAt updatedAt cancelledAt retailLocation { id }
      lineItems(first: $lines) { nodes { sku quantity } pageInfo { hasNextPage endCursor } }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;
export const ordersCost = (first: number, lines: number) => 2 + first * (1 + 1 + 2 + lines);

/** The rest of one order's lines, when it has more than the page query fetched. */
export const ORDER_LINES = /* GraphQL */ `query StocksyncOrderLines($id: ID!, $first: Int!, $after: String) {
  order(id: $id) { lineItems(first: $first, after: $after) { nodes { sku quantity } pageInfo { hasNextPage endCursor } } }
}`;
export const orderLinesCost = (first: number) => 1 + 2 + first;

/** Relative change; the caller's idempotency key makes a replay return the first result. */
export const ADJUST_QUANTITIES = /* GraphQL */ `mutation StocksyncAdjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { changes(quantityNames: ["available"]) { delta quantityAfterChange item { id } location { id } } }
    userErrors { code field message }
  }
}`;
export const ADJUST_QUANTITIES_COST = 10;
