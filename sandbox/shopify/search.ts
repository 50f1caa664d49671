import { epochSeconds } from './format.js';

/**
 * The subset of Shopify's search syntax the connectors use:
 *   updated_at:>'2026-04-01T00:00:00Z'  created_at:<=...  id:>123  sku:ABC-1
 * Terms are joined by spaces or AND (OR is not supported: every term must match). Dates compare at whole seconds, as Shopify's do
 * (two writes in one second are why pollers need an overlap window). Terms on other
 * fields are ignored, as free text would be.
 */
export type SearchOp = '>' | '>=' | '<' | '<=' | '=';
export interface SearchTerm {
  field: string;
  op: SearchOp;
  value: string;
}

const TERM = /([a-z_]+):(>=|<=|>|<)?('[^']*'|"[^"]*"|\S+)/gi;

export function parseSearch(query: string | null | undefined): SearchTerm[] {
  if (!query) return [];
  const terms: SearchTerm[] = [];
  for (const m of query.matchAll(TERM)) {
    const raw = m[3] as string;
    const value = /^['"]/.test(raw) ? raw.slice(1, -1) : raw;
    terms.push({ field: (m[1] as string).toLowerCase(), op: (m[2] as SearchOp | undefined) ?? '=', value });
  }
  return terms;
}

function compare(a: number | bigint, op: SearchOp, b: number | bigint): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '=':
      return a === b;
  }
}

export interface Searchable {
  id: bigint;
  createdAt: Date;
  updatedAt: Date;
  sku?: string;
}

/** Builds a predicate; a term whose value does not parse is ignored, as Shopify does. */
export function searchPredicate(terms: SearchTerm[]): (x: Searchable) => boolean {
  const checks: ((x: Searchable) => boolean)[] = [];
  for (const t of terms) {
    if (t.field === 'updated_at' || t.field === 'created_at') {
      const ms = Date.parse(t.value);
      if (Number.isNaN(ms)) continue;
      const bound = Math.floor(ms / 1000);
      const pick = t.field === 'updated_at' ? (x: Searchable) => x.updatedAt : (x: Searchable) => x.createdAt;
      checks.push((x) => compare(epochSeconds(pick(x)), t.op, bound));
    } else if (t.field === 'id' && /^\d+$/.test(t.value)) {
      const bound = BigInt(t.value);
      checks.push((x) => compare(x.id, t.op, bound));
    } else if (t.field === 'sku') {
      checks.push((x) => x.sku === t.value);
    }
  }
  return (x) => checks.every((c) => c(x));
}
