import {
  execute,
  getNamedType,
  isObjectType,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { BULK_MAX_CONNECTIONS, BULK_MAX_DEPTH, MESSAGES } from './constants.js';
import type { BulkScope } from './nodes.js';
import { shopifySchema } from './schema.js';

/**
 * The query a bulk operation runs, as Shopify treats it: one top-level connection, at most
 * five connections, nested at most two levels, every node that holds a nested connection
 * selecting its `id` (the children's `__parentId`). Run in windows of root objects (the
 * operation reads the shop progressively, not as one snapshot) and written as JSONL: each
 * node on its own line, nested connection nodes on lines of their own with `__parentId`.
 */
export interface BulkQuery {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  rootField: FieldNode;
}

const isConnection = (t: GraphQLObjectType) => t.name.endsWith('Connection');

/** The parsed query, or the user error Shopify answers bulkOperationRunQuery with. */
export function parseBulkQuery(text: string): BulkQuery | { error: string } {
  let document: DocumentNode;
  try {
    document = parse(text);
  } catch (e) {
    return { error: MESSAGES.bulkInvalid((e as Error).message) };
  }
  const errors = validate(shopifySchema(), document);
  if (errors.length > 0) return { error: MESSAGES.bulkInvalid(errors.map((e) => e.message).join('; ')) };
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0]!.operation !== 'query') return { error: MESSAGES.bulkInvalid('a bulk query is one query operation') };
  const operation = operations[0]!;
  const roots = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
  if (roots.length !== 1 || roots.length !== operation.selectionSet.selections.length) return { error: MESSAGES.bulkOneRootField };
  const rootType = getNamedType(shopifySchema().getQueryType()!.getFields()[roots[0]!.name.value]!.type);
  if (!isObjectType(rootType) || !isConnection(rootType)) return { error: MESSAGES.bulkNoConnection };
  const shape = { connections: 0, depth: 0, missingId: false };
  walkConnections(roots[0]!, rootType, 1, shape);
  if (shape.connections > BULK_MAX_CONNECTIONS) return { error: MESSAGES.bulkTooManyConnections(shape.connections) };
  if (shape.depth > BULK_MAX_DEPTH) return { error: MESSAGES.bulkTooDeep(shape.depth) };
  if (shape.missingId) return { error: MESSAGES.bulkParentId };
  return { document, operation, rootField: roots[0]! };
}

/** Counts connections and their nesting under one connection field. */
function walkConnections(field: FieldNode, conn: GraphQLObjectType, depth: number, shape: { connections: number; depth: number; missingId: boolean }) {
  shape.connections++;
  shape.depth = Math.max(shape.depth, depth);
  for (const { set, type } of nodeSelections(field.selectionSet, conn)) {
    const nested = nestedConnections(set, type);
    if (nested.length > 0 && !set.selections.some((s) => s.kind === Kind.FIELD && s.name.value === 'id' && !s.alias)) shape.missingId = true;
    for (const n of nested) walkConnections(n.field, n.type, depth + 1, shape);
  }
}

/** The node selections of a connection: through `nodes` and through `edges { node }`. */
function nodeSelections(set: SelectionSetNode | undefined, conn: GraphQLObjectType): { set: SelectionSetNode; type: GraphQLObjectType }[] {
  const out: { set: SelectionSetNode; type: GraphQLObjectType }[] = [];
  for (const f of fieldsOf(set)) {
    if (f.name.value === 'nodes' && f.selectionSet) out.push({ set: f.selectionSet, type: getNamedType(conn.getFields()['nodes']!.type) as GraphQLObjectType });
    if (f.name.value === 'edges' && f.selectionSet) {
      const edge = getNamedType(conn.getFields()['edges']!.type) as GraphQLObjectType;
      for (const e of fieldsOf(f.selectionSet)) {
        if (e.name.value === 'node' && e.selectionSet)
          out.push({ set: e.selectionSet, type: getNamedType(edge.getFields()['node']!.type) as GraphQLObjectType });
      }
    }
  }
  return out;
}

