import {
  execute,
  getOperationAST,
  Kind,
  parse,
  validate,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLFormattedError,
} from 'graphql';
import type { CostBucket } from './bucket.js';
import { DOCS_RATE_LIMITS, MAX_INPUT_ARRAY, MAX_QUERY_COST, MESSAGES } from './constants.js';
import { operationCost } from './cost.js';
import { compileFastVariables, type FastVariables } from './fast-variables.js';
import { shopifySchema } from './schema.js';

/**
 * One Admin GraphQL request, in Shopify's order: parse and validate (cached per query
 * text), input array limits, requested cost against the single-query maximum and the
 * bucket, execution, actual cost and refund. Every answer carries extensions.cost.
 */
interface Prepared {
  document?: DocumentNode;
  errors?: readonly GraphQLError[];
  fragments: Record<string, FragmentDefinitionNode>;
  /** Largest list literal written in the query text itself. */
  largestLiteralList: number;
  /** Per operation name ('' = the only one): compiled variable coercion, null if not possible. */
  fast: Map<string, FastVariables | null>;
}

const prepared = new Map<string, Prepared>();
const PREPARED_CACHE_MAX = 500;

function prepare(query: string): Prepared {
  const hit = prepared.get(query);
  if (hit) return hit;
  let result: Prepared;
  try {
    const document = parse(query);
    const errors = validate(shopifySchema(), document);
    const fragments: Record<string, FragmentDefinitionNode> = {};
    let largestLiteralList = 0;
    visit(document, {
      FragmentDefinition: (f) => void (fragments[f.name.value] = f),
      ListValue: (l) => void (largestLiteralList = Math.max(largestLiteralList, l.values.length)),
    });
    result = errors.length ? { errors, fragments, largestLiteralList, fast: new Map() } : { document, fragments, largestLiteralList, fast: new Map() };
  } catch (err) {
    result = { errors: [err as GraphQLError], fragments: {}, largestLiteralList: 0, fast: new Map() };
  }
  if (prepared.size >= PREPARED_CACHE_MAX) prepared.clear();
  prepared.set(query, result);
  return result;
}

/** The longest array anywhere in the variables, with its path. */
function largestArray(value: unknown, path: string[] = []): { size: number; path: string[] } {
  let best = { size: 0, path };
  if (Array.isArray(value)) {
    best = { size: value.length, path };
    if (value.length <= MAX_INPUT_ARRAY) {
      for (let i = 0; i < value.length; i++) {
        const v = value[i];
        if (v !== null && typeof v === 'object') {
          const inner = largestArray(v, [...path, String(i)]);
          if (inner.size > best.size) best = inner;
        }
      }
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (v !== null && typeof v === 'object') {
        const inner = largestArray(v, [...path, k]);
        if (inner.size > best.size) best = inner;
      }
    }
  }
  return best;
}

export interface GraphqlRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface GraphqlAnswer {
  status: number;
  body: unknown;
  /** For stats: e.g. "mutation inventorySetQuantities". */
  label: string;
  throttled: boolean;
}

export function runGraphql(body: GraphqlRequestBody, bucket: CostBucket, rootValue: unknown, contextValue?: unknown): GraphqlAnswer | Promise<GraphqlAnswer> {
  if (typeof body?.query !== 'string' || body.query.length === 0) {
    return { status: 400, body: { errors: { query: 'Required parameter missing or invalid' } }, label: 'invalid', throttled: false };
  }
  const variables = (body.variables ?? {}) as Record<string, unknown>;
  if (typeof variables !== 'object' || Array.isArray(variables)) {
    return { status: 400, body: { errors: { variables: 'must be an object' } }, label: 'invalid', throttled: false };
  }
  const cost = (requested: number, actual: number | null) => ({
    cost: {
      requestedQueryCost: requested,
      actualQueryCost: actual,
      throttleStatus: {
        maximumAvailable: bucket.maximumAvailable,
        currentlyAvailable: Math.floor(bucket.available()),
        restoreRate: bucket.restoreRate,
      },
    },
  });
  const fail = (errors: GraphQLFormattedError[], label: string, requested = 0, actual: number | null = 0): GraphqlAnswer => ({
    status: 200,
    body: { errors, extensions: cost(requested, actual) },
    label,
    throttled: false,
  });

  const prep = prepare(body.query);
  if (!prep.document)
    return fail(
      prep.errors!.map((e) => e.toJSON()),
      'invalid',
    );
  const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
  const operation = getOperationAST(prep.document, operationName);
  if (!operation) return fail([{ message: 'An operation name is required when the document has several operations' }], 'invalid');
  const rootFields = operation.selectionSet.selections.flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
  const label = `${operation.operation} ${rootFields.join(',')}`;

  let fast = prep.fast.get(operationName ?? '');
  if (fast === undefined) {
    fast = compileFastVariables(shopifySchema(), prep.document, operation) ?? null;
    prep.fast.set(operationName ?? '', fast);
  }
  const coerced = fast?.coerce(variables);

  const largestVariable = coerced ? coerced.largestList : largestArray(variables).size;
  const oversize = Math.max(largestVariable, prep.largestLiteralList);
  if (oversize > MAX_INPUT_ARRAY) {
    const largest = largestArray(variables);
    const path = largest.size >= prep.largestLiteralList ? [...rootFields.slice(0, 1), ...largest.path] : rootFields.slice(0, 1);
    return fail([{ message: MESSAGES.inputTooLarge(oversize), path, extensions: { code: MESSAGES.inputTooLargeCode } }], label);
  }

  const schema = shopifySchema();
  const root = operation.operation === 'mutation' ? schema.getMutationType()! : schema.getQueryType()!;
  const requested = operationCost(operation, root, prep.fragments, variables);
  if (requested > MAX_QUERY_COST) {
    return fail(
      [
        {
          message: MESSAGES.maxCost(requested),
          extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: MAX_QUERY_COST, documentation: DOCS_RATE_LIMITS },
        },
      ],
      label,
      requested,
    );
  }
  if (!bucket.tryTake(requested)) {
    return {
      status: 200,
      body: {
        errors: [{ message: MESSAGES.throttled, extensions: { code: 'THROTTLED', documentation: DOCS_RATE_LIMITS } }],
        extensions: cost(requested, null),
      },
      label,
      throttled: true,
    };
  }

  const finish = (result: Awaited<ReturnType<typeof execute>>): GraphqlAnswer => {
    const actual = operation.operation === 'mutation' ? requested : operationCost(operation, root, prep.fragments, variables, result.data ?? {});
    if (actual < requested) bucket.refund(requested - actual);
    const out: Record<string, unknown> = {};
    if (result.errors) out['errors'] = result.errors.map((e) => e.toJSON());
    // no `data` at all when the request failed before execution (bad variables)
    if ('data' in result) out['data'] = result.data;
    out['extensions'] = cost(requested, actual);
    return { status: 200, body: out, label, throttled: false };
  };
  const result = coerced
    ? execute({ schema, document: fast!.document, rootValue, contextValue, variableValues: coerced.values, operationName })
    : execute({ schema, document: prep.document, rootValue, contextValue, variableValues: variables, operationName });
  return result instanceof Promise ? result.then(finish) : finish(result);
}
