import { buildSchema, type GraphQLSchema } from 'graphql';
import { BULK_SDL } from './bulk-schema.js';

/**
 * The subset of the Admin GraphQL schema (2026-04) that inventory sync uses. Names,
 * nullability and argument shapes follow shopify.dev; `@idempotent` is declared on
 * fields as Shopify's is, and its presence is enforced at run time.
 */
export const SHOPIFY_SDL = /* GraphQL */ `
  scalar DateTime
  scalar URL
  scalar UnsignedInt64
  "Not Shopify's: the identity scalar the sandbox's fast variable path declares (see fast-variables.ts)."
  scalar SandboxPrecoerced

  directive @idempotent(key: String!) on FIELD

  type Query {
    shop: Shop!
    inventoryItems(first: Int, after: String, last: Int, before: String, query: String, reverse: Boolean): InventoryItemConnection!
    inventoryItem(id: ID!): InventoryItem
    productVariants(first: Int, after: String, last: Int, before: String, query: String, reverse: Boolean): ProductVariantConnection!
    locations(first: Int, after: String, last: Int, before: String, query: String, reverse: Boolean): LocationConnection!
    location(id: ID): Location
    orders(first: Int, after: String, last: Int, before: String, query: String, reverse: Boolean, sortKey: OrderSortKeys = PROCESSED_AT): OrderConnection!
    order(id: ID!): Order
    webhookSubscriptions(first: Int, after: String, last: Int, before: String, reverse: Boolean, query: String,
      topics: [WebhookSubscriptionTopic!], format: WebhookSubscriptionFormat, uri: String, callbackUrl: URL): WebhookSubscriptionConnection!
    webhookSubscription(id: ID!): WebhookSubscription
  }

  type Mutation {
    inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
    inventoryAdjustQuantities(input: InventoryAdjustQuantitiesInput!): InventoryAdjustQuantitiesPayload
    webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionCreatePayload
    webhookSubscriptionDelete(id: ID!): WebhookSubscriptionDeletePayload
  }

  "A subset of Shopify's topics (sandbox/shopify/subscriptions.ts maps them to the REST spelling)."
  enum WebhookSubscriptionTopic {
    ORDERS_CREATE
    ORDERS_UPDATED
    ORDERS_CANCELLED
    ORDERS_PAID
    ORDERS_FULFILLED
    INVENTORY_LEVELS_UPDATE
    INVENTORY_LEVELS_CONNECT
    INVENTORY_LEVELS_DISCONNECT
    INVENTORY_ITEMS_UPDATE
    PRODUCTS_CREATE
    PRODUCTS_UPDATE
    PRODUCTS_DELETE
    BULK_OPERATIONS_FINISH
    APP_UNINSTALLED
  }
  enum WebhookSubscriptionFormat {
    JSON
    XML
  }
  type WebhookSubscription {
    id: ID!
    legacyResourceId: UnsignedInt64!
    topic: WebhookSubscriptionTopic!
    uri: String!
    callbackUrl: URL! @deprecated(reason: "Use uri instead.")
    format: WebhookSubscriptionFormat!
    includeFields: [String!]!
    filter: String
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type WebhookSubscriptionEdge { cursor: String! node: WebhookSubscription! }
  type WebhookSubscriptionConnection { edges: [WebhookSubscriptionEdge!]! nodes: [WebhookSubscription!]! pageInfo: PageInfo! }
  input WebhookSubscriptionInput {
    uri: String
    callbackUrl: URL @deprecated(reason: "Use uri instead.")
    format: WebhookSubscriptionFormat
    includeFields: [String!]
    filter: String
    metafieldNamespaces: [String!]
  }
  type UserError { field: [String!] message: String! }
  type WebhookSubscriptionCreatePayload { webhookSubscription: WebhookSubscription userErrors: [UserError!]! }
  type WebhookSubscriptionDeletePayload { deletedWebhookSubscriptionId: ID userErrors: [UserError!]! }

  enum OrderSortKeys {
    ID
    CREATED_AT
    PROCESSED_AT
    UPDATED_AT
  }

  type Shop {
    id: ID!
    name: String!
    myshopifyDomain: String!
    ianaTimezone: String!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type InventoryItem {
    id: ID!
    legacyResourceId: UnsignedInt64!
    sku: String
    tracked: Boolean!
    createdAt: DateTime!
    updatedAt: DateTime!
    inventoryLevels(first: Int, after: String, last: Int, before: String, query: String, reverse: Boolean): InventoryLevelConnection!
    inventoryLevel(locationId: ID!): InventoryLevel
    variant: ProductVariant!
  }
  type InventoryItemEdge { cursor: String! node: InventoryItem! }
  type InventoryItemConnection { edges: [InventoryItemEdge!]! nodes: [InventoryItem!]! pageInfo: PageInfo! }

  "One variant per inventory item, as on Shopify; the sandbox has no Product type."
  type ProductVariant {
    id: ID!
    legacyResourceId: UnsignedInt64!
    sku: String
    barcode: String
    title: String!
    displayName: String!
    createdAt: DateTime!
    updatedAt: DateTime!
    inventoryItem: InventoryItem!
  }
  type ProductVariantEdge { cursor: String! node: ProductVariant! }
  type ProductVariantConnection { edges: [ProductVariantEdge!]! nodes: [ProductVariant!]! pageInfo: PageInfo! }

  type InventoryLevel {
    id: ID!
    location: Location!
    item: InventoryItem!
    quantities(names: [String!]!): [InventoryQuantity!]!
    createdAt: DateTime!
    updatedAt: DateTime!
  }
  type InventoryLevelEdge { cursor: String! node: InventoryLevel! }
  type InventoryLevelConnection { edges: [InventoryLevelEdge!]! nodes: [InventoryLevel!]! pageInfo: PageInfo! }

  type InventoryQuantity {
    id: ID!
    name: String!
    quantity: Int!
    updatedAt: DateTime
  }

  type Location {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    isActive: Boolean!
  }
  type LocationEdge { cursor: String! node: Location! }
  type LocationConnection { edges: [LocationEdge!]! nodes: [Location!]! pageInfo: PageInfo! }

  type Order {
    id: ID!
    legacyResourceId: UnsignedInt64!
    name: String!
    createdAt: DateTime!
    updatedAt: DateTime!
    cancelledAt: DateTime
    "The physical location where a retail (point of sale) order was created; null for an online order."
    retailLocation: Location
    lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean): LineItemConnection!
  }
  type OrderEdge { cursor: String! node: Order! }
  type OrderConnection { edges: [OrderEdge!]! nodes: [Order!]! pageInfo: PageInfo! }

  type LineItem {
    id: ID!
    sku: String
    name: String!
    quantity: Int!
    currentQuantity: Int!
  }
  type LineItemEdge { cursor: String! node: LineItem! }
  type LineItemConnection { edges: [LineItemEdge!]! nodes: [LineItem!]! pageInfo: PageInfo! }

  input InventoryQuantityInput {
    inventoryItemId: ID!
    locationId: ID!
    quantity: Int!
    "Mandatory since 2026-04: the expected current quantity, or null to skip the check."
    changeFromQuantity: Int
  }

  input InventorySetQuantitiesInput {
    name: String!
    reason: String!
    referenceDocumentUri: URL
    quantities: [InventoryQuantityInput!]!
  }

  input InventoryChangeInput {
    delta: Int!
    inventoryItemId: ID!
    locationId: ID!
    ledgerDocumentUri: URL
    changeFromQuantity: Int
  }

  input InventoryAdjustQuantitiesInput {
    name: String!
    reason: String!
    referenceDocumentUri: URL
    changes: [InventoryChangeInput!]!
  }

  type InventoryChange {
    name: String!
    delta: Int!
    quantityAfterChange: Int
    item: InventoryItem
    location: Location
  }

  type InventoryAdjustmentGroup {
    id: ID!
    createdAt: DateTime!
    reason: String!
    referenceDocumentUri: URL
    changes(inventoryItemIds: [ID!], locationIds: [ID!], quantityNames: [String!]): [InventoryChange!]!
  }

  type InventorySetQuantitiesUserError { code: InventorySetQuantitiesUserErrorCode field: [String!] message: String! }
  type InventoryAdjustQuantitiesUserError { code: InventoryAdjustQuantitiesUserErrorCode field: [String!] message: String! }

  type InventorySetQuantitiesPayload {
    inventoryAdjustmentGroup: InventoryAdjustmentGroup
    userErrors: [InventorySetQuantitiesUserError!]!
  }
  type InventoryAdjustQuantitiesPayload {
    inventoryAdjustmentGroup: InventoryAdjustmentGroup
    userErrors: [InventoryAdjustQuantitiesUserError!]!
  }

  enum InventorySetQuantitiesUserErrorCode {
    CHANGE_FROM_QUANTITY_STALE
    CHANGE_FROM_QUANTITY_REQUIRED
    IDEMPOTENCY_CONCURRENT_REQUEST
    IDEMPOTENCY_KEY_PARAMETER_MISMATCH
    INVALID_INVENTORY_ITEM
    INVALID_LOCATION
    INVALID_NAME
    INVALID_QUANTITY_NEGATIVE
    INVALID_QUANTITY_TOO_HIGH
    INVALID_REASON
    ITEM_NOT_STOCKED_AT_LOCATION
    NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR
  }
  enum InventoryAdjustQuantitiesUserErrorCode {
    CHANGE_FROM_QUANTITY_STALE
    IDEMPOTENCY_CONCURRENT_REQUEST
    IDEMPOTENCY_KEY_PARAMETER_MISMATCH
    INVALID_INVENTORY_ITEM
    INVALID_LOCATION
    INVALID_NAME
    INVALID_QUANTITY_NEGATIVE
    INVALID_QUANTITY_TOO_HIGH
    INVALID_REASON
    ITEM_NOT_STOCKED_AT_LOCATION
    NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR
  }
`;

let built: GraphQLSchema | undefined;

/** Built once per process: schema construction is the expensive part. */
export function shopifySchema(): GraphQLSchema {
  built ??= buildSchema(SHOPIFY_SDL + BULK_SDL);
  return built;
}