function nestedConnections(set: SelectionSetNode, type: GraphQLObjectType): { field: FieldNode; type: GraphQLObjectType }[] {
  return fieldsOf(set).flatMap((f) => {
    const t = type.getFields()[f.name.value] ? getNamedType(type.getFields()[f.name.value]!.type) : undefined;
    return t && isObjectType(t) && isConnection(t) ? [{ field: f, type: t }] : [];
  });
}

const fieldsOf = (set: SelectionSetNode | undefined): FieldNode[] => (set?.selections ?? []).filter((s): s is FieldNode => s.kind === Kind.FIELD);
const keyOf = (f: FieldNode) => f.alias?.value ?? f.name.value;

export interface BulkWindow {
  /** JSONL lines of this window, each without its newline. */
  lines: string[];
  roots: number;
  /** Id of the last root object read: the next window starts after it. */
  lastId: bigint | null;
  done: boolean;
}

/** Runs the query over the next `limit` root objects after `afterId`, as the shop is now. */
export function runBulkWindow(q: BulkQuery, rootValue: unknown, afterId: bigint | null, limit: number): BulkWindow {
  const scope: BulkScope = { window: { afterId, limit } };
  const result = execute({ schema: shopifySchema(), document: q.document, rootValue, contextValue: { bulk: scope } });
  if (result instanceof Promise) throw new Error('bulk queries resolve synchronously in the sandbox');
  if (result.errors?.length) throw new Error(result.errors.map((e) => e.message).join('; '));
  const rootType = getNamedType(shopifySchema().getQueryType()!.getFields()[q.rootField.name.value]!.type) as GraphQLObjectType;
  const lines: string[] = [];
  const nodes = connectionNodes(q.rootField, rootType, (result.data as Record<string, unknown>)[keyOf(q.rootField)]);
  for (const { node, set, type } of nodes) writeNode(node, set, type, undefined, lines);
  return { lines, roots: nodes.length, lastId: scope.window?.lastId ?? null, done: scope.window?.done ?? true };
}

/** The node objects of one connection value, each with the selection and type it was read with. */
function connectionNodes(field: FieldNode, conn: GraphQLObjectType, value: unknown) {
  const out: { node: Record<string, unknown>; set: SelectionSetNode; type: GraphQLObjectType }[] = [];
  if (value == null) return out;
  const v = value as Record<string, unknown>;
  for (const f of fieldsOf(field.selectionSet)) {
    const list = v[keyOf(f)];
    if (!Array.isArray(list)) continue;
    for (const { set, type } of nodeSelections({ kind: Kind.SELECTION_SET, selections: [f] }, conn)) {
      for (const item of list) {
        const node = (
          f.name.value === 'edges' ? (item as Record<string, unknown>)[keyOf(fieldsOf(f.selectionSet).find((e) => e.name.value === 'node')!)] : item
        ) as Record<string, unknown>;
        out.push({ node, set, type });
      }
    }
    break; // edges and nodes list the same objects: one line each
  }
  return out;
}

/** One node's line (its nested connections taken out), then its children's lines. */
function writeNode(node: Record<string, unknown>, set: SelectionSetNode, type: GraphQLObjectType, parentId: string | undefined, lines: string[]) {
  const own: Record<string, unknown> = {};
  const children: { field: FieldNode; type: GraphQLObjectType; value: unknown }[] = [];
  const connections = new Set(nestedConnections(set, type).map((c) => c.field));
  for (const f of fieldsOf(set)) {
    if (connections.has(f)) children.push({ field: f, type: getNamedType(type.getFields()[f.name.value]!.type) as GraphQLObjectType, value: node[keyOf(f)] });
    else own[keyOf(f)] = node[keyOf(f)];
  }
  if (parentId !== undefined) own['__parentId'] = parentId;
  lines.push(JSON.stringify(own));
  const id = typeof node['id'] === 'string' ? node['id'] : undefined;
  for (const c of children) {
    for (const child of connectionNodes(c.field, c.type, c.value)) writeNode(child.node, child.set, child.type, id, lines);
  }
}
