import {
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { COST_CONNECTION_BASE, COST_MUTATION, COST_OBJECT } from './constants.js';

/**
 * Shopify's calculated query cost, the documented rules only:
 * scalar and enum fields 0; object fields 1 (a plain list of objects counts as one);
 * a connection 2 + (first or last) x the cost of one node; each mutation field a
 * flat 10. The requested cost is computed before running, from the arguments; the
 * actual cost walks the response and counts the nodes really returned.
 */
type Fragments = Record<string, FragmentDefinitionNode>;
type Vars = Record<string, unknown>;

function argInt(field: FieldNode, name: string, vars: Vars): number | undefined {
  const arg = field.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  const v: ValueNode = arg.value;
  if (v.kind === Kind.INT) return Number(v.value);
  if (v.kind === Kind.VARIABLE) {
    const x = vars[v.name.value];
    return typeof x === 'number' ? x : undefined;
  }
  return undefined;
}

/** Field selections of a set, fragments flattened (the schema has no abstract types). */
function fieldsOf(set: SelectionSetNode, fragments: Fragments): FieldNode[] {
  const out: FieldNode[] = [];
  for (const s of set.selections) {
    if (s.kind === Kind.FIELD) out.push(s);
    else if (s.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsOf(s.selectionSet, fragments));
    else {
      const frag = fragments[s.name.value];
      if (frag) out.push(...fieldsOf(frag.selectionSet, fragments));
    }
  }
  return out;
}

const responseKey = (f: FieldNode) => f.alias?.value ?? f.name.value;

function selectionCost(set: SelectionSetNode, parent: GraphQLObjectType, fragments: Fragments, vars: Vars, data: unknown): number {
  let total = 0;
  const record = data as Record<string, unknown> | undefined;
  for (const field of fieldsOf(set, fragments)) {
    const def = parent.getFields()[field.name.value];
    if (!def) continue;
    const named = getNamedType(def.type);
    if (isLeafType(named) || !isObjectType(named) || !field.selectionSet) continue;
    const value = record === undefined ? undefined : record[responseKey(field)];
    if (record !== undefined && value == null) continue; // nothing resolved, nothing charged
    if (named.name.endsWith('Connection')) {
      total += connectionCost(field, named, fragments, vars, value);
    } else {
      const sample = isListType(getNullableType(def.type)) && Array.isArray(value) ? value[0] : value;
      total += COST_OBJECT + selectionCost(field.selectionSet, named, fragments, vars, sample);
    }
  }
  return total;
}

function connectionCost(field: FieldNode, conn: GraphQLObjectType, fragments: Fragments, vars: Vars, data: unknown): number {
  // the node selections, through edges{node} and/or nodes
  const nodeSelections: { set: SelectionSetNode; type: GraphQLObjectType; list: (d: unknown) => unknown[] }[] = [];
  for (const f of fieldsOf(field.selectionSet!, fragments)) {
    const key = responseKey(f);
    if (f.name.value === 'nodes' && f.selectionSet) {
      const type = getNamedType(conn.getFields()['nodes']!.type) as GraphQLObjectType;
      nodeSelections.push({ set: f.selectionSet, type, list: (d) => (d as Record<string, unknown[]>)[key] ?? [] });
    } else if (f.name.value === 'edges' && f.selectionSet) {
      const edgeType = getNamedType(conn.getFields()['edges']!.type) as GraphQLObjectType;
      for (const e of fieldsOf(f.selectionSet, fragments)) {
        if (e.name.value !== 'node' || !e.selectionSet) continue;
        const nodeKey = responseKey(e);
        const type = getNamedType(edgeType.getFields()['node']!.type) as GraphQLObjectType;
        nodeSelections.push({
          set: e.selectionSet,
          type,
          list: (d) => ((d as Record<string, Record<string, unknown>[]>)[key] ?? []).map((edge) => edge[nodeKey]),
        });
      }
    }
  }
  const perNode = (node: unknown) => Math.max(0, ...nodeSelections.map((s) => COST_OBJECT + selectionCost(s.set, s.type, fragments, vars, node)));
  if (data === undefined) {
    const size = argInt(field, 'first', vars) ?? argInt(field, 'last', vars) ?? 0;
    return COST_CONNECTION_BASE + size * (nodeSelections.length ? perNode(undefined) : 0);
  }
  // actual: the nodes returned, each at its own actual cost
  const nodes = nodeSelections[0]?.list(data) ?? [];
  let sum = 0;
  for (const n of nodes) sum += perNode(n);
  return COST_CONNECTION_BASE + sum;
}

export function operationCost(operation: OperationDefinitionNode, root: GraphQLObjectType, fragments: Fragments, vars: Vars, data?: unknown): number {
  if (operation.operation === 'mutation') {
    return fieldsOf(operation.selectionSet, fragments).filter((f) => f.name.value !== '__typename').length * COST_MUTATION;
  }
  return selectionCost(operation.selectionSet, root, fragments, vars, data);
}
