import { getDirectiveValues, GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { MESSAGES } from './constants.js';
import type { ShopifyEvents } from './events.js';
import { gid, isoSeconds } from './format.js';
import { adjustQuantities, setQuantities, type AdjustQuantitiesInput, type MutationOutcome, type SetQuantitiesInput } from './mutations.js';
import { changeNodes, queryRoot } from './nodes.js';
import { shopifySchema } from './schema.js';
import type { ShopState } from './store.js';

/** What the resolvers of one shop share. */
export interface ShopRuntime {
  state: ShopState;
  shop: { name: string; domain: string; timezone: string };
  now(): Date;
  events: ShopifyEvents;
  /** idempotency key -> the first call's parameters and result */
  idempotency: Map<string, { fingerprint: string; payload: unknown }>;
  nextGroupId(): string;
  /** New items get a level at every location (else the first only). */
  stockEverywhere: boolean;
}

function idempotencyKey(info: GraphQLResolveInfo): string | undefined {
  const directive = shopifySchema().getDirective('idempotent')!;
  const values = getDirectiveValues(directive, info.fieldNodes[0]!, info.variableValues);
  return values?.['key'] as string | undefined;
}

function payloadOf(rt: ShopRuntime, outcome: MutationOutcome) {
  const g = outcome.group;
  return {
    inventoryAdjustmentGroup: g && {
      id: g.id,
      createdAt: isoSeconds(g.createdAt),
      reason: g.reason,
      referenceDocumentUri: g.referenceDocumentUri,
      changes: (args: { inventoryItemIds?: string[]; locationIds?: string[]; quantityNames?: string[] }) =>
        changeNodes(
          rt.state,
          g.changes.filter(
            (c) =>
              (!args.inventoryItemIds || args.inventoryItemIds.includes(gid('InventoryItem', c.item.key))) &&
              (!args.locationIds || args.locationIds.includes(gid('Location', c.locationKey))) &&
              (!args.quantityNames || args.quantityNames.includes(c.name)),
          ),
        ),
    },
    userErrors: outcome.userErrors,
  };
}

/**
 * Runs a mutation under Shopify's idempotency rules: with a key, the first result
 * is stored and replayed; the same key with other parameters is refused.
 */
function idempotent(rt: ShopRuntime, info: GraphQLResolveInfo, args: unknown, keyRequired: boolean, run: () => MutationOutcome): unknown {
  const key = idempotencyKey(info);
  if (key === undefined) {
    if (keyRequired) {
      throw new GraphQLError(MESSAGES.idempotencyRequired(info.fieldName), {
        extensions: { code: MESSAGES.idempotencyRequiredCode },
      });
    }
    return commitAndNotify(rt, run());
  }
  const fingerprint = `${info.fieldName}:${JSON.stringify(args)}`;
  const seen = rt.idempotency.get(key);
  if (seen) {
    if (seen.fingerprint === fingerprint) return seen.payload;
    return {
      inventoryAdjustmentGroup: null,
      userErrors: [{ code: 'IDEMPOTENCY_KEY_PARAMETER_MISMATCH', field: null, message: MESSAGES.idempotencyMismatch }],
    };
  }
  const payload = commitAndNotify(rt, run());
  rt.idempotency.set(key, { fingerprint, payload });
  return payload;
}

function commitAndNotify(rt: ShopRuntime, outcome: MutationOutcome) {
  for (const { item, level } of outcome.availableChanged) rt.events.inventoryLevelUpdated(item, level);
  return payloadOf(rt, outcome);
}

/** The root value for graphql-js: queries and mutations of one shop. */
export function createRootValue(rt: ShopRuntime) {
  return {
    ...queryRoot(rt.state, rt.shop),
    inventorySetQuantities: (args: { input: SetQuantitiesInput }, _ctx: unknown, info: GraphQLResolveInfo) =>
      idempotent(rt, info, args, false, () => setQuantities(rt.state, args.input, rt.now(), rt.nextGroupId())),
    inventoryAdjustQuantities: (args: { input: AdjustQuantitiesInput }, _ctx: unknown, info: GraphQLResolveInfo) =>
      idempotent(rt, info, args, true, () => adjustQuantities(rt.state, args.input, rt.now(), rt.nextGroupId())),
  };
}
