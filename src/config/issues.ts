// Every config mistake becomes one `path: reason` line. Paths read like the YAML a
// person wrote: connections[0].credentials.accessToken, skus[2].listings.shop-main.

import type * as z from 'zod';

export type PathSegment = string | number;
export interface ConfigIssue {
  path: string;
  message: string;
  /** 1-based line in the YAML file, when known. */
  line?: number;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === '' ? '(root)' : out;
}

/** The raw value at a path, or undefined (tolerant of any shape). */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node;
}

const NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  record: 'a mapping',
};

// zod's default wording ("Invalid input: expected string, received undefined") is for
// programmers; the schema's own messages are kept, the defaults are rephrased.
function reason(issue: z.core.$ZodIssue, raw: unknown, path: PathSegment[]): string {
  const isDefault = /^(Invalid|Too (small|big)|Unrecognized)/.test(issue.message);
  if (issue.code === 'invalid_type' && valueAt(raw, path) === undefined) return 'required';
  if (!isDefault) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${NOUNS[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' ? `must have at least ${issue.minimum} item(s)` : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' ? `must have at most ${issue.maximum} item(s)` : `must be at most ${issue.maximum}`;
    default:
      return issue.message;
  }
}

export function fromZod(issues: readonly z.core.$ZodIssue[], raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: 'unknown field' });
      continue;
    }
    out.push({ path: formatPath(path), message: reason(issue, raw, path) });
  }
  return out;
}

function segments(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const m of path.matchAll(/\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\.?([A-Za-z0-9_-]+)/g)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(`"${m[2]}"`) as string);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

function compareSegments(a: PathSegment[], b: PathSegment[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

/** Stable order (by path, list indexes numerically) without duplicates. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  const unique = issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique
    .map((issue, index) => ({ issue, index, segs: segments(issue.path) }))
    .sort((a, b) => compareSegments(a.segs, b.segs) || a.index - b.index)
    .map((x) => x.issue);
}

export { segments as parsePath };
