import { getOperationAST, getVariableValues, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { compileFastVariables } from '../../sandbox/shopify/fast-variables.js';
import { shopifySchema } from '../../sandbox/shopify/schema.js';

/** The fast variable path must agree with graphql-js wherever it answers, and defer otherwise. */
const SET = `mutation($input: InventorySetQuantitiesInput!, $n: Int) { inventorySetQuantities(input: $input) { userErrors { code } } }`;

const line = (extra: Record<string, unknown> = {}) => ({
  inventoryItemId: 'gid://shopify/InventoryItem/1',
  locationId: 'gid://shopify/Location/2',
  quantity: 3,
  changeFromQuantity: null,
  ...extra,
});
const input = (quantities: unknown, extra: Record<string, unknown> = {}) => ({ name: 'available', reason: 'correction', quantities, ...extra });

const cases: Record<string, Record<string, unknown>> = {
  valid: { input: input([line(), line({ changeFromQuantity: 7 })]) },
  'compare omitted': { input: input([{ inventoryItemId: 'a', locationId: 'b', quantity: 1 }]) },
  'numeric id': { input: input([line({ inventoryItemId: 12 })]) },
  'single value as a list': { input: input(line()) },
  'optional variable given': { input: input([line()]), n: 4 },
  'uri given': { input: input([line()], { referenceDocumentUri: 'x://y' }) },
  'float quantity': { input: input([line({ quantity: 1.5 })]) },
  'quantity beyond Int': { input: input([line({ quantity: 2 ** 31 })]) },
  'string quantity': { input: input([line({ quantity: '3' })]) },
  'unknown field': { input: input([line({ extra: 1 })]) },
  'missing required field': { input: input([{ locationId: 'b', quantity: 1, changeFromQuantity: null }]) },
  'null required': { input: input([line({ quantity: null })]) },
  'input missing': {},
  'input null': { input: null },
  'boolean id': { input: input([line({ inventoryItemId: true })]) },
};

describe('fast variable coercion', () => {
  const schema = shopifySchema();
  const document = parse(SET);
  const operation = getOperationAST(document)!;
  const fast = compileFastVariables(schema, document, operation)!;

  for (const [name, raw] of Object.entries(cases)) {
    it(`agrees with graphql-js: ${name}`, () => {
      const reference = getVariableValues(schema, operation.variableDefinitions ?? [], raw);
      const mine = fast.coerce(raw);
      if (reference.errors) {
        expect(mine).toBeUndefined();
      } else {
        expect(mine).toBeDefined();
        if (!mine) return;
        // graphql-js builds null-prototype objects; compare as plain JSON
        expect(JSON.parse(JSON.stringify(mine.values))).toEqual(JSON.parse(JSON.stringify(reference.coerced)));
        expect(JSON.stringify(mine.values)).toBe(JSON.stringify(reference.coerced));
      }
    });
  }

  it('answers the common valid case and counts the longest list', () => {
    const raw = { input: input(Array.from({ length: 251 }, () => line())) };
    expect(fast.coerce(raw)?.largestList).toBe(251);
  });
});
