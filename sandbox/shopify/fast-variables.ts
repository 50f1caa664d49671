import {
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  typeFromAST,
  visit,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

/**
 * Variable coercion without graphql-js's generic walk, which costs about 1 ms for one
 * 250-line inventorySetQuantities on this machine (more than everything else in the
 * request together). For each prepared operation a coercer is built once from the
 * schema types; it applies graphql-js's rules (required fields, Int range, ID from
 * string or integer, lists of one, no unknown fields) to the valid case and gives
 * up on anything else, in which case the request takes graphql-js's own path and
 * gets graphql-js's own error messages. Behaviour is the same either way; only
 * the cost differs.
 *
 * How the coerced values reach graphql-js: the operation is executed in a rewritten
 * form whose variables are declared with the identity scalar SandboxPrecoerced, so
 * graphql-js passes them through; argument values are taken from variables as they
 * are (valueFromAST does not re-coerce variables). The rewritten document is never
 * validated; the original was.
 */
export const PRECOERCED_SCALAR = 'SandboxPrecoerced';

const BAIL: unique symbol = Symbol('bail');
/** Coerces a present (not undefined) value; `largest` tracks the longest list seen. */
type Coercer = (value: unknown, largest: { n: number }) => unknown;

function scalarCoercer(name: string, parse: (v: unknown) => unknown): Coercer {
  switch (name) {
    case 'Int':
      return (v) => (typeof v === 'number' && Number.isInteger(v) && v <= 2147483647 && v >= -2147483648 ? v : BAIL);
    case 'Float':
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? v : BAIL);
    case 'String':
      return (v) => (typeof v === 'string' ? v : BAIL);
    case 'Boolean':
      return (v) => (typeof v === 'boolean' ? v : BAIL);
    case 'ID':
      return (v) => (typeof v === 'string' ? v : typeof v === 'number' && Number.isInteger(v) ? String(v) : BAIL);
    default:
      // custom scalars of this schema parse with graphql-js's default (identity)
      return (v) => {
        try {
          const parsed = parse(v);
          return parsed === undefined ? BAIL : parsed;
        } catch {
          return BAIL;
        }
      };
  }
}

function compile(type: GraphQLInputType): Coercer {
  if (isNonNullType(type)) {
    const inner = compile(type.ofType);
    return (v, largest) => (v === null ? BAIL : inner(v, largest));
  }
  const core = compileNullable(type);
  return (v, largest) => (v === null ? null : core(v, largest));
}

function compileNullable(type: GraphQLInputType): Coercer {
  if (isListType(type)) {
    const item = compile(type.ofType);
    return (v, largest) => {
      if (!Array.isArray(v)) {
        // graphql-js accepts a single value as a list of one
        const one = item(v, largest);
        return one === BAIL ? BAIL : [one];
      }
      if (v.length > largest.n) largest.n = v.length;
      const out = new Array(v.length);
      for (let i = 0; i < v.length; i++) {
        const c = item(v[i], largest);
        if (c === BAIL) return BAIL;
        out[i] = c;
      }
      return out;
    };
  }
  if (isInputObjectType(type)) {
    if (type.isOneOf) return () => BAIL;
    let fields: { name: string; coerce: Coercer; required: boolean; defaultValue: unknown }[] | undefined;
    // fields are compiled on first use: input types may refer to themselves
    const getFields = () =>
      (fields ??= Object.values(type.getFields()).map((f) => ({
        name: f.name,
        coerce: compile(f.type),
        required: isNonNullType(f.type),
        defaultValue: f.defaultValue,
      })));
    return (v, largest) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return BAIL;
      const record = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      let matched = 0;
      for (const f of getFields()) {
        const raw = record[f.name];
        if (raw === undefined) {
          if (f.defaultValue !== undefined) out[f.name] = f.defaultValue;
          else if (f.required) return BAIL;
          continue;
        }
        matched++;
        const c = f.coerce(raw, largest);
        if (c === BAIL) return BAIL;
        out[f.name] = c;
      }
      // an unknown field is an error in graphql-js: count the keys given
      let given = 0;
      for (const key in record) if (record[key] !== undefined) given++;
      return given === matched ? out : BAIL;
    };
  }
  if (isScalarType(type)) return scalarCoercer(type.name, (v) => type.parseValue(v));
  if (isEnumType(type)) {
    return (v) => (typeof v === 'string' && type.getValue(v) ? type.parseValue(v) : BAIL);
  }
  return () => BAIL;
}

export interface FastVariables {
  /** The same operation with every variable typed SandboxPrecoerced. */
  document: DocumentNode;
  /** Coerced variables, or undefined to take graphql-js's own path. */
  coerce(raw: Record<string, unknown>): { values: Record<string, unknown>; largestList: number } | undefined;
}

export function compileFastVariables(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): FastVariables | undefined {
  const defs = operation.variableDefinitions ?? [];
  if (defs.some((d) => d.defaultValue !== undefined)) return undefined;
  const vars = defs.map((d) => {
    const type = typeFromAST(schema, d.type) as GraphQLInputType | undefined;
    return type && { name: d.variable.name.value, required: isNonNullType(type), coerce: compile(type) };
  });
  if (vars.some((v) => v === undefined)) return undefined;
  const compiled = vars as NonNullable<(typeof vars)[number]>[];

  const rewritten = visit(document, {
    VariableDefinition: (d) =>
      d.variable && operation.variableDefinitions?.includes(d)
        ? { ...d, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: PRECOERCED_SCALAR } } }
        : d,
  });

  return {
    document: rewritten,
    coerce(raw) {
      const values: Record<string, unknown> = {};
      const largest = { n: 0 };
      for (const v of compiled) {
        const given = raw[v.name];
        if (given === undefined) {
          if (v.required) return undefined;
          continue;
        }
        const c = v.coerce(given, largest);
        if (c === BAIL) return undefined;
        values[v.name] = c;
      }
      return { values, largestList: largest.n };
    },
  };
}
